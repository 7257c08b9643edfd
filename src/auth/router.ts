import { isIP } from 'node:net';
import { Router, type Request, type RequestHandler } from 'express';
import type { AppDeps, RouterDeps } from '../deps';
import { HttpError } from '../errors';
import { IdParams, NoBody, parse } from '../http/validate';
import { csrfProtection, type Csrf } from './csrf';
import { authenticateWith, createPassport, invalidCredentials, logIn, type Authenticator } from './passport';
import { hashPassword, verifyPassword } from './passwords';
import { loginLimiters, type LoginLimiters } from './rate-limit';
import { accounts } from './repository';
import {
  ChangePassword, CreateApiToken, ListQuery, Login, Register, apiTokenJson, loginJson, newApiTokenJson, sessionJson, userJson,
} from './schemas';
import {
  SESSION_COOKIE, currentSessionToken, destroySession, redisSessionStore, requireSecureLogin, sessionCookieOptions, sessionKey,
  sessionMiddleware, type RegistryStore,
} from './session';
import { newApiToken } from './tokens';
import { requireUser, actorOf } from './user';

/** What authentication() and authRouter() share, built once per app. */
interface AuthKit {
  passport: Authenticator;
  csrf: Csrf;
  sessions: RegistryStore;
  session: RequestHandler;
  limiters: LoginLimiters;
}
const kits = new WeakMap<RouterDeps, AuthKit>();
function kitFor(deps: AppDeps): AuthKit {
  let kit = kits.get(deps);
  if (!kit) {
    // The demo without Redis passes a PostgreSQL store (scripts/demo); everything else uses Redis.
    const given = deps.sessionStore;
    const sessions = given ?? redisSessionStore(deps.config, deps.redis);
    kit = {
      passport: createPassport(deps),
      csrf: csrfProtection(deps.config),
      sessions,
      session: sessionMiddleware(deps.config, sessions),
      limiters: loginLimiters(deps.config, given ? undefined : deps.redis, deps.logger),
    };
    kits.set(deps, kit);
  }
  return kit;
}

// A request that carries an Authorization header is a bearer request: no cookie session at all.
const unlessBearer = (handler: RequestHandler): RequestHandler => (req, res, next) =>
  req.headers.authorization === undefined ? handler(req, res, next) : next();

/**
 * Establishes req.user for every request: a bearer token (one database round trip, and an
 * invalid one is a 401 at once, never a fall-back to the cookie), or else the session cookie
 * (one Redis round trip, no database). Then CSRF for cookie-authenticated unsafe requests.
 */
export function authentication(deps: AppDeps): RequestHandler[] {
  const { passport, csrf, session } = kitFor(deps);

  const bearer: RequestHandler = async (req, res, next) => {
    if (req.headers.authorization === undefined) return next();
    const user = await authenticateWith(passport, 'bearer', req, res);
    if (!user) throw HttpError.invalidBearer();
    req.user = user;
    req.authMethod = 'token';
    next();
  };

  // Marks a session's user as cookie-authenticated, unless the session is older than the
  // absolute lifetime: then it ends here, however recently it was used.
  const absoluteLifetime: RequestHandler = async (req, _res, next) => {
    if (!req.user) return next();
    const loginAt = req.session.loginAt;
    if (typeof loginAt === 'number' && Date.now() - loginAt < deps.config.sessionAbsoluteMs) {
      req.authMethod = 'session';
      return next();
    }
    req.user = undefined;
    await destroySession(req);
    next();
  };

  return [
    // Cookie requests only: passport.authenticate() sets up what a bearer request needs itself.
    unlessBearer(passport.initialize()),
    bearer,
    unlessBearer(session),
    unlessBearer(passport.session()),
    unlessBearer(absoluteLifetime),
    csrf.guard,
  ];
}

const requestIp = (req: Request): string | null => (req.ip && isIP(req.ip) ? req.ip : null);
const userAgentOf = (req: Request): string | null => req.get('user-agent')?.slice(0, 512) ?? null;

