import { createHash } from 'node:crypto';
import type { CookieOptions, Request, RequestHandler } from 'express';
import session, { type SessionData, type Store } from 'express-session';
import { RedisStore } from 'connect-redis';
import type { Config } from '../config';
import { HttpError } from '../errors';
import type { RedisClient } from '../redis';

/**
 * Cookie sessions in Redis. A session holds only the user id (passport.user) and the login
 * time; the session id itself is never stored anywhere: Redis keys and the registry
 * (user_sessions.session_token) both use its SHA-256, so a registry row names its Redis key.
 */
declare module 'express-session' {
  interface SessionData {
    /** When the user logged in (ms since the epoch): the absolute lifetime counts from here. */
    loginAt: number;
    passport?: { user?: string };
  }
}

export const SESSION_COOKIE = 'sid';
export const SESSION_PREFIX = 'sess:';

/** The SHA-256 of a session id: the Redis key suffix and user_sessions.session_token. */
export function sessionKey(sid: string): string {
  return createHash('sha256').update(sid).digest('hex');
}

type Callback<T> = (error: unknown, data?: T) => void;

/** A session store that can also end sessions by their registry tokens (sha256 of the id). */
export interface RegistryStore extends Store {
  endSessions(tokens: string[]): Promise<void>;
  liveSessionTokens(tokens: string[]): Promise<Set<string>>;
}

/**
 * connect-redis, keyed by the hash of the session id. Reading a session also slides its idle
 * expiry (GETEX), so an authenticated request costs exactly one Redis round trip and never a
 * write; a key that was deleted (logout, revoked) is never written back by a late touch.
 */
export class HashedRedisStore extends RedisStore implements RegistryStore {
  constructor(private readonly redis: RedisClient, private readonly idleSeconds: number, private readonly absoluteMs: number) {
    super({ client: redis, prefix: SESSION_PREFIX, disableTouch: true, ttl: idleSeconds });
  }

  private keyOf(sid: string): string {
    return this.prefix + sessionKey(sid);
  }

  // Never outlive the absolute lifetime (requests also check loginAt, as GETEX slides by idle).
  private ttlOf(sess: SessionData): number {
    if (typeof sess.loginAt !== 'number') return this.idleSeconds;
    return Math.min(this.idleSeconds, Math.ceil((sess.loginAt + this.absoluteMs - Date.now()) / 1000));
  }

  async endSessions(tokens: string[]): Promise<void> {
    if (tokens.length > 0) await this.redis.del(tokens.map((token) => this.prefix + token));
  }

  // One pipelined round trip (the client batches commands issued in the same tick).
  async liveSessionTokens(tokens: string[]): Promise<Set<string>> {
    const counts = await Promise.all(tokens.map((token) => this.redis.exists(this.prefix + token)));
    return new Set(tokens.filter((_token, i) => counts[i] === 1));
  }

  override async get(sid: string, cb?: Callback<SessionData | null>): Promise<unknown> {
    return settle(cb, async () => {
      const data = await this.redis.getEx(this.keyOf(sid), { type: 'EX', value: this.idleSeconds });
      return data ? JSON.parse(data) : null;
    });
  }

  override async set(sid: string, sess: SessionData, cb?: Callback<null>): Promise<unknown> {
    return settle(cb, async () => {
      const ttl = this.ttlOf(sess);
      if (ttl > 0) await this.redis.set(this.keyOf(sid), JSON.stringify(sess), { expiration: { type: 'EX', value: ttl } });
      else await this.redis.del(this.keyOf(sid));
      return null;
    });
  }

  override async destroy(sid: string, cb?: Callback<null>): Promise<unknown> {
    return settle(cb, async () => {
      await this.redis.del(this.keyOf(sid));
      return null;
    });
  }
}

// express-session's callback style over a promise, as connect-redis does it.
async function settle<T>(cb: Callback<T> | undefined, work: () => Promise<T>): Promise<T | undefined> {
  let result: T;
  try {
    result = await work();
  } catch (error) {
    if (!cb) throw error;
    cb(error);
    return undefined;
  }
  if (!cb) return result;
  cb(null, result);
  return undefined;
}

export function sessionCookieOptions(config: Config): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.env === 'production', path: '/' };
}

/**
 * In production the session cookie is Secure: a browser drops it from an answer over plain
 * HTTP, so a login there would write a session nobody can use. Refused before anything is
 * written. Behind a proxy that terminates TLS, TRUST_PROXY makes its X-Forwarded-Proto count.
 */
export function requireSecureLogin(config: Config): RequestHandler {
  return (req, _res, next) => {
    if (!sessionCookieOptions(config).secure || req.secure) return next();
    next(HttpError.forbidden('Log in over HTTPS: the session cookie is Secure, so no browser keeps it from a plain HTTP answer. ' +
      'Behind a proxy that terminates TLS, set TRUST_PROXY so the app believes its X-Forwarded-Proto header.'));
  };
}

export function redisSessionStore(config: Config, redis: RedisClient): HashedRedisStore {
  return new HashedRedisStore(redis, Math.ceil(config.sessionIdleMs / 1000), config.sessionAbsoluteMs);
}

/** express-session: HttpOnly, SameSite=Lax, Secure in production, rolling idle expiry. */
export function sessionMiddleware(config: Config, store: RegistryStore): RequestHandler {
  return session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    cookie: { ...sessionCookieOptions(config), maxAge: config.sessionIdleMs },
  });
}

/** The registry token of the session this request came with, or null (bearer, anonymous). */
export function currentSessionToken(req: Request): string | null {
  return req.authMethod === 'session' && req.session ? sessionKey(req.sessionID) : null;
}

export function destroySession(req: Request): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!req.session) return resolve();
    req.session.destroy((error: unknown) => (error ? reject(error) : resolve()));
  });
}
