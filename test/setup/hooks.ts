import 'reflect-metadata';
import { Client } from 'pg';
import { createClient } from 'redis';
import { bootstrapDatabase } from '../../src/db/bootstrap';
import { runMigrations } from '../../src/db/migrate';
import { startBouncer, type Bouncer } from '../support/pgbouncer';
import {
  ROLES, adminUrlFromEnv, redisUrlFromEnv, setTestEnv, testEnv, uniqueDatabaseName, withDatabase,
} from '../support/env';
import { closeTestApps } from '../support/app';
import { closeOwnerPool } from '../support/db';
import { freePort } from '../support/pgbouncer';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../../scripts/demo/embedded-postgres';

/**
 * Root hooks for the whole run: a fresh database migrated by the owner role, a pgBouncer
 * in transaction mode in front of it, and a reachable Redis. A missing service fails the
 * run: nothing here skips.
 */
let bouncer: Bouncer | undefined;
let embedded: EmbeddedCluster | undefined;

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * TEST_DATABASE_URL when given (it must answer); else the local server; else an embedded
 * PostgreSQL under .data/ (the same one the demo uses), so a machine with only Node.js,
 * Redis and pgBouncer can run the suite.
 */
async function resolveAdminUrl(): Promise<string> {
  if (process.env.TEST_DATABASE_URL || (await reachable(adminUrlFromEnv()))) return adminUrlFromEnv();
  console.log('No PostgreSQL at TEST_DATABASE_URL or 127.0.0.1:5432: starting an embedded one for the tests.');
  embedded = await startEmbeddedPostgres({ dataDir: `${process.cwd()}/.data/test-postgres`, port: await freePort(), say: console.log });
  process.env.TEST_DATABASE_URL = embedded.adminUrl;
  return embedded.adminUrl;
}

async function requirePostgres(adminUrl: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(`PostgreSQL is not reachable at ${adminUrl.replace(/:[^:@/]*@/, ':***@')} (${(error as Error).message}). ` +
      'Start it, or set TEST_DATABASE_URL to a superuser URL.', { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function requireRedis(url: string): Promise<void> {
  const client = createClient({ url, socket: { connectTimeout: 3_000, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${url} (${(error as Error).message}). Start it, or set REDIS_URL.`, { cause: error });
  } finally {
    await client.close().catch(() => undefined);
  }
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(120_000);
    const adminUrl = await resolveAdminUrl();
    const redisUrl = redisUrlFromEnv();
    await requirePostgres(adminUrl);
    await requireRedis(redisUrl);

    const database = uniqueDatabaseName();
    await bootstrapDatabase({
      adminUrl, database,
      ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword,
      appRole: ROLES.app, appPassword: ROLES.appPassword,
    });
    const ownerUrl = withDatabase(adminUrl, database, ROLES.owner, ROLES.ownerPassword);
    await runMigrations(ownerUrl);

    const server = new URL(adminUrl);
    bouncer = await startBouncer({
      database,
      serverHost: server.hostname || '127.0.0.1',
      serverPort: Number(server.port || 5432),
      poolSize: 5,
      users: { [ROLES.app]: ROLES.appPassword, [ROLES.owner]: ROLES.ownerPassword },
      adminUser: ROLES.owner,
    });
    const viaBouncer = `postgres://${ROLES.app}:${ROLES.appPassword}@127.0.0.1:${bouncer.port}/${database}`;
    setTestEnv({
      adminUrl,
      database,
      ownerUrl,
      appDirectUrl: withDatabase(adminUrl, database, ROLES.app, ROLES.appPassword),
      appUrl: viaBouncer,
      bouncerPort: bouncer.port,
      bouncerAdminUrl: `postgres://${ROLES.owner}:${ROLES.ownerPassword}@127.0.0.1:${bouncer.port}/pgbouncer`,
      redisUrl,
    });
  },

  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await closeTestApps();
    await closeOwnerPool();
    await bouncer?.stop();
    if (!process.env.KEEP_TEST_DATABASE) {
      const admin = new Client({ connectionString: adminUrlFromEnv() });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS "${testEnv().database}" WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    }
    await embedded?.stop();
  },
};
