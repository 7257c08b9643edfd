import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort } from '../test/support/pgbouncer';

/**
 * The application under test runs as a child process (its own event loop, as in
 * production), compiled and started by the command of `npm start`, configured through the
 * environment like any deployment, behind the benchmark's pgBouncer. The load generator
 * stays in this process.
 */
export interface AppProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface AppSettings {
  databaseUrl: string;
  migrationDatabaseUrl: string;
  redisUrl: string;
  poolSize: number;
  logLevel: string;
  /** Write a V8 CPU profile of the app into this directory (when it stops). */
  profileDir?: string;
}

const ROOT = join(__dirname, '..');

// What must not outlive the benchmark, even when it fails: apps, pgBouncers.
const running = new Set<() => Promise<void>>();

/** Registers a stopper until it has run; stopAll() runs every one still registered. */
export function track(stop: () => Promise<void>): () => Promise<void> {
  const once = async () => {
    if (!running.delete(once)) return;
    await stop();
  };
  running.add(once);
  return once;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((stop) => stop().catch(() => undefined)));
}

/** Compiles the app (`npm run build`): it is measured as it is deployed, not under ts-node. */
export function compileApp(): void {
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

/** The node arguments of `npm start` ("node [flags] dist/src/server.js"), so both run the same. */
export function startCommand(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  // `exec` only hands npm's signals to node; what runs is the rest of the line.
  const [program, ...args] = scripts.start.trim().replace(/^exec\s+/, '').split(/\s+/);
  if (program !== 'node') throw new Error(`npm start must run node directly to be benchmarked: ${scripts.start}`);
  return args;
}

// In production /metrics answers only with this token (decision 0015).
const BENCH_METRICS_TOKEN = 'benchmark-metrics-token-0123456789abcdef';

export async function startApp(settings: AppSettings): Promise<AppProcess> {
  const port = await freePort();
  const profile = settings.profileDir ? ['--cpu-prof', '--cpu-prof-dir', settings.profileDir] : [];
  const child = spawn(process.execPath, [...profile, ...startCommand()], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      PORT: String(port),
      DATABASE_URL: settings.databaseUrl,
      MIGRATION_DATABASE_URL: settings.migrationDatabaseUrl,
      REDIS_URL: settings.redisUrl,
      SESSION_SECRET: 'benchmark-session-secret-0123456789abcdef',
      METRICS_TOKEN: BENCH_METRICS_TOKEN,
      DB_POOL_SIZE: String(settings.poolSize),
      LOG_LEVEL: settings.logLevel,
      UPLOAD_DIR: join(tmpdir(), 'pm-bench-uploads'),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const stop = track(() => stopChild(child));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, pid: child.pid!, stop };
}

async function waitForHealth(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the app did not become healthy at ${url}:\n${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 15_000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
  });
}

/** pgBouncer's counters for one database, read from its admin console. */
export interface BouncerCounters {
  xacts: number;
  queries: number;
  /** Microseconds clients waited for a server connection (pool queueing). */
  waitUs: number;
}

export async function bouncerCounters(adminUrl: string, database: string): Promise<BouncerCounters> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    // The admin console speaks the simple query protocol only: no parameters.
    const { rows } = await client.query('SHOW STATS');
    const row = rows.find((r) => r.database === database);
    if (!row) return { xacts: 0, queries: 0, waitUs: 0 };
    return { xacts: Number(row.total_xact_count), queries: Number(row.total_query_count), waitUs: Number(row.total_wait_time) };
  } finally {
    await client.end();
  }
}

/**
 * From the app's /metrics: seconds its requests have waited for a connection of its pool,
 * and seconds it has spent collecting garbage (prom-client's `nodejs_gc_duration_seconds`).
 */
export async function appCounters(appUrl: string): Promise<{ poolWaitS: number; gcS: number }> {
  const metrics = await (await fetch(`${appUrl}/metrics`, { headers: { authorization: `Bearer ${BENCH_METRICS_TOKEN}` } })).text();
  const sum = /^db_pool_wait_seconds_sum (\S+)$/m.exec(metrics);
  if (!sum) throw new Error(`${appUrl}/metrics has no db_pool_wait_seconds_sum`);
  const gc = [...metrics.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm)];
  return { poolWaitS: Number(sum[1]), gcS: gc.reduce((total, m) => total + Number(m[1]), 0) };
}
