import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { hash } from '@node-rs/argon2';
import { expect } from 'chai';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildApp } from '../../src/app';
import { newApiToken } from '../../src/auth/tokens';
import { bootstrapDatabase } from '../../src/db/bootstrap';
import { runMigrations } from '../../src/db/migrate';
import { appDataSourceOptions } from '../../src/db/options';
import { tenantTransactions } from '../../src/db/tenant';
import { createLogger, ERROR_LOG_LIMITS } from '../../src/logger';
import { createRedis, type RedisClient } from '../../src/redis';
import { ThrowawayRedis } from '../auth/support';
import { testConfig } from '../support/app';
import { ROLES, withDatabase } from '../support/env';
import { startBouncer, type Bouncer, type BouncerOptions } from '../support/pgbouncer';
import { ThrowawayPostgres } from '../support/throwaway-services';

/**
 * Fault tests: the app, listening on a real port and under concurrent load, while PostgreSQL
 * restarts, pgBouncer restarts and Redis stops. Every dependency here is this file's own
 * (a private PostgreSQL cluster, a pgBouncer in front of it, a redis-server): the machine's
 * shared servers are never stopped. While a dependency is down the client gets 503
 * problem+json (never a 500, never a hang); the app recovers without a restart; and every
 * write that was answered 2xx is in the database afterwards; the error log gets a few stacks
 * per kind of failure and a count of the rest, not a stack per request. The app runs in this
 * process: an error escaping it (a crash) fails the test through mocha's uncaught-exception handler.
 */
const DATABASE = 'pm_faults';
const WORKERS = 8;
const SLOW_MS = 6_500; // "a few seconds": the query timeout (DB_QUERY_TIMEOUT_MS, 5 s) and some slack, even mid-failure
// Once a dependency is down, a request fails this fast (only those caught in flight may wait for the query timeout).
const FAIL_FAST_MS = 1_000;
const PASSWORD = 'correct-horse-battery-staple';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Outcome {
  label: string;
  started: number;
  ended: number;
  status: number; // 0: no HTTP answer at all (connection error or our own abort)
  contentType: string;
  retryAfter: string | null;
  body: string;
  /** The name=value pairs of the answer's Set-Cookie headers. */
  cookies: string[];
}

const ok = (o: Outcome) => o.status >= 200 && o.status < 300;
const describeOutcome = (o: Outcome) => `${o.label} -> ${o.status} in ${o.ended - o.started} ms ${o.body.slice(0, 200)}`;

/** Bounded concurrent traffic: `WORKERS` loops, each sending one request at a time until stopped. */
class Load {
  readonly outcomes: Outcome[] = [];
  readonly createdTaskIds: string[] = [];
  private running = false;
  private workers: Array<Promise<void>> = [];

  constructor(private readonly base: string) {}

