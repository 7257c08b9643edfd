import { z } from 'zod';
import { FieldError, HttpError } from '../errors';

/**
 * Parses one part of a request with its zod schema, or throws a 400 that names every bad
 * field. Schemas are .strict(): an unknown field is an error, never silently dropped.
 * Express 5's req.query is read-only, so routes keep the parsed values in locals.
 */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'path'): z.output<S> {
  const result = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (result.success) return result.data;
  throw HttpError.validation(fieldErrors(result.error, where));
}

export function fieldErrors(error: z.ZodError, where: string): FieldError[] {
  const errors: FieldError[] = [];
  for (const issue of error.issues) {
    const base = [where, ...issue.path.map(String)].join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.push({ path: `${base}.${key}`, message: 'Unknown field.' });
    } else {
      errors.push({ path: base, message: issue.message });
    }
  }
  return errors;
}

// Building blocks shared by the resources' schemas.
export const uuid = z.uuid({ message: 'Must be a UUID.' });
export const IdParams = z.object({ id: uuid }).strict();
/** For actions that take no body: none, or an empty JSON object; any field is unknown (400). */
export const NoBody = z.object({}).strict().optional();

/**
 * Text that PostgreSQL can store as sent: no NUL bytes (they are 22021 there, a 400 here) and
 * no lone UTF-16 surrogates (a JSON escape such as \ud800, which would be stored as U+FFFD).
 */
export const text = (max: number) =>
  z.string().max(max)
    .refine((s) => !s.includes('\u0000'), 'Must not contain NUL characters.')
    .refine((s) => !/[\uD800-\uDFFF]/u.test(s), 'Must not contain unpaired surrogates.');
export const name = (max: number) => text(max).transform((s) => s.trim()).pipe(z.string().min(1, 'Must not be empty.'));
