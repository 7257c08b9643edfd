import { createHmac } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config';
import { HttpError } from '../errors';

/**
 * CSRF for cookie sessions: csrf-csrf's double submit (an HttpOnly cookie plus the same value
 * in X-CSRF-Token), HMAC-bound to the session id, so a token minted for one session (or for
 * none) is refused in another; without the cookie, the header's HMAC alone must verify.
 * Bearer requests carry no ambient credential and are exempt; login and register run before
 * there is a session to protect.
 */
export const CSRF_HEADER = 'X-CSRF-Token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const EXEMPT_PATHS = new Set(['/auth/login', '/auth/register']);

export interface Csrf {
  /** A token for this request's session (reused while its cookie is still valid unless `fresh`). */
  issue(req: Request, res: Response, fresh?: boolean): string;
  /** Refuses cookie-authenticated unsafe requests without the matching header (403). */
  guard: RequestHandler;
}

export function csrfProtection(config: Config): Csrf {
  const cookieName = config.env === 'production' ? '__Host-csrf' : 'csrf';
  // Its own key, derived from the session secret: a CSRF HMAC can never double as a cookie signature.
  const secret = createHmac('sha256', config.sessionSecret).update('csrf-token').digest('hex');
  const { generateCsrfToken, validateRequest } = doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req) => (req.session ? req.sessionID : ''),
    cookieName,
    cookieOptions: { httpOnly: true, sameSite: 'lax', secure: config.env === 'production', path: '/' },
    getCsrfTokenFromRequest: (req) => req.headers['x-csrf-token'],
  });

  // csrf-csrf reads req.cookies; this app parses no other cookie, so only its own is exposed.
  const exposeCookie = (req: Request) => {
    req.cookies = {};
    for (const part of (req.headers.cookie ?? '').split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === cookieName) req.cookies[cookieName] = part.slice(eq + 1).trim();
    }
  };

  return {
    issue(req, res, fresh = false) {
      exposeCookie(req);
      return generateCsrfToken(req, res, { overwrite: fresh });
    },
    guard(req, _res, next) {
      if (req.authMethod !== 'session' || SAFE_METHODS.has(req.method) || EXEMPT_PATHS.has(req.path)) return next();
      exposeCookie(req);
      // A client that keeps only the session cookie: the header's HMAC, bound to this session
      // id, is proof enough (the signed-token pattern). When the cookie is sent, it must match.
      const header = req.headers['x-csrf-token'];
      if (!(cookieName in req.cookies) && typeof header === 'string') req.cookies[cookieName] = header;
      if (validateRequest(req)) return next();
      next(HttpError.forbidden(`Send the ${CSRF_HEADER} header with the token from GET /auth/csrf.`));
    },
  };
}
