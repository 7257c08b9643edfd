import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { join } from 'node:path';
import { expect } from 'chai';
import { owner } from '../support/db';
import { testEnv } from '../support/env';
import { aUser } from '../support/factories';
import { startNodeProcess, type NodeProcess } from '../support/node-process';
import { freePort } from '../support/pgbouncer';

/**
 * The real server process (src/server.ts as `npm start` runs it, through ts-node), on the
 * run's pgBouncer and Redis: how it shuts down on SIGTERM and what it writes to its log.
 */
interface ServerProcess extends NodeProcess {
  port: number;
}

async function startServerProcess(env: Record<string, string> = {}): Promise<ServerProcess> {
  const { appUrl, ownerUrl, redisUrl, database } = testEnv();
  const port = await freePort();
  const server = startNodeProcess(join('src', 'server.ts'), {
    NODE_ENV: 'test', PORT: String(port), LOG_LEVEL: 'info',
    DATABASE_URL: appUrl, MIGRATION_DATABASE_URL: ownerUrl, REDIS_URL: redisUrl,
    SESSION_SECRET: 'server-process-test-secret-long-enough-0123', UPLOAD_DIR: `/tmp/pm-test-uploads-${database}`,
    ...env,
  });
  const { child, output } = server;
  const started = Date.now();
  while (!output().includes('"msg":"listening"')) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output()}`);
    if (Date.now() - started > 30_000) throw new Error(`the server did not start:\n${output()}`);
    await sleep(100);
  }
  return { ...server, port };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A POST whose body arrives in two parts, so the request is in flight for as long as we like. */
function slowPost(port: number, path: string, headers: Record<string, string>, body: string, agent: Agent | false = false) {
  const req: ClientRequest = request({
    port, host: '127.0.0.1', method: 'POST', path, agent,
    headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res: IncomingMessage) => {
      let text = '';
      res.on('data', (chunk: Buffer) => { text += chunk.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  response.catch(() => undefined);
  const half = Math.floor(body.length / 2);
  req.write(body.slice(0, half));
  req.flushHeaders();
  return { response, finish: () => req.end(body.slice(half)) };
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });
}

describe('the server process', function () {
  this.timeout(60_000);
  const running: ServerProcess[] = [];
  afterEach(() => {
    for (const server of running.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('on SIGTERM, refuses new connections, finishes the request in flight (its write committed) and exits 0', async () => {
    const server = await startServerProcess();
    running.push(server);
    const user = await aUser();
    const slug = `graceful-${Date.now()}`;
    const inFlight = slowPost(server.port, '/workspaces', { Authorization: `Bearer ${user.token}` },
      JSON.stringify({ name: 'Graceful shutdown', slug }));
    await sleep(300);

    server.child.kill('SIGTERM');
    await sleep(500);
    const acceptsNewConnections = await connects(server.port);
    inFlight.finish();

    const response = await inFlight.response;
    expect(acceptsNewConnections).to.equal(false);
    expect(response.status, response.body).to.equal(201);
    expect(await server.exitCode).to.equal(0);
    const { rows } = await owner().query(`SELECT owner_id FROM workspaces WHERE slug = $1`, [slug]);
    expect(rows).to.deep.equal([{ owner_id: user.id }]);
    expect(server.output()).to.contain('"msg":"stopped"');
  });

  it('on SIGTERM, closes a keep-alive connection as soon as its request in flight is answered, without waiting for the deadline', async () => {
    const server = await startServerProcess({ SHUTDOWN_TIMEOUT_MS: '8000' });
    running.push(server);
    const user = await aUser();
    const keepAlive = new Agent({ keepAlive: true });
    const inFlight = slowPost(server.port, '/workspaces', { Authorization: `Bearer ${user.token}` },
      JSON.stringify({ name: 'Kept alive', slug: `kept-alive-${Date.now()}` }), keepAlive);
    await sleep(300);
    server.child.kill('SIGTERM');
    await sleep(300);

    inFlight.finish();
    const answered = Date.now();
    const response = await inFlight.response;
    const code = await server.exitCode;

    keepAlive.destroy();
    expect(response.status, response.body).to.equal(201);
    expect(code).to.equal(0);
    expect(Date.now() - answered).to.be.below(3_000);
    expect(server.output()).not.to.contain('shutdown deadline reached');
  });

  it('on SIGTERM, cuts a request that never completes at the shutdown deadline and still exits 0', async () => {
    const server = await startServerProcess({ SHUTDOWN_TIMEOUT_MS: '1000' });
    running.push(server);
    const stalled = slowPost(server.port, '/workspaces', {}, JSON.stringify({ name: 'never finished', slug: 'never-finished' }));
    await sleep(300);
    const signalled = Date.now();

    server.child.kill('SIGTERM');

    expect(await server.exitCode).to.equal(0);
    expect(Date.now() - signalled).to.be.within(900, 5_000);
    expect(await stalled.response.then(() => 'answered', () => 'cut')).to.equal('cut');
    expect(server.output()).to.contain('shutdown deadline reached');
  });

  it('logs one line per request with its request id, and never a password, token or cookie', async () => {
    const server = await startServerProcess({ LOG_LEVEL: 'debug' });
    running.push(server);
    const user = await aUser();
    const base = `http://127.0.0.1:${server.port}`;

    const traced = await fetch(`${base}/workspaces`, {
      headers: { Authorization: `Bearer ${user.token}`, Cookie: 'sid=s%3Asecret-cookie-value', 'X-Request-Id': 'trace-abc-123' },
    });
    const untraced = await fetch(`${base}/health`, { headers: { 'X-Request-Id': 'not a valid id\twith tabs' } });
    await fetch(`${base}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: user.email, password: 'a-password-that-must-not-be-logged' }),
    });
    server.child.kill('SIGTERM');
    await server.exitCode;

    expect(traced.headers.get('x-request-id')).to.equal('trace-abc-123');
    expect(untraced.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    const lines = server.output().split('\n').filter((line) => line.includes('"req":'));
    expect(lines.some((line) => line.includes('"id":"trace-abc-123"') && line.includes('"url":"/workspaces"'))).to.equal(true);
    expect(lines.some((line) => line.includes(untraced.headers.get('x-request-id')!))).to.equal(true);
    const log = server.output();
    for (const secret of [user.token, 'secret-cookie-value', 'a-password-that-must-not-be-logged']) {
      expect(log, secret).not.to.contain(secret);
    }
  });
});
