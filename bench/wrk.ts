import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RawRun, Workload } from './load';

/**
 * One load run with wrk (bench/wrk.lua), in its own process: it costs the shared cores a
 * fraction of what autocannon does, and its latencies are taken in C, clear of a Node
 * event loop's pauses. It is also what ../shared/PERFORMANCE.md's reference figures used.
 * The run reports 1,000 evenly spaced latency quantiles instead of every latency.
 */
export function wrkInstalled(): boolean {
  try {
    execFileSync('wrk', ['-v'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    // wrk -v prints its usage and exits 1: installed. ENOENT: not.
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

const THREADS = 2;

/** The endpoint's requests as a Lua table, for wrk.lua's init(). */
function luaData(workload: Workload): string {
  // A Lua string literal: quotes and backslashes escaped, control characters as \ddd.
  const str = (s: string) =>
    // eslint-disable-next-line no-control-regex -- the control characters are what it escapes
    `"${s.replace(/[\\"]/g, '\\$&').replace(/[\x00-\x1f\x7f]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, '0')}`)}"`;
  if (workload.kind === 'items') {
    const items = workload.items.map((i) =>
      `{method=${str(i.method)},path=${str(i.path)},token=${str(i.token)}${i.body ? `,body=${str(i.body)}` : ''}}`);
    return `return {items={\n${items.join(',\n')}\n}}\n`;
  }
  const docs = workload.documents.map((d) => `{id=${str(d.id)},version=${d.version},token=${str(d.token)}}`);
  return `return {documents={\n${docs.join(',\n')}\n}}\n`;
}

interface WrkResult {
  requests: number;
  durationUs: number;
  bytes: number;
  socketErrors: number;
  maxUs: number;
  statuses: Record<string, number>;
  quantilesUs: number[];
}

export async function runWrk(url: string, workload: Workload, connections: number, durationSeconds: number): Promise<RawRun> {
  const dir = mkdtempSync(join(tmpdir(), 'pm-bench-wrk-'));
  try {
    const data = join(dir, 'data.lua');
    const out = join(dir, 'result.json');
    writeFileSync(data, luaData(workload));
    // wrk gives each thread connections / threads of them, rounded down.
    const threads = connections % THREADS === 0 ? THREADS : 1;
    const args = ['-t', String(threads), '-c', String(connections), '-d', `${durationSeconds}s`, '--timeout', '10s',
      '-s', join(__dirname, 'wrk.lua'), url];
    const stderr: string[] = [];
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('wrk', args, {
        env: { ...process.env, BENCH_WRK_DATA: data, BENCH_WRK_OUT: out, BENCH_WRK_THREADS: String(threads), BENCH_WRK_CONNECTIONS: String(connections) },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw new Error(`wrk exited with ${code}: ${stderr.join('').trim()}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as WrkResult;
    return {
      latencies: result.quantilesUs.map((us) => us / 1000),
      requests: result.requests,
      maxMs: result.maxUs / 1000,
      statuses: result.statuses,
      bytes: result.bytes,
      socketErrors: result.socketErrors,
      seconds: result.durationUs / 1e6,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
