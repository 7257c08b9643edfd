import 'reflect-metadata';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createClient } from 'redis';
import { readConfig, type Config } from '../src/config';
import { bootstrapDatabase } from '../src/db/bootstrap';
import { runMigrations } from '../src/db/migrate';
import { startServer, stopOnSignals, type StartOptions } from '../src/server';
import { seedDemo } from '../seeders/demo';
import { DEMO_PASSWORD, DEMO_TENANTS } from '../seeders/demo-tenants';
import { startEmbeddedPostgres } from './demo/embedded-postgres';
import { PgSessionStore, SESSION_TABLE, prepareSessionTable } from './demo/pg-session-store';

/**
 * `npm run demo`: everything a machine with only Node.js needs. An embedded PostgreSQL with
 * its data under .data/ (reused by the next run), the roles and database, the migrations
 * (owner role), the demo tenants (idempotent), then the API as the application role.
 * Sessions go to Redis when REDIS_URL answers, else to PostgreSQL. No pgBouncer in demo
 * mode: the app connects to the embedded server directly.
 */
const DEMO = {
  dataDir: resolve(process.env.DEMO_DATA_DIR ?? '.data'),
  pgPort: Number(process.env.DEMO_PG_PORT ?? 54329),
  database: 'pm_demo',
  owner: { role: 'pm_owner', password: 'pm_owner' },
  app: { role: 'pm_app', password: 'pm_app' },
};

const say = (line: string) => console.log(line);

async function redisAnswers(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { connectTimeout: 1_500, reconnectStrategy: false } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return true;
  } catch {
    return false;
  } finally {
    if (client.isOpen) await client.close().catch(() => undefined);
  }
}

function databaseUrl(role: { role: string; password: string }): string {
  return `postgres://${role.role}:${role.password}@127.0.0.1:${DEMO.pgPort}/${DEMO.database}`;
}

function demoConfig(): Config {
  return readConfig({
    ...process.env,
    // Demo mode supplies safe local defaults for everything; PORT, LOG_LEVEL and REDIS_URL may be set.
    NODE_ENV: 'development',
    DATABASE_URL: databaseUrl(DEMO.app),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    SESSION_SECRET: process.env.SESSION_SECRET ?? 'demo-only-session-secret-not-for-production-0123456789',
    UPLOAD_DIR: process.env.UPLOAD_DIR ?? resolve(DEMO.dataDir, 'uploads'),
    DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
  });
}

function banner(config: Config, sessions: string): string {
  const base = `http://localhost:${config.port}`;
  const logins = DEMO_TENANTS.flatMap((tenant, i) =>
    (i === 0 ? tenant.people : tenant.people.slice(0, 1)).map((p) => `    ${p.email.padEnd(22)} ${p.about}`),
  );
  const rule = '-'.repeat(78);
  return [
    rule,
    '  The project-management API demo is running',
    `    API        ${base}`,
    `    Docs       ${base}/docs   (OpenAPI document: ${base}/openapi.json)`,
    `    Operations ${base}/health  ${base}/ready  ${base}/metrics`,
    '',
    `  Demo logins (every demo user's password: ${DEMO_PASSWORD})`,
    ...logins,
    '    ...and an admin, two members and a viewer in Globex and Initech too (see README).',
    '',
    '  Try it (login needs no CSRF token; its answer carries the csrfToken that cookie writes send):',
    `    curl -s -c jar -b jar -H 'content-type: application/json' \\`,
    `         -d '{"email":"alice@acme.test","password":"${DEMO_PASSWORD}"}' ${base}/auth/login   # -> {..., "csrfToken":"..."}`,
    `    curl -s -b jar ${base}/projects`,
    `    curl -s -b jar -H 'content-type: application/json' -H 'x-csrf-token: <csrfToken>' \\`,
    `         -d '{"name":"My workspace","slug":"my-workspace"}' ${base}/workspaces`,
    '',
    `  Database   embedded PostgreSQL on 127.0.0.1:${DEMO.pgPort}, data in ${DEMO.dataDir}`,
    '             (the app connects directly as the application role: no pgBouncer in demo mode)',
    `  Sessions   ${sessions}`,
    `  Files      ${config.uploadDir}`,
    '  Stop with Ctrl+C. The next `npm run demo` reuses the data; delete .data/ to start over.',
    rule,
  ].join('\n');
}

/** Fails before any cluster is built or seeded when the API's port is taken. */
async function requireFreePort(port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new Error(`port ${port} is already in use: stop what listens there, or set PORT`) : error));
    probe.listen(port, () => probe.close(() => resolvePort()));
  });
}

async function main(): Promise<void> {
  const started = Date.now();
  const config = demoConfig();
  await requireFreePort(config.port);
  const cluster = await startEmbeddedPostgres({ dataDir: resolve(DEMO.dataDir, 'postgres'), port: DEMO.pgPort, say });
  try {
    say(`PostgreSQL is up on 127.0.0.1:${DEMO.pgPort}.`);
    await bootstrapDatabase({
      adminUrl: cluster.adminUrl, database: DEMO.database,
      ownerRole: DEMO.owner.role, ownerPassword: DEMO.owner.password,
      appRole: DEMO.app.role, appPassword: DEMO.app.password,
    });
    const applied = await runMigrations(databaseUrl(DEMO.owner));
    say(applied.length > 0 ? `Migrations applied: ${applied.join(', ')}.` : 'Migrations: already up to date.');
    const seeded = await seedDemo(databaseUrl(DEMO.owner), config.uploadDir);
    const fresh = seeded.filter((result) => result.created).map((result) => result.tenant);
    say(fresh.length > 0 ? `Seeded the demo tenants: ${fresh.join(', ')}.` : 'Demo tenants: already seeded.');

    const options: StartOptions = {};
    let sessions = `Redis at ${config.redisUrl}`;
    // Said once, here; the banner names the store without repeating why.
    if (!(await redisAnswers(config.redisUrl))) {
      say(`WARNING: Redis does not answer at ${config.redisUrl}; sessions are kept in PostgreSQL instead ` +
        '(fine for this single-process demo; set REDIS_URL to use Redis).');
      await prepareSessionTable(databaseUrl(DEMO.owner), DEMO.app.role);
      options.sessionStore = new PgSessionStore(config.databaseUrl, config.sessionIdleMs);
      sessions = `PostgreSQL (table ${SESSION_TABLE})`;
    }

    const { stop } = await startServer(config, options);
    say(banner(config, sessions));
    say(`Ready in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    stopOnSignals(stop, config, async () => {
      if (options.sessionStore instanceof PgSessionStore) await options.sessionStore.close();
      await cluster.stop();
    });
  } catch (error) {
    await cluster.stop().catch(() => undefined);
    throw error;
  }
}

main().catch((error: Error) => {
  console.error(`The demo could not start: ${error.message}`);
  process.exit(1);
});
