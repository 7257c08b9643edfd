import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './pgbouncer';

/**
 * A PostgreSQL cluster of the test's own (initdb in a temporary directory, on a free port,
 * trust authentication on 127.0.0.1), so a fault test can stop and restart it without touching
 * the machine's shared server. Runs as the `postgres` OS user when we are root (PostgreSQL
 * refuses to run as root).
 */
const run = promisify(execFile);

// PG_BIN_DIR, else the newest server installed the Debian way (/usr/lib/postgresql/<major>/bin).
function binDir(): string {
  if (process.env.PG_BIN_DIR) return process.env.PG_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  if (majors.length === 0) throw new Error('no PostgreSQL server binaries found: set PG_BIN_DIR (the directory with initdb and pg_ctl)');
  return join(root, majors[0], 'bin');
}

function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

export class ThrowawayPostgres {
  private running = false;
  private constructor(readonly dir: string, readonly port: number, private readonly ids: { uid: number; gid: number } | undefined) {}

  /** The superuser, over TCP (trust): for bootstrapDatabase and for arranging data. */
  get adminUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  get isRunning(): boolean {
    return this.running;
  }

  static async create(): Promise<ThrowawayPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'pm-faults-pg-'));
    const ids = postgresIds();
    if (ids) chownSync(dir, ids.uid, ids.gid);
    const cluster = new ThrowawayPostgres(dir, await freePort(), ids);
    await cluster.pgCommand('initdb', ['-D', cluster.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    await cluster.start();
    return cluster;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  private async pgCommand(binary: string, args: string[]): Promise<void> {
    await run(join(binDir(), binary), args, { cwd: this.dir, timeout: 60_000, ...(this.ids ?? {}) });
  }

  async start(): Promise<void> {
    // fsync off: the data only has to survive a server restart, not a power cut.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.pgCommand('pg_ctl', ['start', '-w', '-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options]);
    this.running = true;
  }

  /** `fast`: what a restart does (sessions are terminated with 57P01, committed work is kept). */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.pgCommand('pg_ctl', ['stop', '-w', '-D', this.dataDir, '-m', mode]);
    this.running = false;
  }

  async destroy(): Promise<void> {
    if (this.running) await this.stop('immediate').catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
