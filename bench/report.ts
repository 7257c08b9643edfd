import type { CpuSample } from './cpu';
import type { Measurement } from './load';

/** The numbers of one endpoint under one role, with pgBouncer's view of the database work. */
export interface Row extends Measurement {
  dataset: string;
  endpoint: string;
  role: 'rls' | 'bypass';
  /** Statements (BEGIN and COMMIT included) and transactions per request, from SHOW STATS. */
  queriesPerRequest: number;
  xactsPerRequest: number;
  /** Average time a request's transactions waited in pgBouncer for a server connection. */
  poolWaitMsPerRequest: number;
  /** Average time a request waited for a connection of the app's own pool (its /metrics). */
  appPoolWaitMsPerRequest: number;
  /** Of the app's CPU, the milliseconds per request its garbage collector took (its /metrics). */
  appGcMsPerRequest: number;
  /** CPU milliseconds per request, by process (Linux /proc; 0 elsewhere). */
  cpuMsPerRequest: CpuSample;
}

export interface Check {
  what: string;
  value: string;
  ok: boolean;
}

const f = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

export function table(rows: Row[]): string {
  const header = ['endpoint', 'role', 'rps', 'p50 ms', 'p95 ms', 'p99 ms', 'errors', '412', 'queries/req', 'xacts/req', 'app pool wait ms', 'pgBouncer wait ms', 'bytes/req'];
  const lines = rows.map((r) => [
    r.endpoint, r.role, f(r.rps, 0), f(r.p50), f(r.p95), f(r.p99), String(r.errors), String(r.preconditionFailed),
    f(r.queriesPerRequest, 2), f(r.xactsPerRequest, 2), f(r.appPoolWaitMsPerRequest, 1), f(r.poolWaitMsPerRequest, 2),
    String(r.bytesPerRequest),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

export function cpuTable(rows: Row[]): string {
  const header = ['endpoint', 'role', 'app', 'of which GC', 'postgres', 'pgbouncer', 'load generator', 'total'];
  const lines = rows.map((r) => {
    const c = r.cpuMsPerRequest;
    return [r.endpoint, r.role, f(c.app, 2), f(r.appGcMsPerRequest, 3), f(c.postgres, 2), f(c.pgbouncer, 2), f(c.loadgen, 2), f(c.app + c.postgres + c.pgbouncer + c.loadgen, 2)];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const render = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [render(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(render)].join('\n');
}

/** The targets of issue E, evaluated on what was measured. */
export function checks(rows: Row[]): Check[] {
  const out: Check[] = [];
  const find = (dataset: string, endpoint: string, role: 'rls' | 'bypass') =>
    rows.find((r) => r.dataset === dataset && r.endpoint === endpoint && r.role === role);

  for (const r of rows) {
    out.push({ what: `${r.dataset} ${r.endpoint} (${r.role}) p99 < 100 ms`, value: `${f(r.p99)} ms`, ok: r.p99 < 100 });
    out.push({ what: `${r.dataset} ${r.endpoint} (${r.role}) no errors`, value: String(r.errors), ok: r.errors === 0 });
  }
  for (const r of rows.filter((x) => x.role === 'rls')) {
    const bypass = find(r.dataset, r.endpoint, 'bypass');
    if (!bypass) continue;
    const ratio = bypass.rps / r.rps;
    out.push({ what: `${r.dataset} ${r.endpoint} RLS overhead (bypass rps / rls rps) <= 1.2`, value: `${f(ratio, 2)}x`, ok: ratio <= 1.2 });
  }
  for (const endpoint of [LIST_FIRST, LIST_PROJECTS]) {
    const small = find('small', endpoint, 'rls');
    const large = find('large', endpoint, 'rls');
    if (!small || !large) continue;
    const ratio = small.rps / large.rps;
    out.push({ what: `${endpoint}: small rps / large rps <= 1.2`, value: `${f(ratio, 2)}x`, ok: ratio <= 1.2 });
  }
  for (const dataset of new Set(rows.map((r) => r.dataset))) {
    const first = find(dataset, LIST_BIG, 'rls');
    const deep = find(dataset, LIST_DEEP, 'rls');
    if (!first || !deep) continue;
    const ratio = first.rps / deep.rps;
    out.push({ what: `${dataset} deep page vs first page of the same projects (rps ratio) <= 1.2`, value: `${f(ratio, 2)}x`, ok: ratio <= 1.2 });
  }
  return out;
}

export const LIST_FIRST = 'GET /projects/:id/tasks';
export const LIST_BIG = 'GET /projects/:id/tasks (biggest projects, page 1)';
export const LIST_PROJECTS = 'GET /projects';
export const LIST_DEEP = 'GET /projects/:id/tasks?cursor= (biggest projects, deep page)';
