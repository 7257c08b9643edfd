import type { RequestHandler } from 'express';
import { HttpError } from '../errors';
import { openApiDocument } from './openapi';

/** Served by the operations router, outside the OpenAPI document. */
const OPERATIONS: Array<[string, string[]]> = [
  ['/health', ['get']], ['/ready', ['get']], ['/metrics', ['get']], ['/openapi.json', ['get']], ['/docs', ['get']],
];

interface KnownPath {
  pattern: RegExp;
  methods: string[];
}

let known: KnownPath[] | undefined;

/** Every route is registered in the OpenAPI document, so it doubles as the table of paths and methods. */
function knownPaths(): KnownPath[] {
  if (!known) {
    const paths = (openApiDocument() as { paths?: Record<string, object> }).paths ?? {};
    known = [...Object.entries(paths).map(([path, operations]): [string, string[]] => [path, Object.keys(operations)]), ...OPERATIONS]
      .map(([path, methods]) => ({
        // Express matches case-insensitively and with an optional trailing slash; so does this.
        pattern: new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`, 'i'),
        methods: methods.map((method) => method.toUpperCase()),
      }));
  }
  return known;
}

/** The methods a path answers, as an Allow header ('' for an unknown path). */
function allowFor(path: string): { allowed: Set<string>; allow: string } {
  const allowed = new Set(knownPaths().filter(({ pattern }) => pattern.test(path)).flatMap(({ methods }) => methods));
  if (allowed.size === 0) return { allowed, allow: '' };
  if (allowed.has('GET')) allowed.add('HEAD');
  return { allowed, allow: [...allowed, 'OPTIONS'].sort().join(', ') };
}

/** OPTIONS on a known path: 204 with Allow (Express's default was a 200 text/plain body). */
export const answerOptions: RequestHandler = (req, res, next) => {
  if (req.method !== 'OPTIONS') return next();
  const { allow } = allowFor(req.path);
  if (!allow) return next(HttpError.notFound(`No route for ${req.method} ${req.path}.`));
  res.setHeader('Allow', allow);
  res.status(204).end();
};

/** The last route: a known path asked with another method is a 405 with Allow; anything else a 404. */
export const noRoute: RequestHandler = (req, _res, next) => {
  const { allowed, allow } = allowFor(req.path);
  if (allowed.size === 0 || allowed.has(req.method)) return next(HttpError.notFound(`No route for ${req.method} ${req.path}.`));
  next(new HttpError(405, 'Method Not Allowed', `${req.method} is not allowed here; use ${allow}.`, undefined, { Allow: allow }));
};
