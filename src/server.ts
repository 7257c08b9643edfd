import 'reflect-metadata';
import type { Server, ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { buildApp } from './app';
import { answerClientError } from './http/client-errors';
import type { RegistryStore } from './auth/session';
import { readConfig, type Config } from './config';
import { appDataSourceOptions } from './db/options';
import { tenantTransactions } from './db/tenant';
import { createLogger, type Logger } from './logger';
import { createRedis, type RedisClient } from './redis';

export interface RunningServer {
  server: Server;
  logger: Logger;
  stop(): Promise<void>;
}

export interface StartOptions {
  /**
   * Sessions somewhere other than Redis (the demo's PostgreSQL store when no Redis
   * answers). With it, the server does not connect to Redis at all.
   */
  sessionStore?: RegistryStore;
}

// How long start-up waits for Redis before serving anyway (/ready says 503 until it is back).
const REDIS_START_WAIT_MS = 5_000;

/** Starts the API with its own pool (application role) and Redis client. */
export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = createLogger(config.logLevel);
  const dataSource = new DataSource(appDataSourceOptions(config.databaseUrl, config.dbPoolSize, config.dbQueryTimeoutMs, config.databaseReplicaUrls));
  await dataSource.initialize();
  const redis = createRedis(config.redisUrl, logger);
  if (!options.sessionStore) await connectRedis(redis, logger);

  const app = buildApp({
    config, logger, dataSource, redis, withTenant: tenantTransactions(dataSource), sessionStore: options.sessionStore,
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(config.port, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  server.keepAliveTimeout = 65_000;
  server.on('clientError', answerClientError);
  logger.info({ port: config.port }, 'listening');

  let stopping: Promise<void> | undefined;
  // A response sent while stopping closes its keep-alive connection behind it.
  server.on('request', (_req, res: ServerResponse) => {
    if (stopping) res.setHeader('Connection', 'close');
  });
  const stop = () => {
    // Stop accepting, let in-flight requests finish (within the deadline), then close the
    // pool and Redis.
    stopping ??= (async () => {
      logger.info('shutting down: no new connections, finishing requests in flight');
      const deadline = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline reached: closing open connections');
        server.closeAllConnections();
      }, config.shutdownTimeoutMs);
      // A keep-alive connection whose request was in flight turns idle only later: sweep again.
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      clearInterval(sweep);
      clearTimeout(deadline);
      await dataSource.destroy().catch(() => undefined);
      if (redis.isOpen) await redis.close().catch(() => redis.destroy());
      logger.info('stopped');
    })();
    return stopping;
  };
  return { server, logger, stop };
}

/**
 * Waits a bounded time for Redis. If it does not answer, the server still starts: the
 * client keeps reconnecting, /ready answers 503 and session routes 503 until it is back.
 */
async function connectRedis(redis: RedisClient, logger: Logger): Promise<void> {
  const connecting = redis.connect().then(() => true);
  connecting.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const connected = await Promise.race([
    connecting,
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), REDIS_START_WAIT_MS);
    }),
  ]).catch(() => false);
  clearTimeout(timer);
  if (!connected) logger.warn('Redis is not reachable yet; serving anyway and reconnecting in the background');
}

/**
 * Signals end the process through stop(): exit 0 once everything is closed, 1 if
 * stopping fails or overruns the deadline by more than a grace period.
 */
export function stopOnSignals(stop: () => Promise<void>, config: Config, afterStop: () => Promise<void> = async () => undefined): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => process.exit(1), config.shutdownTimeoutMs + 5_000).unref();
      stop().then(afterStop).then(() => process.exit(0), () => process.exit(1));
    });
  }
}

if (require.main === module) {
  let config: Config;
  try {
    config = readConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
  startServer(config).then(
    ({ stop }) => stopOnSignals(stop, config),
    (error) => {
      console.error('Could not start:', error);
      process.exit(1);
    },
  );
}
