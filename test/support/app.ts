import 'reflect-metadata';
import { once } from 'node:events';
import { request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import supertest from 'supertest';
import { DataSource } from 'typeorm';
import { buildApp } from '../../src/app';
import type { AppDeps } from '../../src/deps';
import { readConfig, type Config } from '../../src/config';
import { appDataSourceOptions } from '../../src/db/options';
import { tenantTransactions } from '../../src/db/tenant';
import { createLogger } from '../../src/logger';
import { createRedis } from '../../src/redis';
import { testEnv } from './env';

/**
 * The real app, in-process, on the run's pgBouncer and Redis. testApp() is shared by the
 * HTTP tests; startTestApp() builds a separate instance (another pool, another Redis client)
 * for tests that need their own settings or to stop a dependency.
 */
export interface TestApp {
  app: Express;
  deps: AppDeps;
  request: ReturnType<typeof supertest.agent>;
  close(): Promise<void>;
}

const open = new Set<TestApp>();
let shared: Promise<TestApp> | undefined;

export function testConfig(overrides: Partial<Config> = {}): Config {
  const env = testEnv();
  const base = readConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: env.appUrl,
    MIGRATION_DATABASE_URL: env.ownerUrl,
    REDIS_URL: env.redisUrl,
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123',
    UPLOAD_DIR: `/tmp/pm-test-uploads-${env.database}`,
    DB_POOL_SIZE: '10',
  });
  return { ...base, ...overrides };
}

export async function startTestApp(overrides: Partial<Config> = {}): Promise<TestApp> {
  const config = testConfig(overrides);
  const logger = createLogger(config.logLevel);
  const dataSource = new DataSource(appDataSourceOptions(config.databaseUrl, config.dbPoolSize, config.dbQueryTimeoutMs, config.databaseReplicaUrls));
  await dataSource.initialize();
  const redis = createRedis(config.redisUrl, logger);
  await redis.connect();
  const deps: AppDeps = { config, logger, dataSource, redis, withTenant: tenantTransactions(dataSource) };
  const app = buildApp(deps);
  const instance: TestApp = {
    app,
    deps,
    request: supertest.agent(app),
    async close() {
      open.delete(instance);
      await dataSource.destroy().catch(() => undefined);
      if (redis.isOpen) await redis.close().catch(() => undefined);
    },
  };
  open.add(instance);
  return instance;
}

/** The app most tests share. Use `api()` for a fresh cookie jar per call site. */
export function testApp(): Promise<TestApp> {
  shared ??= startTestApp();
  return shared;
}

/** A supertest client with its own cookie jar on the shared app. */
export async function api(): Promise<ReturnType<typeof supertest.agent>> {
  return supertest.agent((await testApp()).app);
}

export async function closeTestApps(): Promise<void> {
  for (const instance of [...open]) await instance.close();
  shared = undefined;
}

/**
 * A POST that declares `declaredBytes` of body and sends one byte, never the rest: what the
 * app answers before the body arrives (a test times out if it waits for the body instead).
 */
export async function postDeclaringLength(
  app: Express, path: string, headers: Record<string, string>, declaredBytes: number,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { ...headers, 'content-length': String(declaredBytes) } });
      req.on('response', (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (chunk: string) => { body += chunk; });
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject); // after the answer, the app closing the connection is expected and settles nothing
      req.write('{');
    });
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
