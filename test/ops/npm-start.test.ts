import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { testEnv } from '../support/env';
import { freePort } from '../support/pgbouncer';

/**
 * `npm start` as an operator or a process manager runs it: npm is the process that gets the
 * signal. The build goes to a directory of its own (the repository's dist/ is left alone),
 * beside a copy of package.json, so `npm start` there runs exactly the script the repository has.
 */
const root = join(__dirname, '..', '..');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start', function () {
  this.timeout(180_000);
  let work: string;
  let npm: ChildProcess | undefined;
  let serverPid: number | undefined;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-npm-start-'));
    // tsc emits even when another file has a type error; the test needs only the server to run.
    await new Promise<void>((resolve) => {
      execFile(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'),
        '--outDir', join(work, 'dist')], { cwd: root }, () => resolve());
    });
    await stat(join(work, 'dist', 'src', 'server.js'));
    await copyFile(join(root, 'package.json'), join(work, 'package.json'));
    await symlink(join(root, 'node_modules'), join(work, 'node_modules'), 'dir');
  });
  after(() => rm(work, { recursive: true, force: true }));
  afterEach(() => {
    // Never leave a server behind, whatever the test saw.
    if (serverPid && alive(serverPid)) process.kill(serverPid, 'SIGKILL');
    if (npm?.exitCode === null) npm.kill('SIGKILL');
  });

  it('passes SIGTERM to the server, which shuts down gracefully: npm exits 0 and no node process is left', async () => {
    const { appUrl, redisUrl, database } = testEnv();
    const port = await freePort();
    npm = spawn('npm', ['start'], {
      cwd: work,
      env: {
        ...process.env, NODE_ENV: 'test', PORT: String(port), LOG_LEVEL: 'info', DATABASE_URL: appUrl, REDIS_URL: redisUrl,
        SESSION_SECRET: 'npm-start-test-secret-that-is-long-enough', UPLOAD_DIR: `/tmp/pm-test-uploads-${database}`,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    npm.stderr?.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    const npmExit = new Promise<number | null>((resolve) => npm?.once('exit', (code) => resolve(code)));
    const started = Date.now();
    const listening = () => /"pid":(\d+).*"msg":"listening"/.exec(output);
    while (!listening()) {
      if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}):\n${output}`);
      if (Date.now() - started > 60_000) throw new Error(`the server did not start:\n${output}`);
      await sleep(100);
    }
    serverPid = Number(listening()?.[1]);
    expect(serverPid).not.to.equal(npm.pid);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).to.equal(200);

    npm.kill('SIGTERM');
    const code = await Promise.race([npmExit, sleep(20_000).then(() => 'still running')]);
    for (let i = 0; i < 50 && alive(serverPid); i++) await sleep(100);

    expect(alive(serverPid), 'the node server outlived npm').to.equal(false);
    expect(output).to.contain('"msg":"shutting down: no new connections, finishing requests in flight"');
    expect(output).to.contain('"msg":"stopped"');
    expect(code, output).to.equal(0);
  });
});
