import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse } from 'yaml';
import { readConfig, readOwnerConfig } from '../../src/config';

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
  expose?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] | string };
  depends_on?: Record<string, { condition: string }>;
  stop_grace_period?: string;
}

const compose = parse(read('docker-compose.yml')) as { services: Record<string, Service> };
const services = compose.services;

// The .env that docker/generate-env.sh writes, as a user following the README has it.
function generateEnv(): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'pm-compose-env-'));
  try {
    const file = join(dir, '.env');
    execFileSync('sh', [join(root, 'docker', 'generate-env.sh'), file]);
    const mode = statSync(file).mode & 0o777;
    const vars = Object.fromEntries(readFileSync(file, 'utf8').split('\n').filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]));
    return { ...vars, FILE_MODE: mode.toString(8) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const dotEnv = generateEnv();

// Compose's interpolation for the forms the file uses: ${NAME}, ${NAME:-default}, ${NAME:?error}.
function interpolate(value: string, vars: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_]+)(?::([-?])([^}]*))?\}/g, (_match, name: string, form?: string, word?: string) => {
    if (vars[name]) return vars[name];
    if (form === '?') throw new Error(`required variable ${name} is missing a value: ${word}`);
    return word ?? '';
  });
}
const env = (service: string, vars: Record<string, string> = dotEnv): Record<string, string> =>
  Object.fromEntries(Object.entries(services[service].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), vars)]));

describe('docker-compose.yml', () => {
  it('runs PostgreSQL 16, pgBouncer, Redis 7, the app built from the Dockerfile and Caddy in front', () => {
    expect(Object.keys(services)).to.have.members(['postgres', 'pgbouncer', 'redis', 'app', 'caddy']);
    expect(services.caddy.image).to.match(/^caddy:2(\b|$)/);
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
    expect(services.caddy.depends_on).to.deep.equal({ app: { condition: 'service_healthy' } });
  });

  it('has no default secret: compose refuses to start until .env gives each one', () => {
    const text = read('docker-compose.yml');
    for (const name of ['POSTGRES_PASSWORD', 'PM_OWNER_PASSWORD', 'PM_APP_PASSWORD', 'SESSION_SECRET', 'METRICS_TOKEN']) {
      const uses = [...text.matchAll(new RegExp(`\\$\\{${name}(:.)?`, 'g'))].map((m) => m[1]);
      expect(uses, name).to.have.length.above(0);
      expect(uses.every((form) => form === ':?'), `${name} is always \${${name}:?...}`).to.equal(true);
    }
    expect(() => env('app', {})).to.throw(/required variable/);
    expect(text).not.to.match(/compose-local|local-development-secret|:-pm_app|:-pm_owner|:-postgres\b/);
  });

  it('docker/generate-env.sh writes every secret, random, readable by its owner only', () => {
    const other = generateEnv();
    for (const name of ['POSTGRES_PASSWORD', 'PM_OWNER_PASSWORD', 'PM_APP_PASSWORD', 'SESSION_SECRET', 'METRICS_TOKEN']) {
      expect(dotEnv[name], name).to.match(/^[0-9a-f]{48,}$/);
      expect(other[name], name).not.to.equal(dotEnv[name]);
    }
    expect(dotEnv.FILE_MODE).to.equal('600');
  });

  it('gives the app every setting its configuration requires in production, and the configuration accepts them', () => {
    const appEnv = env('app');
    expect(appEnv.NODE_ENV).to.equal('production');

    const config = readConfig(appEnv);
    expect(readOwnerConfig(appEnv).migrationDatabaseUrl).to.equal(appEnv.MIGRATION_DATABASE_URL);
    expect(config.metricsToken).to.equal(dotEnv.METRICS_TOKEN);

    for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'REDIS_URL', 'SESSION_SECRET', 'PORT', 'NODE_ENV',
      'LOG_LEVEL', 'UPLOAD_DIR', 'MAX_UPLOAD_BYTES']) {
      expect(appEnv, name).to.have.property(name);
    }
    expect(services.app.volumes).to.include(`uploads:${config.uploadDir}`);
  });

  it('serves browsers over HTTPS through Caddy, which the app trusts as its one proxy; the app\'s own port is not published', () => {
    const config = readConfig(env('app'));
    expect(services.app.ports).to.equal(undefined);
    expect(services.app.expose).to.deep.equal([String(config.port)]);
    expect(config.trustProxy).to.equal(1);
    expect(services.caddy.ports?.map((p) => interpolate(p, {}))).to.include('443:443');
    expect(services.caddy.volumes).to.include('./docker/caddy/Caddyfile:/etc/caddy/Caddyfile:ro');
    const caddyfile = read('docker/caddy/Caddyfile');
    expect(caddyfile).to.match(/^\{\$SITE_ADDRESS:localhost\} \{$/m);
    expect(caddyfile).to.match(new RegExp(`^\\s+reverse_proxy app:${config.port}$`, 'm'));
  });

  it('checks the app\'s readiness with the monitoring token, which /ready requires', () => {
    const test = [services.app.healthcheck?.test].flat().join(' ');
    expect(test).to.contain('/ready');
    expect(test).to.contain("authorization: 'Bearer ' + process.env.METRICS_TOKEN");
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