/** /auth: registration, login and logout, sessions, API tokens, password, CSRF tokens. */
export function authRouter(deps: RouterDeps): Router {
  const { withTenant, config } = deps;
  const kit = kits.get(deps);
  if (!kit) throw new Error('mount authentication(deps) before authRouter(deps)');
  const { passport, csrf, sessions, limiters } = kit;
  const router = Router();

  router.post('/auth/register', async (req, res) => {
    const body = parse(Register, req.body, 'body');
    const passwordHash = await hashPassword(body.password);
    const id = await withTenant(null, (em) => accounts(em).register(body, passwordHash));
    const user = await withTenant(id, (em) => accounts(em).me());
    res.status(201).location('/auth/me').json(userJson(user));
  });

  // Validated before the limiters, which key the account counter on the lower-cased email.
  const readCredentials: RequestHandler = (req, res, next) => {
    const body = parse(Login, req.body, 'body');
    req.body = body;
    res.locals.loginEmail = body.email;
    next();
  };

  router.post('/auth/login', requireSecureLogin(config), readCredentials, limiters.perIp, limiters.perAccount, async (req, res) => {
    if (!req.session) throw HttpError.badRequest('Log in without an Authorization header.');
    const user = await authenticateWith(passport, 'local', req, res);
    if (!user) throw invalidCredentials();
    const previousToken = currentSessionToken(req);
    await logIn(req, user); // passport regenerates the session: a new id, the old one ends
    let me;
    try {
      me = await withTenant(user.id, (em) => accounts(em).recordLogin({
        sessionToken: sessionKey(req.sessionID),
        expiresAt: new Date(Date.now() + config.sessionAbsoluteMs),
        ipAddress: requestIp(req),
        userAgent: userAgentOf(req),
      }, previousToken));
    } catch (error) {
      await destroySession(req).catch(() => undefined); // no session without its registry row
      throw error;
    }
    // The user's fields at the top (SPEC: "200 with the user"), the same object as `user`, and the CSRF token.
    res.json(loginJson(me, csrf.issue(req, res, true)));
  });

  router.post('/auth/logout', requireUser, async (req, res) => {
    parse(NoBody, req.body, 'body');
    const token = currentSessionToken(req);
    if (token) {
      await destroySession(req); // Redis first: the session is over even if the registry write fails
      res.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
      await withTenant(actorOf(req), (em) => accounts(em).deactivateSessions([token]));
    }
    res.status(204).end();
  });

  router.get('/auth/me', requireUser, async (req, res) => {
    res.json(userJson(await withTenant(actorOf(req), (em) => accounts(em).me())));
  });

  router.get('/auth/csrf', (req, res) => {
    res.json({ csrfToken: csrf.issue(req, res) });
  });

  router.post('/auth/password', requireUser, limiters.passwordChange, async (req, res) => {
    const body = parse(ChangePassword, req.body, 'body');
    const keep = currentSessionToken(req);
    const [currentHash, others] = await withTenant(actorOf(req), async (em) => [await accounts(em).myPasswordHash(), await accounts(em).myOtherSessionTokens(keep)] as const);
    if (!(await verifyPassword(currentHash, body.currentPassword))) {
      throw HttpError.validation([{ path: 'body.currentPassword', message: 'Does not match the current password.' }]);
    }
    const newHash = await hashPassword(body.newPassword);
    await sessions.endSessions(others);
    const ended = await withTenant(actorOf(req), (em) => accounts(em).setMyPassword(newHash, keep));
    // A login that raced this change (old password, after the first read) ends too.
    await sessions.endSessions(ended.filter((token) => !others.includes(token)));
    res.status(204).end();
  });

  router.get('/auth/sessions', requireUser, async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => accounts(em).pageOfMySessions(query.limit, query.cursor));
    // Rows outlive sessions that ended by idling: show only what the store still holds.
    const live = await sessions.liveSessionTokens(page.data.map((session) => session.sessionToken));
    const current = currentSessionToken(req);
    res.json({
      data: page.data.filter((session) => live.has(session.sessionToken)).map((session) => sessionJson(session, current)),
      nextCursor: page.nextCursor,
    });
  });

  router.delete('/auth/sessions/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const token = await withTenant(actorOf(req), (em) => accounts(em).mySessionToken(id));
    // Redis first: the session ends now; the registry row follows.
    if (token === currentSessionToken(req)) {
      await destroySession(req);
      res.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
    } else {
      await sessions.endSessions([token]);
    }
    await withTenant(actorOf(req), (em) => accounts(em).deactivateSessions([token]));
    res.status(204).end();
  });

  router.post('/auth/tokens', requireUser, async (req, res) => {
    const body = parse(CreateApiToken, req.body, 'body');
    const { token, hash, prefix } = newApiToken();
    const created = await withTenant(actorOf(req), (em) => accounts(em).createApiToken(body, hash, prefix));
    res.status(201).json(newApiTokenJson(created, token));
  });

  router.get('/auth/tokens', requireUser, async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => accounts(em).pageOfMyApiTokens(query.limit, query.cursor));
    res.json({ data: page.data.map(apiTokenJson), nextCursor: page.nextCursor });
  });

  router.delete('/auth/tokens/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    await withTenant(actorOf(req), (em) => accounts(em).deleteMyApiToken(id));
    res.status(204).end();
  });

  return router;
}
