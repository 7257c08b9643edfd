import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import client from 'prom-client';
import swaggerUi from 'swagger-ui-express';
import type { Config } from '../config';
import type { AppDeps } from '../deps';
import { HttpError, problem } from '../errors';
import { openApiDocument } from '../http/openapi';
import { queryOnce } from '../db/tenant';
import { metricsRegistry, requestDuration } from './metrics';

declare module 'http' {
  interface IncomingMessage {
    /** From a sane X-Request-Id, or generated: in the response header and every log line of the request. */
    id: string;
  }
}

const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * Request id from X-Request-Id (when sane) or a new one; one log line per request, when it
 * finishes: debug for success, info for 4xx, error for 5xx. A line below the log level costs
 * nothing to build (pino-http built and serialised every one: 4-5% of the app's CPU per request).
 */
export function requestLogging({ logger }: AppDeps): RequestHandler {
  return (req, res, next) => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    const done = () => {
      res.off('finish', done).off('close', done);
      const status = res.writableFinished ? res.statusCode : 499; // 499: the client went away first
      // A dependency that is down (503) is logged, with its cause, by the error handler's limiter.
      const level = status === 503 ? 'warn' : status >= 500 ? 'error' : status >= 400 ? 'info' : 'debug';
      if (!logger.isLevelEnabled(level)) return;
      logger[level]({
        req: { id, method: req.method, url: req.originalUrl.split('?')[0] },
        res: { statusCode: status },
        responseTime: Math.round(performance.now() - started),
      }, status === 499 ? 'request aborted' : 'request completed');
    };
    res.on('finish', done).on('close', done);
    next();
  };
}

/** Duration histogram labelled by the matched route pattern, never the raw URL. */
export function metricsMiddleware(): RequestHandler {
  return (req, res, next) => {
    const end = requestDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
      end({ method: req.method, route, status: String(res.statusCode) });
    });
    next();
  };
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<T>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * /metrics and /ready are for the operator's monitoring, not for the public (decision 0015):
 * with METRICS_TOKEN set they need `Authorization: Bearer <METRICS_TOKEN>`; without it they
 * are open outside production and absent (404) in production.
 */
export function monitoringOnly(config: Config): RequestHandler {
  // Compared as digests: equal lengths for timingSafeEqual, and no timing hint of the token.
  const expected = config.metricsToken === null ? null : digest(config.metricsToken);
  return (req, _res, next) => {
    if (!expected) return next(config.env === 'production' ? HttpError.notFound() : undefined);
    const given = /^Bearer +(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (given !== undefined && timingSafeEqual(digest(given), expected)) return next();
    next(HttpError.unauthorized('This endpoint is for monitoring: send Authorization: Bearer with the METRICS_TOKEN.'));
  };
}

export function opsRouter(deps: AppDeps): Router {
  const { dataSource, redis } = deps;
  // Sessions kept outside Redis (the demo's fallback) make Redis optional for readiness.
  const redisRequired = !deps.sessionStore;
  const monitoring = monitoringOnly(deps.config);
  const router = Router();

  // Gauges read this app's pool and Redis; a later app in the same process (tests) replaces them.
  metricsRegistry.removeSingleMetric('db_pool_connections');
  metricsRegistry.removeSingleMetric('redis_up');
  new client.Gauge({
    name: 'db_pool_connections',
    help: 'Database pool connections by state',
    labelNames: ['state'],
    registers: [metricsRegistry],
    collect() {
      const pool = (dataSource.driver as unknown as { master?: { totalCount: number; idleCount: number; waitingCount: number } }).master;
      if (!pool) return;
      this.set({ state: 'in_use' }, pool.totalCount - pool.idleCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new client.Gauge({
    name: 'redis_up',
    help: '1 when the Redis client is connected and ready',
    registers: [metricsRegistry],
    collect() {
      this.set(redis.isReady ? 1 : 0);
    },
  });

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/ready', monitoring, async (req, res) => {
    const [database, cache] = await Promise.all([
      withTimeout(queryOnce(dataSource, 'SELECT 1'), 2_000).then(() => 'ok', () => 'unavailable'),
      redisRequired ? withTimeout(redis.ping(), 1_000).then(() => 'ok', () => 'unavailable') : 'not used',
    ]);
    const ready = database === 'ok' && cache !== 'unavailable';
    const body = { status: ready ? 'ready' : 'unavailable', checks: { database, redis: cache } };
    if (ready) {
      res.json(body);
    } else {
      const unavailable = HttpError.unavailable(`Not ready: database ${database}, redis ${cache}.`);
      res.set(unavailable.headers).status(503).type('application/problem+json')
        .json({ ...problem(unavailable, req.originalUrl), checks: body.checks });
    }
  });

  router.get('/metrics', monitoring, async (_req, res) => {
    res.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  // Swagger UI needs inline scripts and styles, so this page relaxes helmet's CSP for itself.
  const relaxedCsp: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:");
    next();
  };
  // The page answers at /docs itself (no redirect to /docs/): <base> resolves its relative asset URLs under /docs/.
  const docsOptions = { swaggerOptions: { url: '/openapi.json' } };
  const docsPage = swaggerUi.generateHTML(undefined, docsOptions).replace('<head>', '<head>\n  <base href="/docs/">');
  router.get('/docs', relaxedCsp, (_req, res) => {
    res.type('html').send(docsPage);
  });
  // swagger-ui-express answers any .../package.json with a plain-text 404: leave it to ours (problem+json).
  const notItsPackageJson: RequestHandler = (req, _res, next) => next(req.path.endsWith('/package.json') ? 'router' : undefined);
  router.use('/docs', notItsPackageJson, relaxedCsp, swaggerUi.serveFiles(undefined, docsOptions));

  return router;
}
