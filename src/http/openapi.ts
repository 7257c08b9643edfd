import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

/**
 * One registry for the whole API: each resource's schemas.ts registers its routes with the
 * same zod schemas the routes validate with, so the document cannot drift from the code.
 */
export const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'session', { type: 'apiKey', in: 'cookie', name: 'sid' });
registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });

export const Problem = registry.register(
  'Problem',
  z.object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
);

const problemResponse = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
});

/** The error answers every route may give, for registerPath's `responses`. */
export const problemResponses = {
  400: problemResponse('Invalid input'),
  401: problemResponse('Not authenticated'),
  403: problemResponse('Not allowed'),
  404: problemResponse('Not found (or hidden by row-level security)'),
  409: problemResponse('Conflict'),
  429: problemResponse('Rate limited'),
  503: problemResponse('A dependency is down'),
};

export const security: Array<Record<string, string[]>> = [{ session: [] }, { bearer: [] }];
/** Reads that also answer anonymous requests, for public projects. */
export const securityOrAnonymous: Array<Record<string, string[]>> = [...security, {}];

// Small builders for registerPath, shared by every resource's schemas.ts.
/** A keyset page of `item`: `{ data, nextCursor }`, named `title` in the document. */
export const page = <T extends z.ZodType>(item: T, title: string) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() }).openapi(title);
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
/** A 201 whose Location is the new resource's own path (GET answers it). */
export const created = <T extends z.ZodType>(schema: T, description: string, headers: Record<string, z.ZodType> = {}) => ({
  description,
  headers: z.object({ Location: z.string().describe('The path of the new resource'), ...headers }),
  content: { 'application/json': { schema } },
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });
export const noContent = { description: 'Done; no body.' };
interface Operation {
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ in: string; name: string }>;
}
const CSRF_HEADER = {
  in: 'header', name: 'x-csrf-token', required: false, schema: { type: 'string' },
  description: 'Required with a session cookie (GET /auth/csrf gives it); not with a bearer token.',
};

/** Every unsafe operation a session may call takes the CSRF header, as the app enforces it. */
function declareCsrfHeaders(paths: Record<string, Record<string, Operation>>): void {
  for (const operations of Object.values(paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
      if (!operation.security?.some((scheme) => 'session' in scheme)) continue;
      operation.parameters = [...(operation.parameters ?? []), CSRF_HEADER];
    }
  }
}

let document: object | undefined;
export function openApiDocument(): object {
  if (!document) {
    const generated = new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: '3.1.0',
      info: {
        title: 'Multi-tenant project management API',
        version: '1.0.0',
        description: 'Workspaces, projects, tasks, documents and files; tenant isolation by PostgreSQL row-level security.',
      },
    });
    declareCsrfHeaders(generated.paths as Record<string, Record<string, Operation>>);
    document = generated;
  }
  return document;
}
