import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, writeFileSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A pgBouncer in transaction-pooling mode that the test run starts in front of its
 * database, so every HTTP test goes through the same pooling the product runs behind.
 */
export interface Bouncer {
  port: number;
  logFile: string;
  stop(): Promise<void>;
}

export interface BouncerOptions {
  database: string;
  serverHost: string;
  serverPort: number;
  poolSize: number;
  users: Record<string, string>;
  adminUser: string;
  /** A fixed port (to restart a bouncer where its clients expect it); a free one otherwise. */
  port?: number;
}

function findBinary(): string {
  for (const candidate of ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer']) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v pgbouncer'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('pgbouncer is not installed: the suite needs it (apt-get install -y pgbouncer).');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

// pgBouncer refuses to run as root; on CI machines (root) it runs as the postgres user.
function unprivilegedIds(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      return { uid, gid };
    } catch {
      // try the next one
    }
  }
  throw new Error('running as root and found no unprivileged user to run pgbouncer as');
}

async function waitForPort(port: number, child: ChildProcess, logFile: string): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (child.exitCode !== null) break;
    const open = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1');
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  const log = existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-2000) : '(no log)';
  throw new Error(`pgbouncer did not start on port ${port}:\n${log}`);
}

export async function startBouncer(options: BouncerOptions): Promise<Bouncer> {
  const binary = findBinary();
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  chmodSync(dir, 0o777);
  const port = options.port ?? await freePort();
  const logFile = join(dir, 'pgbouncer.log');
  const userlist = Object.entries(options.users).map(([u, p]) => `"${u}" "${p}"`).join('\n');
  writeFileSync(join(dir, 'userlist.txt'), `${userlist}\n`, { mode: 0o644 });
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `${options.database} = host=${options.serverHost} port=${options.serverPort} dbname=${options.database}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = md5',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    `default_pool_size = ${options.poolSize}`,
    'min_pool_size = 0',
    'reserve_pool_size = 0',
    'max_client_conn = 2000',
    'ignore_startup_parameters = extra_float_digits,options',
    `admin_users = ${options.adminUser}`,
    `stats_users = ${options.adminUser}`,
    `logfile = ${logFile}`,
    'server_lifetime = 3600',
    'server_idle_timeout = 600',
    'server_login_retry = 2',
    '',
  ].join('\n'), { mode: 0o644 });

  const ids = unprivilegedIds();
  const child = spawn(binary, [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(ids ?? {}) });
  await waitForPort(port, child, logFile);

  return {
    port,
    logFile,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        await new Promise((resolve) => {
          const timer = setTimeout(() => { child.kill('SIGKILL'); resolve(undefined); }, 3_000);
          child.once('exit', () => { clearTimeout(timer); resolve(undefined); });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
