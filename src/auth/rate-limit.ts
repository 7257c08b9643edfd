import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { rateLimit, ipKeyGenerator, type Options, type IncrementResponse, type RateLimitInfo } from 'express-rate-limit';
import { RedisStore } from 'rate-limit-redis';
import type { Config } from '../config';
import { HttpError } from '../errors';
import type { Logger } from '../logger';
import type { RedisClient } from '../redis';

/**
 * Brute-force limits on POST /auth/login, counted in Redis so every instance shares them:
 * per client IP (behind `trust proxy`) and per account (the lower-cased email, hashed), both
 * over the same window; and on POST /auth/password per user, so a stolen session or token
 * cannot guess the current password either. Only failed attempts count. When Redis is down
 * the limiter throws, and the request answers 503: it fails closed.
 */
const UNLOADED_SCRIPT = '0'.repeat(40);

/**
 * rate-limit-redis loads its Lua scripts once at start-up and keeps a failed load forever.
 * This store loads them on first use (EVALSHA of an unknown sha answers NOSCRIPT, which
 * makes the library load them) and forgets them after any error, so it recovers when
 * Redis comes back, or was not there when the app started.
 */
class RecoveringRedisStore extends RedisStore {
  override async init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    this.forgetScripts();
  }

  override async increment(key: string): Promise<IncrementResponse> {
    try {
      return await super.increment(key);
    } catch (error) {
      this.forgetScripts();
      throw error;
    }
  }

  private forgetScripts(): void {
    this.incrementScriptSha = Promise.resolve(UNLOADED_SCRIPT);
    this.getScriptSha = Promise.resolve(UNLOADED_SCRIPT);
  }
}

export interface LoginLimiters {
  perIp: RequestHandler;
  perAccount: RequestHandler;
  /** POST /auth/password, after requireUser: the account's limit, keyed by the user id. */
  passwordChange: RequestHandler;
}

/** Where the login route leaves the validated email for the per-account key. */
export function loginEmailOf(res: Response): string {
  return String(res.locals.loginEmail ?? '');
}

function retryAfterSeconds(req: Request): number {
  const reset = (req as Request & { rateLimit?: RateLimitInfo }).rateLimit?.resetTime;
  return reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60;
}

/** With no Redis (the single-process demo), counts stay in this process's memory. */
export function loginLimiters(config: Config, redis: RedisClient | undefined, logger: Logger): LoginLimiters {
  const limiter = (prefix: string, limit: number, keyGenerator: Options['keyGenerator']) =>
    rateLimit({
      windowMs: config.loginWindowMs,
      limit,
      keyGenerator,
      store: redis ? new RecoveringRedisStore({ prefix, sendCommand: (...args: string[]) => redis.sendCommand(args) }) : undefined,
      skipSuccessfulRequests: true,
      // A 429 checked no password: it is not another failed attempt (else one locked account,
      // retried, would soon lock every account behind the same IP).
      requestWasSuccessful: (_req, res) => res.statusCode < 400 || res.statusCode === 429,
      standardHeaders: false,
      legacyHeaders: false,
      passOnStoreError: false,
      handler: (req, _res, next) => next(HttpError.tooManyRequests(retryAfterSeconds(req))),
      logger: {
        error: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter error'),
        warn: (error, message) => logger.warn({ err: error }, message ?? 'rate limiter warning'),
      },
    });
  return {
    perIp: limiter('rl:login:ip:', config.loginAttemptsPerIp, (req) => ipKeyGenerator(req.ip ?? '')),
    perAccount: limiter('rl:login:account:', config.loginAttemptsPerAccount,
      (_req, res) => createHash('sha256').update(loginEmailOf(res)).digest('hex')),
    passwordChange: limiter('rl:password:user:', config.loginAttemptsPerAccount, (req) => req.user!.id),
  };
}
