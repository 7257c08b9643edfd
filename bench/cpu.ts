import { readdirSync, readFileSync } from 'node:fs';

/**
 * Where the CPU goes (Linux /proc): the app's process, the PostgreSQL backends of the
 * benchmark's database, pgBouncer, and the load generator: this process (autocannon) and
 * the children it has waited for (each wrk run, counted once it exits). On a 2-core
 * machine that runs all four, the sum per request is what bounds throughput. Elsewhere
 * (no /proc) every figure is 0.
 */
export interface CpuSample {
  app: number;
  postgres: number;
  pgbouncer: number;
  loadgen: number;
}

const TICK_MS = 10; // USER_HZ is 100 on Linux

function cmdline(pid: string): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * utime + stime of a process, in milliseconds (0 when it is gone); with `children`, plus
 * cutime + cstime: what its exited, waited-for children spent.
 */
function cpuMs(pid: string | number, children = false): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (children ? own + Number(fields[13]) + Number(fields[14]) : own) * TICK_MS;
  } catch {
    return 0;
  }
}

export interface CpuTargets {
  appPid: number;
  /** Backends show "postgres: <cluster>: <user> <database> ..." in their command line. */
  database: string;
  /** Something unique in pgBouncer's command line (its ini path). */
  bouncerMark: string;
}

/** Per-process totals: a backend that appears during the run counts from zero. */
export function cpuTotals({ appPid, database, bouncerMark }: CpuTargets): Map<string, number> {
  const totals = new Map<string, number>();
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return totals;
  }
  for (const pid of pids) {
    const cmd = cmdline(pid);
    if (cmd.startsWith('postgres: ') && cmd.includes(` ${database} `)) totals.set(`postgres:${pid}`, cpuMs(pid));
    else if (cmd.includes('pgbouncer') && cmd.includes(bouncerMark)) totals.set(`pgbouncer:${pid}`, cpuMs(pid));
  }
  totals.set(`app:${appPid}`, cpuMs(appPid));
  totals.set('loadgen', cpuMs('self', true));
  return totals;
}

/** CPU milliseconds spent between two totals, by component. */
export function cpuBetween(before: Map<string, number>, after: Map<string, number>): CpuSample {
  const spent: CpuSample = { app: 0, postgres: 0, pgbouncer: 0, loadgen: 0 };
  for (const [key, value] of after) {
    const component = key.split(':')[0] as keyof CpuSample;
    spent[component] += value - (before.get(key) ?? 0);
  }
  return spent;
}
