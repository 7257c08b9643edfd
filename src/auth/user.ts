import type {} from 'passport';
import type { Request, RequestHandler } from 'express';
import type { Actor } from '../db/tenant';
import { HttpError } from '../errors';

/**
 * Who made the request, as the auth middleware established it (from the session in Redis
 * or a bearer token). Only the id: routes that need more ask the database, under RLS.
 */
export interface AuthUser {
  id: string;
  /** Set when an API token authenticated the request: withTenant re-checks it is still live. */
  tokenHash?: string;
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AuthUser {}
    interface Request {
      /** How req.user was established; CSRF applies to 'session' only. */
      authMethod?: 'session' | 'token';
    }
  }
}

// RFC 9110: a 401 names the scheme that would authenticate the request.
export const requireUser: RequestHandler = (req, _res, next) => {
  next(req.user ? undefined : HttpError.unauthorized());
};

/** The user id: null is anonymous (public projects only). */
export function userIdOf(req: Request): string | null {
  return req.user?.id ?? null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Whom the request's transaction runs as (see withTenant). A safe request's transaction is
 * READ ONLY, and runs on a read replica when there is one.
 */
export function actorOf(req: Request): Actor {
  return { id: req.user?.id ?? null, tokenHash: req.user?.tokenHash, readOnly: SAFE_METHODS.has(req.method) };
}
