import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client } from 'pg';
import { startBouncer } from '../test/support/pgbouncer';
import { countAll, prepareDataset, ROLES, type Dataset, type DatasetName } from './datasets';
import { buildFixtures, cleanup, deepPage, refreshVersions, type Fixtures, type Item } from './fixtures';
import { runLoad, summarize, verifyTokens, type LoadGenerator, type RawRun, type Workload } from './load';
import { wrkInstalled } from './wrk';
import { cpuBetween, cpuTotals, type CpuSample } from './cpu';
import { checks, cpuTable, table, LIST_BIG, LIST_DEEP, LIST_FIRST, LIST_PROJECTS, type Row } from './report';
import {
  appCounters, bouncerCounters, compileApp, startApp, startCommand, stopAll, track, type AppProcess,
} from './services';

/**
 * `npm run bench`: prepares the databases (small = the demo tenants, large = 1,000,000
 * tasks) when missing, puts its own pgBouncer (transaction mode) in front, starts the app
 * twice as child processes, compiled and started as `npm start` does, as the application
 * role (RLS) and as a BYPASSRLS measuring role, and loads the hot endpoints with wrk
 * (autocannon where wrk is not installed), each endpoint under both roles.
 * Prints a table and the target checks; writes bench/results/latest.json.
 */
const USAGE = `npm run bench -- [options]
  --database-url URL    superuser URL of the server (default postgres://postgres@127.0.0.1:5432/postgres)
  --dataset NAME        small | large | both (default both)
  --duration SECONDS    per endpoint and role (default 20)
  --slices N            split each duration into N interleaved runs of the two roles (default 4)
  --warmup SECONDS      unmeasured load before each run (default 2)
  --connections N       concurrent HTTP connections (default 64)
  --load-generator NAME wrk | autocannon (default wrk where installed, else autocannon)
  --app-pool N          the app's pool size, DB_POOL_SIZE (default 10)
  --bouncer-pool N      pgBouncer default_pool_size (default 10)
  --deep-pages N        how deep the deep page is (default 100)
  --scale N             build/use the large dataset at 1/N size (default 1)
  --only TEXT           run only the endpoints whose name contains TEXT
  --redis-url URL       (default redis://127.0.0.1:6379)
  --log-level LEVEL     the app's LOG_LEVEL (default info, as in production)
  --output FILE         (default bench/results/latest.json)
  --profile             write V8 CPU profiles of the apps (into $TMPDIR/pm-bench-profiles/)`;

interface Options {
  adminUrl: string;
  datasets: DatasetName[];
  duration: number;
  slices: number;
  warmup: number;
  connections: number;
  loadGenerator: LoadGenerator;
  appPool: number;
  bouncerPool: number;
  deepPages: number;
  scale: number;
  only?: string;
  redisUrl: string;
  logLevel: string;
  output: string;
  profile: boolean;
}

