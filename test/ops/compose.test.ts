import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { readConfig } from '../../src/config';

/**
 * There is no Docker engine where the tests run, so docker-compose.yml and the Dockerfile
 * are checked by reading them: the services and their wiring against what the app's
 * configuration requires.
 */
const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');
// How the server runs everywhere it is deployed: what `npm start` runs and the benchmark measures.
const SERVE = 'node --max-semi-space-size=32 dist/src/server.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;

// Compose's interpolation for the forms the file uses: ${NAME:-default}, with nothing set.
function interpolate(value: string): string {
  return value.replace(/\$\{([A-Z_]+)(?::-([^}]*))?\}/g, (_match, _name: string, fallback?: string) => fallback ?? '');
}
const env = (service: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[service].environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 16, pgBouncer, Redis 7 and the app built from the Dockerfile', () => {
    expect(Object.keys(services)).to.have.members(['postgres', 'pgbouncer', 'redis', 'app']);
    expect(services.postgres.image).to.match(/^postgres:16(\b|$)/);
    expect(services.pgbouncer.image).to.match(/pgbouncer/);
    expect(services.redis.image).to.match(/^redis:7(\b|$)/);
    expect(services.app.build).to.equal('.');
  });

  it('has a health check on every service, and starts each one after what it needs is healthy', () => {
    for (const [name, service] of Object.entries(services)) {
      expect(service.healthcheck?.test, name).to.be.an('array').with.length.above(0);
    }
    expect(services.pgbouncer.depends_on).to.deep.equal({ postgres: { condition: 'service_healthy' } });
    expect(services.app.depends_on).to.deep.equal({
      postgres: { condition: 'service_healthy' },
      pgbouncer: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });

  it('gives the app every setting its configuration requires in production', () => {
    const appEnv = env('app');
    expect(appEnv.NODE_ENV).to.equal('production');

    const config = readConfig(appEnv);

    for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'PORT', 'NODE_ENV',
      'LOG_LEVEL', 'UPLOAD_DIR', 'MAX_UPLOAD_BYTES']) {
      expect(appEnv, name).to.have.property(name);
    }
    expect(services.app.ports).to.deep.equal([`${config.port}:${config.port}`]);
    expect(services.app.volumes).to.include(`uploads:${config.uploadDir}`);
  });

  it('connects the app as the application role through pgBouncer, in transaction mode', () => {
    const url = new URL(env('app').DATABASE_URL);
    const bouncer = env('pgbouncer');
    expect(url.hostname).to.equal('pgbouncer');
    expect(url.port).to.equal(bouncer.LISTEN_PORT ?? '5432');
    expect(bouncer.POOL_MODE).to.equal('transaction');
    expect([url.username, url.password, url.pathname.slice(1)]).to.deep.equal([bouncer.DB_USER, bouncer.DB_PASSWORD, bouncer.DB_NAME]);
    expect([bouncer.DB_HOST, bouncer.DB_PORT]).to.deep.equal(['postgres', '5432']);
    expect(url.password).to.equal(env('postgres').PM_APP_PASSWORD);
  });

  it('runs the migrations as the owner role straight to PostgreSQL, never through pgBouncer', () => {
    const url = new URL(env('app').MIGRATION_DATABASE_URL);
    expect(url.hostname).to.equal('postgres');
    expect(url.username).to.equal('pm_owner');
    expect(url.password).to.equal(env('postgres').PM_OWNER_PASSWORD);
    expect(url.pathname.slice(1)).to.equal(env('postgres').PM_DATABASE);
  });

  it('runs `typeorm migration:run` on the compiled ormconfig before it starts the server, which then gets the signals', () => {
    const command = [services.app.command].flat().join(' ');
    const migrate = command.indexOf('node_modules/typeorm/cli.js migration:run -d dist/ormconfig.js');
    const serve = command.indexOf(`&& exec ${SERVE}`);
    expect(migrate, command).to.be.greaterThan(-1);
    expect(serve, command).to.be.greaterThan(migrate);
    // Those paths are what the build emits and what `npm start` runs.
    const build = JSON.parse(read('tsconfig.build.json'));
    const base = JSON.parse(read('tsconfig.json'));
    expect(build.include).to.include.members(['src', 'migrations', 'ormconfig.ts']);
    expect(base.compilerOptions).to.include({ outDir: 'dist', rootDir: '.' });
    // exec: npm then signals the server itself, not a shell that would die and orphan it.
    expect(JSON.parse(read('package.json')).scripts.start).to.equal(`exec ${SERVE}`);
  });

  it('lets in-flight requests finish on stop: the grace period outlasts the app\'s shutdown deadline', () => {
    const grace = Number(/^(\d+)s$/.exec(services.app.stop_grace_period ?? '')?.[1]) * 1000;
    expect(grace).to.be.greaterThan(Number(env('app').SHUTDOWN_TIMEOUT_MS));
  });

  it('creates the roles and database the URLs name when PostgreSQL first starts', () => {
    const mount = services.postgres.volumes?.find((v) => v.includes('/docker-entrypoint-initdb.d/'));
    expect(mount).to.match(/^\.\/docker\/postgres\/init-roles\.sh:/);
    const script = read('docker/postgres/init-roles.sh');
    expect(script).to.match(/CREATE ROLE application_role NOLOGIN NOSUPERUSER NOBYPASSRLS/);
    expect(script).to.match(/CREATE ROLE pm_owner LOGIN NOSUPERUSER BYPASSRLS/);
    expect(script).to.match(/CREATE ROLE pm_app LOGIN NOSUPERUSER NOBYPASSRLS/);
    expect(script).to.match(/GRANT application_role TO pm_app;/);
    expect(script).to.match(/CREATE DATABASE :"database" OWNER pm_owner;/);
    expect(script).to.match(/-v database="\$PM_DATABASE"/);
    expect(new URL(env('app').DATABASE_URL).username).to.equal('pm_app');
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const stages = dockerfile.split(/^FROM /m).slice(1);

  it('builds in one stage and runs from another that copies only the build output', () => {
    expect(stages.length).to.be.at.least(2);
    const runtime = stages[stages.length - 1];
    expect(runtime).to.match(/COPY --from=build \/app\/dist/);
    expect(runtime).not.to.match(/npm (ci|install)/);
  });

  it('serves with the command of `npm start`, the one the benchmark measures (decision 0012)', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(stages[stages.length - 1])?.[1];
    expect(JSON.parse(cmd ?? 'null')).to.deep.equal(SERVE.split(' '));
  });

  it('runs as an unprivileged user', () => {
    const runtime = stages[stages.length - 1];
    const users = [...runtime.matchAll(/^USER (\S+)/gm)].map((m) => m[1]);
    expect(users).to.have.length.greaterThan(0);
    expect(users[users.length - 1]).not.to.match(/^(root|0)$/);
  });

  it('ships pg_dump/pg_restore of the server\'s major version, for db:backup and db:restore', () => {
    const major = /^postgres:(\d+)/.exec(services.postgres.image ?? '')?.[1];
    expect(stages[stages.length - 1]).to.contain(`postgresql${major}-client`);
  });
});
