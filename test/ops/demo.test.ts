import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { startNodeProcess, type NodeProcess } from '../support/node-process';
import { freePort } from '../support/pgbouncer';

/**
 * `npm run demo` end to end (scripts/demo.ts through ts-node, as npm runs it): an embedded
 * PostgreSQL in a data directory of its own, migrations, seed, the API; then a second start
 * on the same data. As root (CI), this also proves the cluster runs as the postgres user.
 */
async function startDemo(env: Record<string, string>, port: number): Promise<NodeProcess> {
  const demo = startNodeProcess(join('scripts', 'demo.ts'), { LOG_LEVEL: 'warn', ...env, PORT: String(port) });
  const { child, output } = demo;
  const started = Date.now();
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/health`).then((res) => res.ok, () => false);
    if (up) break;
    if (child.exitCode !== null) throw new Error(`the demo exited (${child.exitCode}):\n${output()}`);
    if (Date.now() - started > 120_000) throw new Error(`the demo did not serve /health:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return demo;
}

describe('npm run demo', function () {
  this.timeout(240_000);
  let work: string;
  const running: NodeProcess[] = [];

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-demo-'));
    await chmod(work, 0o755); // as root, the postgres user must get through it
  });
  afterEach(async () => {
    for (const demo of running.splice(0)) if (demo.child.exitCode === null) demo.child.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });

  async function demoEnv(): Promise<Record<string, string>> {
    return { DEMO_DATA_DIR: join(work, '.data'), DEMO_PG_PORT: String(await freePort()) };
  }

  async function run(env: Record<string, string>, port: number): Promise<NodeProcess> {
    const demo = await startDemo(env, port);
    running.push(demo);
    return demo;
  }

  it('starts PostgreSQL, migrates, seeds and serves the API with the banner, then stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const demo = await run(await demoEnv(), port);
    const base = `http://127.0.0.1:${port}`;

    const ready = await fetch(`${base}/ready`);
    const docs = await fetch(`${base}/docs`, { redirect: 'manual' });
    demo.child.kill('SIGTERM');

    expect(ready.status).to.equal(200);
    expect(docs.status).to.equal(200);
    const output = demo.output();
    expect(output).to.contain('Creating a PostgreSQL cluster');
    expect(output).to.contain('Seeded the demo tenants: Acme, Globex, Initech.');
    expect(output).to.contain(`API        http://localhost:${port}`);
    expect(output).to.contain(`Docs       http://localhost:${port}/docs`);
    expect(output).to.match(/alice@acme\.test\s+owner of Acme/);
    expect(output).to.contain('correct-horse-battery-staple');
    // The banner's login sends no CSRF token (login needs none); its write sends the one login answers with.
    const login = output.split('\n').findIndex((line) => line.includes('/auth/login'));
    expect(output.split('\n').slice(login - 1, login + 1).join('\n')).not.to.match(/x-csrf-token/i);
    expect(output).to.match(/-H 'x-csrf-token: <csrfToken>'[^\n]*\n[^\n]*\/workspaces/);
    expect(await demo.exitCode, demo.output()).to.equal(0);
  });

  it('with PORT taken, fails at once, before it creates or starts a PostgreSQL cluster', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as { port: number }).port;
    const env = await demoEnv();
    try {
      const demo = startNodeProcess(join('scripts', 'demo.ts'), { LOG_LEVEL: 'warn', ...env, PORT: String(port) });
      running.push(demo);

      const code = await demo.exitCode;

      expect(code, demo.output()).to.equal(1);
      expect(demo.output()).to.contain(`port ${port} is already in use: stop what listens there, or set PORT`);
      expect(demo.output()).not.to.contain('PostgreSQL');
      expect(existsSync(env.DEMO_DATA_DIR)).to.equal(false);
    } finally {
      taken.close();
    }
  });

  it('reuses the data on the next start: no new cluster, no migration, no second seed, alice can log in', async () => {
    const env = await demoEnv();
    const first = await run(env, await freePort());
    first.child.kill('SIGTERM');
    expect(await first.exitCode, first.output()).to.equal(0);
    const port = await freePort();

    const demo = await run(env, port);
    const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@acme.test', password: 'correct-horse-battery-staple' }),
    });
    // As the README says: a cookie write sends X-CSRF-Token, the value the login answer carries.
    const { csrfToken } = await login.json() as { csrfToken: string };
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const write = (headers: Record<string, string>) => fetch(`http://127.0.0.1:${port}/workspaces`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie, ...headers },
      body: JSON.stringify({ name: 'Readme workspace', slug: `readme-${Date.now()}` }),
    });
    const withoutToken = await write({});
    const withToken = await write({ 'x-csrf-token': csrfToken });
    demo.child.kill('SIGTERM');

    const output = demo.output();
    expect(output).not.to.contain('Creating a PostgreSQL cluster');
    expect(output).to.contain('Migrations: already up to date.');
    expect(output).to.contain('Demo tenants: already seeded.');
    expect(login.status).to.equal(200);
    expect(withoutToken.status).to.equal(403);
    expect(withToken.status, await withToken.text()).to.equal(201);
    expect(await demo.exitCode, demo.output()).to.equal(0);
  });

  it('without Redis, says so and keeps sessions in PostgreSQL: ready, and a cookie login works', async () => {
    const port = await freePort();
    const demo = await run({ ...(await demoEnv()), REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, port);
    const base = `http://127.0.0.1:${port}`;

    const ready = await fetch(`${base}/ready`);
    const login = await fetch(`${base}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'alice@acme.test', password: 'correct-horse-battery-staple' }),
    });
    const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const me = await fetch(`${base}/auth/me`, { headers: { cookie } });
    demo.child.kill('SIGTERM');

    expect(demo.output()).to.match(/WARNING: Redis does not answer at redis:\/\/127\.0\.0\.1:\d+; sessions are kept in PostgreSQL/);
    expect(demo.output().match(/Redis (does|did) not answer|redis unavailable/gi), 'the Redis warning, once').to.have.length(1);
    expect(ready.status).to.equal(200);
    expect(await ready.json()).to.deep.equal({ status: 'ready', checks: { database: 'ok', redis: 'not used' } });
    expect(login.status).to.equal(200);
    expect(cookie).to.match(/(^|; )sid=/);
    expect(me.status).to.equal(200);
    expect(((await me.json()) as { email: string }).email).to.equal('alice@acme.test');
    expect(await demo.exitCode, demo.output()).to.equal(0);
  });
});
