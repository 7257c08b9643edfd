import { z } from 'zod';
import { HttpError } from '../errors';

/**
 * Keyset pagination: the cursor is the sort key of the last row served (opaque to the
 * client, base64url JSON), so page N costs what page 1 costs.
 */
// Decimal digits only: coercing with Number() also read ' 5', '0x10' and '1e1' as numbers.
export const limit = z.preprocess(
  (value) => (typeof value === 'string' && /^[0-9]{1,10}$/.test(value) ? Number(value) : value),
  z.number({ message: 'Must be a whole number from 1 to 200.' }).int().min(1).max(200),
).default(50);
// An empty `cursor=` is the first page, as if it were absent.
export const cursor = z.preprocess((value) => (value === '' ? undefined : value), z.string().max(512).optional());

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** Decodes a cursor into its key, checking each part's shape; anything else is a 400. */
export function decodeCursor<T extends z.ZodTuple>(value: string | undefined, shape: T): z.output<T> | undefined {
  if (value === undefined) return undefined;
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    if (parsed.success) return parsed.data;
  } catch {
    // fall through
  }
  throw HttpError.validation([{ path: 'query.cursor', message: 'Not a valid cursor.' }]);
}

/** A page as JSON text (`{"data": [...], "nextCursor": ...}`), for items PostgreSQL already rendered as JSON. */
export type PageJson = string;

/** Rows were fetched with limit + 1: the extra one says whether another page exists. */
export function toPage<Row, T>(rows: Row[], pageSize: number, present: (row: Row) => T, keyOf: (row: Row) => unknown[]): Page<T> {
  const more = rows.length > pageSize;
  const served = more ? rows.slice(0, pageSize) : rows;
  return {
    data: served.map(present),
    nextCursor: more ? encodeCursor(keyOf(served[served.length - 1])) : null,
  };
}

/** toPage() for rows that carry their item as JSON text: the page is assembled, never re-serialised. */
export function toPageJson<Row>(rows: Row[], pageSize: number, jsonOf: (row: Row) => string, keyOf: (row: Row) => unknown[]): PageJson {
  const { data, nextCursor } = toPage(rows, pageSize, jsonOf, keyOf);
  return `{"data":[${data.join(',')}],"nextCursor":${JSON.stringify(nextCursor)}}`;
}