function options(): Options {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    strict: true,
    options: {
      'database-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      dataset: { type: 'string', default: 'both' },
      duration: { type: 'string', default: '20' },
      slices: { type: 'string', default: '4' },
      warmup: { type: 'string', default: '2' },
      connections: { type: 'string', default: '64' },
      'load-generator': { type: 'string' },
      'app-pool': { type: 'string', default: '10' },
      'bouncer-pool': { type: 'string', default: '10' },
      'deep-pages': { type: 'string', default: '100' },
      scale: { type: 'string', default: '1' },
      only: { type: 'string' },
      'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
      'log-level': { type: 'string', default: 'info' },
      output: { type: 'string', default: join(__dirname, 'results', 'latest.json') },
      profile: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string, min: number) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min}`);
    return n;
  };
  if (!['small', 'large', 'both'].includes(values.dataset)) throw new Error('--dataset must be small, large or both');
  const loadGenerator = values['load-generator'] ?? (wrkInstalled() ? 'wrk' : 'autocannon');
  if (loadGenerator !== 'wrk' && loadGenerator !== 'autocannon') throw new Error('--load-generator must be wrk or autocannon');
  return {
    adminUrl: values['database-url'],
    datasets: values.dataset === 'both' ? ['small', 'large'] : [values.dataset as DatasetName],
    duration: int('duration', values.duration, 1),
    slices: int('slices', values.slices, 1),
    warmup: int('warmup', values.warmup, 0),
    connections: int('connections', values.connections, 1),
    loadGenerator,
    appPool: int('app-pool', values['app-pool'], 1),
    bouncerPool: int('bouncer-pool', values['bouncer-pool'], 1),
    deepPages: int('deep-pages', values['deep-pages'], 2),
    scale: int('scale', values.scale, 1),
    only: values.only,
    redisUrl: values['redis-url'],
    logLevel: values['log-level'],
    output: values.output,
    profile: values.profile,
  };
}

const PROFILES = join(tmpdir(), 'pm-bench-profiles');
const log = (line: string) => console.error(`[bench] ${line}`);

async function benchDataset(o: Options, dataset: Dataset): Promise<Row[]> {
  // Two runs on one database would delete each other's tokens and rows: one at a time.
  // (A session lock on the owner's direct connection, never through pgBouncer.)
  const lock = new Client({ connectionString: dataset.ownerUrl });
  await lock.connect();
  try {
    const { rows } = await lock.query(`SELECT pg_try_advisory_lock(hashtext('pm-bench')) AS ok`);
    if (!rows[0].ok) throw new Error(`another benchmark is running on ${dataset.database}`);
    return await benchLocked(o, dataset);
  } finally {
    await lock.end();
  }
}

async function benchLocked(o: Options, dataset: Dataset): Promise<Row[]> {
  await cleanup(dataset.ownerUrl);
  // Counted again: what an interrupted run left behind is not part of the dataset.
  dataset.counts = await countAll(dataset.ownerUrl);
  const server = new URL(o.adminUrl);
  const bouncer = await startBouncer({
    database: dataset.database,
    serverHost: server.hostname || '127.0.0.1',
    serverPort: Number(server.port || 5432),
    poolSize: o.bouncerPool,
    users: { [ROLES.app]: ROLES.appPassword, [ROLES.bypass]: ROLES.bypassPassword, [ROLES.owner]: ROLES.ownerPassword },
    adminUser: ROLES.owner,
  });
  const stopBouncer = track(() => bouncer.stop());
  const viaBouncer = (user: string, password: string) => `postgres://${user}:${password}@127.0.0.1:${bouncer.port}/${dataset.database}`;
  const bouncerAdmin = viaBouncer(ROLES.owner, ROLES.ownerPassword).replace(/\/[^/]+$/, '/pgbouncer');
  const apps: Partial<Record<Row['role'], AppProcess>> = {};
  try {
    const fixtures = await buildFixtures(dataset.ownerUrl, {
      projects: 300, bigProjects: 10, tasks: 2000, documents: 2 * o.connections,
    });
    const app = (user: string, password: string) => startApp({
      databaseUrl: viaBouncer(user, password), migrationDatabaseUrl: dataset.ownerUrl, redisUrl: o.redisUrl,
      poolSize: o.appPool, logLevel: o.logLevel, profileDir: o.profile ? PROFILES : undefined,
    });
    apps.rls = await app(ROLES.app, ROLES.appPassword);
    apps.bypass = await app(ROLES.bypass, ROLES.bypassPassword);
    log(`${dataset.name}: apps up (rls ${apps.rls.url}, bypass ${apps.bypass.url}), pgBouncer :${bouncer.port}`);

    const wantDeep = !o.only || LIST_DEEP.includes(o.only);
    const deep = wantDeep ? await deepItems(apps.rls.url, fixtures, o.deepPages) : { items: [], depths: [] };
    const workloads: Array<[string, Workload]> = [
      [LIST_FIRST, { kind: 'items', items: fixtures.listFirst }],
      [LIST_BIG, { kind: 'items', items: fixtures.listBig }],
      ...(deep.items.length ? [[`${LIST_DEEP}`, { kind: 'items', items: deep.items }] as [string, Workload]] : []),
      ['GET /tasks/:id', { kind: 'items', items: fixtures.getTask }],
      ['POST /projects/:id/tasks', { kind: 'items', items: fixtures.createTask }],
      ['PATCH /documents/:id (If-Match)', { kind: 'documents', documents: fixtures.documents }],
      [LIST_PROJECTS, { kind: 'items', items: fixtures.listProjects }],
    ];
    if (deep.items.length) log(`${dataset.name}: deep pages are page ${deep.depths.join(', ')} of their projects`);
    else if (wantDeep) log(`${dataset.name}: no project has a second page: the deep-page endpoint is skipped`);

    const rows: Row[] = [];
    for (const [endpoint, workload] of workloads) {
      if (o.only && !endpoint.includes(o.only)) continue;
      rows.push(...await measureEndpoint(o, {
        dataset, endpoint, workload, apps: apps as Record<Row['role'], AppProcess>, bouncerAdmin, bouncerMark: dirname(bouncer.logFile),
      }));
    }
    return rows;
  } finally {
    await apps.rls?.stop();
    await apps.bypass?.stop();
    await stopBouncer();
    await cleanup(dataset.ownerUrl);
  }
}

