import type { NextFunction, Request, Response } from 'express';
import { Passport } from 'passport';
import { Strategy as LocalStrategy } from 'passport-local';
import { Strategy as BearerStrategy } from 'passport-http-bearer';
import type { AppDeps } from '../deps';
import { HttpError } from '../errors';
import { verifyPassword, warmUpDummyHash } from './passwords';
import { accounts } from './repository';
import { hashToken } from './tokens';
import type { AuthUser } from './user';
import { queryOnce } from '../db/tenant';

/**
 * One passport per app (not the module singleton, so two apps in a process never share
 * state). The session holds the user id only: deserializing it needs no database.
 */
export type Authenticator = InstanceType<typeof Passport>;

// What newApiToken() makes ("pm_" + 43 base64url characters), loosely: garbage never reaches the database.
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{10,200}$/;
const TOKEN_CACHE_MS = 5 * 60_000;
const TOKEN_CACHE_SIZE = 10_000;

export function createPassport({ withTenant, dataSource }: AppDeps): Authenticator {
  const passport = new Passport();
  warmUpDummyHash();

  // Runs inside req.login, on the freshly regenerated session: the login time goes in the same save.
  passport.serializeUser<string, Request>((req, user, done) => {
    req.session.loginAt = Date.now();
    done(null, user.id);
  });
  passport.deserializeUser((id: string, done) => done(null, { id }));

  // Unknown email, wrong password and a user who may not log in cost one verify each and
  // end the same way, so neither the answer nor its timing tells them apart.
  passport.use(new LocalStrategy({ usernameField: 'email', passwordField: 'password', session: false },
    (email, password, done) => {
      (async () => {
        const candidate = await withTenant(null, (em) => accounts(em).loginCandidate(email.toLowerCase()));
        const matches = await verifyPassword(candidate?.passwordHash ?? null, password);
        return matches && candidate?.status === 'active' ? { id: candidate.id } : false;
      })().then((user) => done(null, user), (error) => done(error));
    }));

  // A token verified in the last 5 minutes skips the look-up: withTenant checks it again in
  // its first statement (no extra round trip), so revocation and expiry still take effect at
  // once on every route that touches data. Otherwise one round trip: app_token_user()
  // answers only for a live token. Thousands of clients at 30 s made one request in ten a
  // look-up (docs/performance.md).
  const verifiedTokens = new Map<string, { userId: string; until: number }>();
  passport.use(new BearerStrategy((token, done) => {
    if (!TOKEN_SHAPE.test(token)) return done(null, false);
    const tokenHash = hashToken(token);
    const cached = verifiedTokens.get(tokenHash);
    if (cached && cached.until > Date.now()) return done(null, { id: cached.userId, tokenHash });
    queryOnce<{ user_id: string | null }>(dataSource, 'SELECT app_token_user($1) AS user_id', [tokenHash]).then(
      ([row]) => {
        verifiedTokens.delete(tokenHash);
        if (!row?.user_id) return done(null, false);
        if (verifiedTokens.size >= TOKEN_CACHE_SIZE) verifiedTokens.delete(verifiedTokens.keys().next().value as string);
        verifiedTokens.set(tokenHash, { userId: row.user_id, until: Date.now() + TOKEN_CACHE_MS });
        done(null, { id: row.user_id, tokenHash });
      },
      (error: unknown) => done(error),
    );
  }));

  return passport;
}

/** Runs one strategy and resolves with its user, or false; never answers the request itself. */
export function authenticateWith(passport: Authenticator, strategy: 'local' | 'bearer', req: Request, res: Response): Promise<AuthUser | false> {
  return new Promise((resolve, reject) => {
    const done = (error: unknown, user?: AuthUser | false) => (error ? reject(error) : resolve(user ?? false));
    passport.authenticate(strategy, { session: false }, done)(req, res, reject as NextFunction);
  });
}

export function logIn(req: Request, user: AuthUser): Promise<void> {
  return new Promise((resolve, reject) => req.logIn(user, (error) => (error ? reject(error) : resolve())));
}

export const invalidCredentials = () => HttpError.unauthorized('The email or password is not correct.');

