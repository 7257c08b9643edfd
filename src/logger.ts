import pino, { type DestinationStream } from 'pino';

/** Structured logs; secrets are redacted wherever they might appear. */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]',
        'res.headers["set-cookie"]', '*.password', '*.currentPassword', '*.newPassword', '*.token',
      ],
      censor: '[redacted]',
    },
  }, destination);
}
export type Logger = ReturnType<typeof createLogger>;

export interface ErrorLogLimits {
  /** Lines of one kind written in full per window; the rest are only counted. */
  burst: number;
  windowMs: number;
}

export const ERROR_LOG_LIMITS: ErrorLogLimits = { burst: 3, windowMs: 10_000 };

/**
 * Error lines, rate-limited per kind. While a dependency is down every request fails the same
 * way, and a stack per request buried everything else (pgBouncer down 4 s: ~14,000 lines). The
 * first `burst` of a kind in a window are written; the others are counted, and the count is
 * written (`suppressed`) when the window closes, so nothing goes unreported.
 */
export function errorLogLimiter(logger: Logger, limits: ErrorLogLimits = ERROR_LOG_LIMITS) {
  const windows = new Map<string, { logged: number; suppressed: number; message: string }>();
  return function logError(kind: string, fields: Record<string, unknown>, message: string): void {
    let window = windows.get(kind);
    if (!window) {
      window = { logged: 0, suppressed: 0, message };
      windows.set(kind, window);
      const closing = window;
      // One timer per kind and window, so the map only ever holds kinds seen in the last window.
      setTimeout(() => {
        windows.delete(kind);
        if (closing.suppressed > 0) {
          logger.error({ kind, suppressed: closing.suppressed, windowMs: limits.windowMs },
            `${closing.message}: ${closing.suppressed} more of this kind not logged`);
        }
      }, limits.windowMs).unref();
    }
    if (window.logged < limits.burst) {
      window.logged += 1;
      logger.error({ ...fields, kind }, message);
    } else {
      window.suppressed += 1;
    }
  };
}