interface Target {
  dataset: Dataset;
  endpoint: string;
  workload: Workload;
  apps: Record<Row['role'], AppProcess>;
  bouncerAdmin: string;
  bouncerMark: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Both roles under the same load, in interleaved slices (rls, bypass, bypass, rls, ...) so
 * that what else the machine does at the time weighs on both alike. pgBouncer's counters
 * are read around each measured slice.
 */
async function measureEndpoint(o: Options, { dataset, endpoint, workload, apps, bouncerAdmin, bouncerMark }: Target): Promise<Row[]> {
  const refresh = () => (workload.kind === 'documents' ? refreshVersions(dataset.ownerUrl, workload.documents) : Promise.resolve());
  const slice = o.duration / o.slices;
  const raw: Record<Row['role'], RawRun[]> = { rls: [], bypass: [] };
  const counted = {
    rls: { queries: 0, xacts: 0, waitUs: 0, appWaitS: 0, gcS: 0 }, bypass: { queries: 0, xacts: 0, waitUs: 0, appWaitS: 0, gcS: 0 },
  };
  const cpu: Record<Row['role'], CpuSample> = {
    rls: { app: 0, postgres: 0, pgbouncer: 0, loadgen: 0 }, bypass: { app: 0, postgres: 0, pgbouncer: 0, loadgen: 0 },
  };
  for (const role of ['rls', 'bypass'] as const) await verifyTokens(apps[role].url, workload);
  if (o.warmup > 0) {
    for (const role of ['rls', 'bypass'] as const) {
      await refresh();
      await runLoad(o.loadGenerator, apps[role].url, workload, o.connections, o.warmup);
      // Requests cut off at the end of a run are still being served: let them finish.
      await pause(1000);
    }
  }
  for (let i = 0; i < o.slices; i += 1) {
    const order = i % 2 === 0 ? (['rls', 'bypass'] as const) : (['bypass', 'rls'] as const);
    for (const role of order) {
      await refresh();
      const targets = { appPid: apps[role].pid, database: dataset.database, bouncerMark };
      const before = await bouncerCounters(bouncerAdmin, dataset.database);
      const appBefore = await appCounters(apps[role].url);
      const cpuBefore = cpuTotals(targets);
      raw[role].push(await runLoad(o.loadGenerator, apps[role].url, workload, o.connections, slice));
      const spent = cpuBetween(cpuBefore, cpuTotals(targets));
      const after = await bouncerCounters(bouncerAdmin, dataset.database);
      const appAfter = await appCounters(apps[role].url);
      counted[role].appWaitS += appAfter.poolWaitS - appBefore.poolWaitS;
      counted[role].gcS += appAfter.gcS - appBefore.gcS;
      for (const key of Object.keys(spent) as Array<keyof CpuSample>) cpu[role][key] += spent[key];
      counted[role].queries += after.queries - before.queries;
      counted[role].xacts += after.xacts - before.xacts;
      counted[role].waitUs += after.waitUs - before.waitUs;
      await pause(1000);
    }
  }
  return (['rls', 'bypass'] as const).map((role) => {
    const m = summarize(raw[role]);
    const per = (n: number) => (m.requests ? n / m.requests : NaN);
    log(`${dataset.name} ${endpoint} ${role}: ${m.rps.toFixed(0)} rps, p50 ${m.p50.toFixed(1)} ms, p99 ${m.p99.toFixed(1)} ms, ` +
      `errors ${m.errors}${m.errors ? ` ${JSON.stringify(m.statuses)}` : ''}`);
    return {
      dataset: dataset.name, endpoint, role, ...m,
      queriesPerRequest: per(counted[role].queries),
      xactsPerRequest: per(counted[role].xacts),
      poolWaitMsPerRequest: per(counted[role].waitUs) / 1000,
      appPoolWaitMsPerRequest: per(counted[role].appWaitS) * 1000,
      appGcMsPerRequest: per(counted[role].gcS) * 1000,
      cpuMsPerRequest: {
        app: per(cpu[role].app), postgres: per(cpu[role].postgres), pgbouncer: per(cpu[role].pgbouncer), loadgen: per(cpu[role].loadgen),
      },
    };
  });
}

/** One deep cursor per big project (walked as one of its members), used by all its members. */
async function deepItems(appUrl: string, fixtures: Fixtures, depth: number): Promise<{ items: Item[]; depths: number[] }> {
  const items: Item[] = [];
  const depths: number[] = [];
  const byProject = new Map<string, Item[]>();
  for (const item of fixtures.listBig) byProject.set(item.projectId, [...(byProject.get(item.projectId) ?? []), item]);
  for (const members of byProject.values()) {
    const found = await deepPage(appUrl, members[0], depth);
    if (!found) continue;
    depths.push(found.depth);
    for (const member of members) items.push({ ...member, path: found.item.path });
  }
  // Interleave projects so consecutive requests do not all hit one project.
  items.sort((a, b) => a.token.localeCompare(b.token));
  return { items, depths };
}

async function machine(adminUrl: string): Promise<Record<string, unknown>> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const settings = await client.query(
      `SELECT name, setting, unit FROM pg_settings WHERE name IN ('shared_buffers', 'max_connections', 'work_mem', 'server_version', 'jit')`,
    );
    let pgbouncer = 'unknown';
    try {
      pgbouncer = execFileSync('pgbouncer', ['--version'], { encoding: 'utf8' }).split('\n')[0];
    } catch {
      // reported as unknown
    }
    return {
      cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGb: Math.round(totalmem() / 2 ** 30), node: process.version,
      postgres: Object.fromEntries(settings.rows.map((r) => [r.name, r.unit ? `${r.setting} ${r.unit}` : r.setting])),
      pgbouncer,
    };
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const o = options();
  const started = new Date();
  // Other work on the machine moves the figures: the load averages say how much there was.
  const loadBefore = loadavg();
  const results: Array<{ dataset: Dataset; rows: Row[] }> = [];
  log(`compiling the app (npm run build); it runs as npm start does: node ${startCommand().join(' ')}`);
  compileApp();
  for (const name of o.datasets) {
    log(`preparing the ${name} dataset (a first build of the large one takes a few minutes)`);
    const dataset = await prepareDataset(o.adminUrl, name, o.scale, log);
    log(`${dataset.database}: ${JSON.stringify(dataset.counts)}`);
    results.push({ dataset, rows: await benchDataset(o, dataset) });
  }

