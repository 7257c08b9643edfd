import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { bootstrapDatabase } from '../../src/db/bootstrap';
import { runMigrations } from '../../src/db/migrate';
import { ROLES, uniqueDatabaseName, withDatabase } from './env';
import { freePort } from './pgbouncer';

/**
 * A real PostgreSQL primary and its streaming standby (pg_basebackup -R), in a temporary
 * directory, with the project's roles, database and migrations: for the read-replica tests.
 * Trust authentication on 127.0.0.1 only; the passwords in the URLs are the ones ROLES sets.
 */
export interface StandbyPair {
  /** Superuser URLs (the `postgres` role, database `postgres`). */
  primaryAdminUrl: string;
  standbyAdminUrl: string;
  /** The migrated database, the same on both. */
  database: string;
  /** The owner role (BYPASSRLS) on the primary: arranges data. */
  ownerUrl: string;
  /** The owner role on the standby: inspects what was replayed, past RLS. */
  ownerStandbyUrl: string;
  /** The application role (pm_app) on each server. */
  appPrimaryUrl: string;
  appStandbyUrl: string;
  primaryPort: number;
  standbyPort: number;
  /** Resolves once the standby has replayed everything the primary has written so far. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  /** Stops both servers (fast) and removes the directory; safe to call twice. */
  stop(): Promise<void>;
}

const run = promisify(execFile);
const TOOLS = ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres'];

// PG_BIN_DIR, else the newest server installed the Debian way; never a silent skip.
function binDir(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  const dir = process.env.PG_BIN_DIR ?? (majors.length > 0 ? join(root, majors[0], 'bin') : undefined);
  const missing = dir ? TOOLS.filter((tool) => !existsSync(join(dir, tool))) : TOOLS;
  if (!dir || missing.length > 0) {
    throw new Error(`the standby tests need the PostgreSQL server binaries (${missing.join(', ')} not found in ${dir ?? `${root}/<version>/bin`}): ` +
      'install the postgresql package or set PG_BIN_DIR');
  }
  return dir;
}

// PostgreSQL refuses to run as root: as root, every server command runs as the postgres OS user.
function postgresIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error('running as root and there is no `postgres` OS user to run the standby pair as');
  }
}

// libpq's PG* variables (PGHOST, PGOPTIONS, ...) must not redirect the tools to another server.
function toolEnv(home: string): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG'))), HOME: home };
}

const logTail = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8').slice(-1500) : '(no log)');

export async function startStandbyPair(): Promise<StandbyPair> {
  const bin = binDir();
  const ids = postgresIds();
  const dir = mkdtempSync(join(tmpdir(), 'pm-standby-'));
  if (ids) chownSync(dir, ids.uid, ids.gid);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];

  const tool = async (name: string, args: string[], log?: string): Promise<void> => {
    try {
      await run(join(bin, name), args, { cwd: dir, env: toolEnv(dir), timeout: 60_000, ...(ids ?? {}) });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${name} failed: ${e.stderr || e.message}${log ? `\n${logTail(log)}` : ''}`, { cause: error });
    }
  };
  // Port and socket directory on the command line: the standby's copied postgresql.conf stays shared.
  const start = (dataDir: string, port: number, extra = '') => tool('pg_ctl',
    ['start', '-w', '-t', '30', '-D', dataDir, '-l', `${dataDir}.log`, '-o', `-p ${port} -k ${dir} ${extra}`], `${dataDir}.log`);

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    // Standby first, so the primary's shutdown does not wait on its WAL sender.
    for (const dataDir of [standbyDir, primaryDir]) {
      if (!existsSync(join(dataDir, 'postmaster.pid'))) continue;
      await tool('pg_ctl', ['stop', '-w', '-D', dataDir, '-m', 'fast'])
        .catch(() => tool('pg_ctl', ['stop', '-w', '-D', dataDir, '-m', 'immediate']).catch(() => undefined));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // A run that ends without stop() (a crash, a forgotten after hook) must not leave servers behind.
  function killOnExit(): void {
    for (const dataDir of [standbyDir, primaryDir]) {
      if (!existsSync(join(dataDir, 'postmaster.pid'))) continue;
      try {
        execFileSync(join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'immediate'], { stdio: 'ignore', env: toolEnv(dir), ...(ids ?? {}) });
      } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  process.on('exit', killOnExit);

  const primaryAdminUrl = `postgres://postgres@127.0.0.1:${primaryPort}/postgres`;
  const standbyAdminUrl = `postgres://postgres@127.0.0.1:${standbyPort}/postgres`;
  const waitForReplay = async (timeoutMs = 15_000): Promise<void> => {
    const primary = new Client({ connectionString: primaryAdminUrl });
    const standby = new Client({ connectionString: standbyAdminUrl });
    try {
      await primary.connect();
      await standby.connect();
      const target = (await primary.query('SELECT pg_current_wal_lsn()::text AS lsn')).rows[0].lsn as string;
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { rows } = await standby.query('SELECT pg_last_wal_replay_lsn()::text AS lsn, pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [target]);
        if (rows[0].done) return;
        if (Date.now() > deadline) throw new Error(`the standby replayed up to ${rows[0].lsn}, not ${target}, within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await primary.end().catch(() => undefined);
      await standby.end().catch(() => undefined);
    }
  };

  try {
    // C.UTF-8: the same sort order whatever the machine's LANG; --no-sync: a throwaway cluster.
    await tool('initdb', ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    appendFileSync(join(primaryDir, 'pg_hba.conf'), '\nhost replication all 127.0.0.1/32 trust\n');
    // Speed over durability; wal_level/max_wal_senders are the defaults, stated so a reader sees them.
    appendFileSync(join(primaryDir, 'postgresql.conf'), ['', "listen_addresses = '127.0.0.1'", 'fsync = off',
      'wal_level = replica', 'max_wal_senders = 4', 'hot_standby = on', ''].join('\n'));
    await start(primaryDir, primaryPort);
    // -R writes primary_conninfo + standby.signal; the slot keeps WAL until the standby has streamed it.
    await tool('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', standbyDir,
      '-R', '-X', 'stream', '-C', '-S', 'pm_standby', '-c', 'fast', '--no-sync']);
    await start(standbyDir, standbyPort);

    const database = uniqueDatabaseName('pm_replica');
    await bootstrapDatabase({
      adminUrl: primaryAdminUrl, database,
      ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword,
      appRole: ROLES.app, appPassword: ROLES.appPassword,
    });
    const ownerUrl = withDatabase(primaryAdminUrl, database, ROLES.owner, ROLES.ownerPassword);
    await runMigrations(ownerUrl);
    await waitForReplay(30_000);

    const appStandbyUrl = withDatabase(standbyAdminUrl, database, ROLES.app, ROLES.appPassword);
    // The roles, the database and the schema must be there: the app role logs in and sees the tables.
    const check = new Client({ connectionString: appStandbyUrl });
    await check.connect();
    try {
      const { rows } = await check.query(`SELECT to_regclass('typeorm_migrations') IS NOT NULL AS migrated`);
      if (!rows[0].migrated) throw new Error('the standby has no migrated schema after replay');
    } finally {
      await check.end();
    }

    return {
      primaryAdminUrl, standbyAdminUrl, database, ownerUrl,
      ownerStandbyUrl: withDatabase(standbyAdminUrl, database, ROLES.owner, ROLES.ownerPassword),
      appPrimaryUrl: withDatabase(primaryAdminUrl, database, ROLES.app, ROLES.appPassword),
      appStandbyUrl, primaryPort, standbyPort, waitForReplay, stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