  start(step: (worker: number, load: Load) => Promise<void>): void {
    this.running = true;
    this.workers = Array.from({ length: WORKERS }, async (_, worker) => {
      while (this.running) {
        await step(worker, this);
        await sleep(20);
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
  }

  async send(label: string, path: string, init: RequestInit = {}): Promise<Outcome> {
    const started = Date.now();
    let outcome: Outcome;
    try {
      // The abort only bounds the test: a request that needed it is reported as a hang below.
      const res = await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
      const body = await res.text();
      const cookies = res.headers.getSetCookie().map((line) => line.split(';')[0]);
      outcome = { label, started, ended: Date.now(), status: res.status, contentType: res.headers.get('content-type') ?? '',
        retryAfter: res.headers.get('retry-after'), body, cookies };
      if (res.status === 201 && label.endsWith('create task')) this.createdTaskIds.push(JSON.parse(body).id);
    } catch (error) {
      outcome = { label, started, ended: Date.now(), status: 0, contentType: '', retryAfter: null, body: String(error), cookies: [] };
    }
    this.outcomes.push(outcome);
    return outcome;
  }

  /** Waits (at most `ms`) for a successful answer to a request that started after `since`. */
  async firstSuccessAfter(since: number, ms = 20_000): Promise<number> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      const success = this.outcomes.find((o) => o.started >= since && ok(o));
      if (success) return success.ended;
      await sleep(50);
    }
    throw new Error(`no request succeeded within ${ms} ms after the dependency came back:\n${this.outcomes.slice(-5).map(describeOutcome).join('\n')}`);
  }
}

function expectUnavailableProblem(o: Outcome): void {
  expect(o.status, describeOutcome(o)).to.equal(503);
  expect(o.contentType, describeOutcome(o)).to.match(/^application\/problem\+json/);
  expect(o.retryAfter, 'Retry-After').to.match(/^\d+$/);
  const body = JSON.parse(o.body);
  expect(body).to.include({ status: 503, type: 'urn:problem:service-unavailable' });
  expect(o.body, 'names no internals').to.not.match(/postgres|pgbouncer|redis|ECONN|server conn|socket|sql/i);
}

/** What a request sent while a dependency is down gets: 503 problem+json, at once. */
function expectFailsFast(o: Outcome): void {
  expectUnavailableProblem(o);
  expect(o.ended - o.started, `slow to fail: ${describeOutcome(o)}`).to.be.below(FAIL_FAST_MS);
}

/** Assertions shared by every fault: no 500, no hang, 503 problem+json while down, 2xx after. */
function expectFaultHandled(load: Load, window: { stoppingAt: number; recoveredAt: number }, allowed: number[]): void {
  const { outcomes } = load;
  expect(outcomes.length, 'traffic was sent').to.be.greaterThan(50);
  for (const o of outcomes) {
    expect(o.status, describeOutcome(o)).to.be.oneOf(allowed);
    expect(o.ended - o.started, `hung: ${describeOutcome(o)}`).to.be.below(SLOW_MS);
    if (o.status >= 400) expect(o.contentType, describeOutcome(o)).to.match(/^application\/problem\+json/);
    if (o.status === 503) expectUnavailableProblem(o);
  }
  const healthyBefore = outcomes.filter((o) => o.ended < window.stoppingAt);
  expect(healthyBefore.length, 'traffic before the fault').to.be.greaterThan(0);
  expect(healthyBefore.filter((o) => !ok(o)).map(describeOutcome), 'failures before the fault').to.deep.equal([]);
  const afterRecovery = outcomes.filter((o) => o.started > window.recoveredAt + 500);
  expect(afterRecovery.length, 'traffic after recovery').to.be.greaterThan(10);
  expect(afterRecovery.filter((o) => !ok(o)).map(describeOutcome), 'failures after recovery').to.deep.equal([]);
}

describe('faults: dependencies going down while the app is under load', function () {
  this.timeout(90_000);
  let postgres: ThrowawayPostgres;
  let bouncer: Bouncer;
  let redis: ThrowawayRedis;
  let dataSource: DataSource;
  let appRedis: RedisClient;
  let server: Server;
  /** The app's log lines at warn level and above, parsed. */
  const logLines: Array<Record<string, unknown>> = [];
  let base: string;
  let ownerUrl: string;
  let bouncerOptions: BouncerOptions;

  /** Plain SQL as the owner, one connection per call: nothing long-lived to break when PostgreSQL restarts. */
  async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: ownerUrl });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  /** A user (with a password and an API token) owning a workspace and a private project. */
  async function aTenant(): Promise<{ email: string; token: string; projectId: string }> {
    const tag = Math.random().toString(36).slice(2, 10);
    const passwordHash = await hash(PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const [user] = await sql<{ id: string }>(
      `INSERT INTO users (email, username, password_hash, status) VALUES ($1, $2, $3, 'active') RETURNING id`,
      [`faults-${tag}@example.test`, `faults_${tag}`, passwordHash]);
    const { token, hash: tokenHash, prefix } = newApiToken();
    await sql(`INSERT INTO api_tokens (user_id, name, token_hash, token_prefix) VALUES ($1, 'faults', $2, $3)`, [user.id, tokenHash, prefix]);
    const [workspace] = await sql<{ id: string }>(
      `INSERT INTO workspaces (name, slug, owner_id) VALUES ($1, $2, $3) RETURNING id`, [`Faults ${tag}`, `faults-${tag}`, user.id]);
    const [project] = await sql<{ id: string }>(
      `INSERT INTO projects (workspace_id, name, owner_id) VALUES ($1, 'Faults', $2) RETURNING id`, [workspace.id, user.id]);
    return { email: `faults-${tag}@example.test`, token, projectId: project.id };
  }

  async function missingTasks(ids: string[]): Promise<string[]> {
    const rows = await sql<{ id: string }>('SELECT id FROM tasks WHERE id = ANY($1::uuid[])', [ids]);
    const found = new Set(rows.map((row) => row.id));
    return ids.filter((id) => !found.has(id));
  }

  const bearer = (token: string) => ({ Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' });

  /** Half the requests write a task, half read the project's tasks: both through the pool and pgBouncer. */
  const bearerTraffic = (tenant: { token: string; projectId: string }) => async (worker: number, load: Load) => {
    if (worker % 2 === 0) {
      await load.send('create task', `/projects/${tenant.projectId}/tasks`, {
        method: 'POST', headers: bearer(tenant.token), body: JSON.stringify({ title: `load ${worker}` }),
      });
    } else {
      await load.send('list tasks', `/projects/${tenant.projectId}/tasks?limit=5`, { headers: bearer(tenant.token) });
    }
  };

  before(async function () {
    this.timeout(120_000);
    postgres = await ThrowawayPostgres.create();
    await bootstrapDatabase({
      adminUrl: postgres.adminUrl, database: DATABASE,
      ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword, appRole: ROLES.app, appPassword: ROLES.appPassword,
    });
    ownerUrl = withDatabase(postgres.adminUrl, DATABASE, ROLES.owner, ROLES.ownerPassword);
    await runMigrations(ownerUrl);
    bouncerOptions = {
      database: DATABASE, serverHost: '127.0.0.1', serverPort: postgres.port, poolSize: 5,
      users: { [ROLES.app]: ROLES.appPassword }, adminUser: ROLES.app,
    };
    bouncer = await startBouncer(bouncerOptions);
    bouncerOptions.port = bouncer.port; // a restarted bouncer comes back where the app expects it
    redis = await ThrowawayRedis.create();
    // The test app's wiring (test/support/app.ts), with the log captured for the assertions on it.
    const config = testConfig({
      databaseUrl: `postgres://${ROLES.app}:${ROLES.appPassword}@127.0.0.1:${bouncer.port}/${DATABASE}`,
      redisUrl: redis.url,
      dbPoolSize: 10,
      loginAttemptsPerIp: 1_000,
    });
    const logger = createLogger('warn', { write: (line: string) => { logLines.push(JSON.parse(line)); } });
    dataSource = new DataSource(appDataSourceOptions(config.databaseUrl, config.dbPoolSize, config.dbQueryTimeoutMs));
    await dataSource.initialize();
    appRedis = createRedis(config.redisUrl, logger);
    await appRedis.connect();
    const app = buildApp({ config, logger, dataSource, redis: appRedis, withTenant: tenantTransactions(dataSource) });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  let running: Load | undefined;
  const startLoad = () => {
    logLines.length = 0;
    return (running = new Load(base));
  };

  /**
   * Once every rate-limit window of the outage has closed: each kind of failure has at most
   * `burst` lines with a stack, and every 5xx the load got is in the log, written or counted.
   */
  async function expectErrorLogLimited(load: Load): Promise<void> {
    const lastFailure = Math.max(...load.outcomes.filter((o) => o.status >= 500).map((o) => o.ended));
    await sleep(Math.max(0, lastFailure + ERROR_LOG_LIMITS.windowMs + 500 - Date.now()));
    const failed = logLines.filter((l) => l.msg === 'request failed');
    const counts = logLines.filter((l) => typeof l.suppressed === 'number');
    const perKind = new Map<string, number>();
    for (const line of failed) perKind.set(String(line.kind), (perKind.get(String(line.kind)) ?? 0) + 1);
    const summary = JSON.stringify(Object.fromEntries(perKind));
    for (const [kind, lines] of perKind) expect(lines, kind).to.be.at.most(ERROR_LOG_LIMITS.burst);
    expect(perKind.size, `kinds of failure: ${summary}`).to.be.at.most(6);
    const failures = load.outcomes.filter((o) => o.status >= 500).length;
    expect(failures, 'requests that failed').to.be.greaterThan(5 * ERROR_LOG_LIMITS.burst * perKind.size);
    const suppressed = counts.reduce((sum, l) => sum + (l.suppressed as number), 0);
    expect(failed.length + suppressed, `every failure written or counted: ${summary}`).to.equal(failures);
  }

  // A failed test must leave neither its traffic running nor the next test without its dependencies.
  afterEach(async () => {
    await running?.stop();
    if (!postgres.isRunning) await postgres.start();
    if (!(await listening(bouncer.port))) bouncer = await startBouncer(bouncerOptions);
    if (!(await fetch(`${base}/health`).then(() => true, () => false))) throw new Error('the app stopped answering');
    if (!(await listening(redis.port))) await redis.start();
  });

  after(async () => {
    server?.closeAllConnections();
    server?.close();
    await dataSource?.destroy().catch(() => undefined);
    if (appRedis?.isOpen) await appRedis.close().catch(() => undefined);
    await bouncer?.stop();
    await redis?.stop();
    await postgres?.destroy();
  });

  /** Takes a dependency down for 3 s under load, brings it back; the clock readings the assertions use. */
  async function outage(takeDown: () => Promise<void>, bringBack: () => Promise<void>) {
    await sleep(1_000); // healthy traffic first
    const stoppingAt = Date.now();
    await takeDown();
    const downAt = Date.now();
    await sleep(1_500);
    const readyWhileDown = await fetch(`${base}/ready`);
    const readyBody = (await readyWhileDown.json()) as { checks: Record<string, string> };
    await sleep(1_500);
    const upAt = Date.now();
    await bringBack();
    return { stoppingAt, downAt, upAt, readyWhileDown: { status: readyWhileDown.status, checks: readyBody.checks } };
  }

  /** One line of figures per fault, the source of the fault table in docs/operations.md. */
  function reportFigures(dependency: string, load: Load, fault: { stoppingAt: number; downAt: number; upAt: number }, recoveredAt: number): void {
    const ms = (o: Outcome) => o.ended - o.started;
    const inFlight = load.outcomes.filter((o) => o.started < fault.downAt && o.ended > fault.stoppingAt);
    const whileDown = load.outcomes.filter((o) => o.started >= fault.downAt && o.ended < fault.upAt);
    const failing = whileDown.filter((o) => !ok(o)).map(ms).sort((a, b) => a - b);
    const statuses: Record<string, number> = {};
    for (const o of whileDown) statuses[o.status] = (statuses[o.status] ?? 0) + 1;
    console.log(`      fault figures: ${JSON.stringify({
      dependency,
      caughtInFlight: inFlight.map((o) => `${o.status} in ${ms(o)} ms`),
      whileDown: statuses,
      failedInMs: { median: failing[Math.floor(failing.length / 2)] ?? null, max: failing.at(-1) ?? null },
      firstSuccessAfterBackMs: recoveredAt - fault.upAt,
    })}`);
  }

  async function expectReadyAgain(): Promise<void> {
    const res = await fetch(`${base}/ready`);
    expect(res.status, await res.text()).to.equal(200);
  }

  it('answers 503 problem+json while PostgreSQL restarts, recovers by itself, keeps every acknowledged write, and logs a few stacks per kind', async () => {
    const tenant = await aTenant();
    const load = startLoad();
    load.start(bearerTraffic(tenant));

    const fault = await outage(() => postgres.stop('fast'), () => postgres.start());
    const recoveredAt = await load.firstSuccessAfter(fault.upAt);
    await sleep(2_000);
    await load.stop();
    reportFigures('PostgreSQL', load, fault, recoveredAt);

    const whileDown = load.outcomes.filter((o) => o.started >= fault.downAt && o.ended < fault.upAt);
    if (whileDown.length === 0) {
      // pgBouncer may hold every worker's query until PostgreSQL is back: each must then have been served.
      const held = load.outcomes.filter((o) => o.started < fault.upAt && o.ended >= fault.upAt);
      expect(held.length, 'requests held while PostgreSQL was down').to.be.greaterThan(0);
      for (const o of held) expect([200, 201], `held request answered ${o.status}`).to.include(o.status);
    } else {
      expect(whileDown.length, 'requests while PostgreSQL was down').to.be.greaterThan(10);
      whileDown.forEach(expectFailsFast);
    }
    expect(fault.readyWhileDown).to.deep.equal({ status: 503, checks: { database: 'unavailable', redis: 'ok' } });
    expectFaultHandled(load, { ...fault, recoveredAt }, [200, 201, 503]);
    expect(load.createdTaskIds.length).to.be.greaterThan(10);
    expect(await missingTasks(load.createdTaskIds), 'acknowledged tasks missing').to.deep.equal([]);
    await expectReadyAgain();
    await expectErrorLogLimited(load);
  });

  it('answers 503 problem+json while pgBouncer restarts, recovers by itself, keeps every acknowledged write, and logs a few stacks per kind', async () => {
    const tenant = await aTenant();
    const load = startLoad();
    load.start(bearerTraffic(tenant));

    const fault = await outage(() => bouncer.stop(), async () => {
      bouncer = await startBouncer(bouncerOptions);
    });
    const recoveredAt = await load.firstSuccessAfter(fault.upAt);
    await sleep(2_000);
    await load.stop();
    reportFigures('pgBouncer', load, fault, recoveredAt);

    const whileDown = load.outcomes.filter((o) => o.started >= fault.downAt && o.ended < fault.upAt);
    expect(whileDown.length, 'requests while pgBouncer was down').to.be.greaterThan(10);
    whileDown.forEach(expectFailsFast);
    expect(fault.readyWhileDown).to.deep.equal({ status: 503, checks: { database: 'unavailable', redis: 'ok' } });
    expectFaultHandled(load, { ...fault, recoveredAt }, [200, 201, 503]);
    expect(load.createdTaskIds.length).to.be.greaterThan(10);
    expect(await missingTasks(load.createdTaskIds), 'acknowledged tasks missing').to.deep.equal([]);
    await expectReadyAgain();
    await expectErrorLogLimited(load);
  });

  it('answers 503 problem+json to cookie sessions while Redis is down, keeps serving bearer tokens, and recovers by itself', async () => {
    const tenant = await aTenant();
    // Even workers write with the bearer token; odd ones hold a cookie session each, and log in
    // again when it is gone (this Redis keeps nothing across a restart).
    const sessions = new Map<number, { cookie: string; csrfToken: string }>();
    const loggedInAt = new Map<number, number>();
    const cookieStep = async (worker: number, load: Load) => {
      const session = sessions.get(worker);
      if (!session) {
        const o = await load.send('login', '/auth/login', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: tenant.email, password: PASSWORD }),
        });
        if (o.status === 200) {
          sessions.set(worker, { cookie: o.cookies.join('; '), csrfToken: JSON.parse(o.body).csrfToken });
          loggedInAt.set(worker, o.ended);
        }
        return;
      }
      const o = worker % 4 === 1
        ? await load.send('cookie create task', `/projects/${tenant.projectId}/tasks`, {
          method: 'POST',
          headers: { Cookie: session.cookie, 'X-CSRF-Token': session.csrfToken, 'Content-Type': 'application/json' },
          body: JSON.stringify({ title: `cookie load ${worker}` }),
        })
        : await load.send('cookie me', '/auth/me', { headers: { Cookie: session.cookie } });
      if (o.status === 401) sessions.delete(worker);
    };
    const load = startLoad();
    load.start((worker, l) => (worker % 2 === 0 ? bearerTraffic(tenant)(worker, l) : cookieStep(worker, l)));

    const fault = await outage(() => redis.stop(), () => redis.start());
    // Recovered: every cookie worker has logged in again.
    const cookieWorkers = Array.from({ length: WORKERS / 2 }, (_, i) => 2 * i + 1);
    const recoveredAt = await waitFor(() => {
      const times = cookieWorkers.map((w) => loggedInAt.get(w) ?? 0);
      return times.every((t) => t > fault.upAt) ? Math.max(...times) : undefined;
    });
    await sleep(2_000);
    await load.stop();
    reportFigures('Redis', load, fault, recoveredAt);

    const whileDown = load.outcomes.filter((o) => o.started >= fault.downAt && o.ended < fault.upAt);
    const cookieDown = whileDown.filter((o) => o.label.startsWith('cookie') || o.label === 'login');
    const bearerDown = whileDown.filter((o) => !cookieDown.includes(o));
    expect(cookieDown.length, 'cookie requests while Redis was down').to.be.greaterThan(10);
    cookieDown.forEach(expectFailsFast);
    expect(bearerDown.length, 'bearer requests while Redis was down').to.be.greaterThan(10);
    expect(bearerDown.filter((o) => !ok(o)).map(describeOutcome), 'bearer failures while Redis was down').to.deep.equal([]);
    expect(fault.readyWhileDown).to.deep.equal({ status: 503, checks: { database: 'ok', redis: 'unavailable' } });
    // 401 only for a cookie session that Redis lost with its restart.
    expectFaultHandled(load, { ...fault, recoveredAt }, [200, 201, 401, 503]);
    expect(load.outcomes.filter((o) => o.status === 401 && !(o.label.startsWith('cookie') && o.started > fault.upAt)).map(describeOutcome))
      .to.deep.equal([]);
    const cookieAfter = load.outcomes.filter((o) => o.started > recoveredAt + 500 && o.label.startsWith('cookie'));
    expect(cookieAfter.filter(ok).length, 'cookie requests served again').to.be.greaterThan(5);

    expect(await missingTasks(load.createdTaskIds), 'acknowledged tasks missing').to.deep.equal([]);
    await expectReadyAgain();
  });
});

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor<T>(probe: () => T | undefined, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const value = probe();
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`not within ${ms} ms`);
}