  const rows = results.flatMap((r) => r.rows);
  for (const { dataset, rows: dsRows } of results) {
    console.log(`\n${dataset.name} dataset (${dataset.database}: ${dataset.counts.tasks} tasks, ${dataset.counts.projects} projects, ` +
      `${dataset.counts.workspaces} workspaces), ${o.connections} connections, ${o.duration} s per run, load by ${o.loadGenerator}\n`);
    console.log(table(dsRows));
    console.log(`\nCPU milliseconds per request, by process (${cpus().length} cores: the total bounds throughput)\n`);
    console.log(cpuTable(dsRows));
  }
  const fmt = (l: number[]) => l.map((x) => x.toFixed(2)).join(' ');
  console.log(`\nLoad average of the machine (1/5/15 min): ${fmt(loadBefore)} at the start, ${fmt(loadavg())} at the end ` +
    `(${cpus().length} cores; anything above what the benchmark itself puts on them is other work)`);
  const verdicts = checks(rows);
  console.log('\nTargets');
  for (const c of verdicts) console.log(`${c.ok ? 'PASS' : 'FAIL'}  ${c.what}: ${c.value}`);

  const { adminUrl: _secret, ...settings } = o;
  mkdirSync(join(o.output, '..'), { recursive: true });
  writeFileSync(o.output, `${JSON.stringify({
    startedAt: started.toISOString(), finishedAt: new Date().toISOString(), settings,
    machine: { ...await machine(o.adminUrl), appCommand: ['node', ...startCommand()].join(' '), loadAverageAtStart: loadBefore, loadAverageAtEnd: loadavg() },
    datasets: results.map((r) => ({ name: r.dataset.name, database: r.dataset.database, counts: r.dataset.counts })),
    results: rows, checks: verdicts,
  }, null, 2)}\n`);
  console.log(`\nWrote ${o.output}`);
  if (o.profile) console.log(`CPU profiles (open in Chrome DevTools): ${PROFILES}`);
}

async function fail(error: Error): Promise<never> {
  console.error(`Benchmark failed: ${error.stack ?? error.message}`);
  await stopAll();
  process.exit(1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void fail(new Error(`stopped by ${signal}`)));
}
process.once('uncaughtException', (error) => void fail(error));
main().then(() => process.exit(0), fail);
