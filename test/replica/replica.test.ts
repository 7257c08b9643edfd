import { expect } from 'chai';
import type { Server } from 'node:http';
import { Client } from 'pg';
import { ACTORS, MATRIX, actorId, attempt, buildFixture, type Fixture } from '../rls/matrix-cases';
import { startTestApp, type TestApp } from '../support/app';
import { closeOwnerPool, owner } from '../support/db';
import { ROLES, setTestEnv, testEnv, type TestEnv } from '../support/env';
import { aProject, aTask, aUser, aWorkspace, addProjectMember, type TestUser } from '../support/factories';
import { startBouncer, type Bouncer } from '../support/pgbouncer';
import { startStandbyPair, type StandbyPair } from '../support/standby';

/**
 * Read replicas (DATABASE_REPLICA_URLS) against a real streaming standby: a pgBouncer in
 * transaction mode in front of the primary and one in front of the standby, 3 server
 * connections each. The file points the run's test env at the pair (factories write on its
 * primary) and gives the run's own env back when it is done. Each bouncer's SHOW STATS
 * counts the transactions it pooled: that is how the tests know which server answered.
 */
const POOL = 3;
const appVia = (bouncer: Bouncer, database: string) =>
  `postgres://${ROLES.app}:${ROLES.appPassword}@127.0.0.1:${bouncer.port}/${database}`;

interface Served { base: string; close(): Promise<void> }
interface Answer { status: number; body: unknown }

async function serve(instance: TestApp): Promise<Served> {
  const server: Server = await new Promise((resolve) => { const s = instance.app.listen(0, '127.0.0.1', () => resolve(s)); });
  const { port } = server.address() as { port: number };
  return {
    base: `http://127.0.0.1:${port}`,
    async close() { server.closeAllConnections(); server.close(); await instance.close(); },
  };
}

async function call(app: Served, method: string, path: string, user?: TestUser, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = user ? { Authorization: `Bearer ${user.token}` } : {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${app.base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** `jobs` run by `workers` concurrent loops (50: every user at once, 1,000s of requests). */
async function concurrently<T>(jobs: T[], workers: number, run: (job: T) => Promise<void>): Promise<void> {
  const queue = [...jobs];
  await Promise.all(Array.from({ length: workers }, async () => {
    for (let job = queue.shift(); job !== undefined; job = queue.shift()) await run(job);
  }));
}

describe('reads served by a streaming standby (DATABASE_REPLICA_URLS)', function () {
  this.timeout(60_000);
  let previous: TestEnv | undefined;
  let pair: StandbyPair | undefined;
  const bouncers: { primary?: Bouncer; standby?: Bouncer } = {};
  let replicaApp: Served;
  let primaryApp: Served;

  const the = (): StandbyPair => {
    if (!pair) throw new Error('the standby pair did not start');
    return pair;
  };
  const bouncer = (server: 'primary' | 'standby'): Bouncer => {
    const found = bouncers[server];
    if (!found) throw new Error(`the ${server} bouncer did not start`);
    return found;
  };

  async function onBouncer<T>(target: Bouncer, sql: string): Promise<T[]> {
    const admin = new Client({ connectionString: `postgres://${ROLES.owner}:${ROLES.ownerPassword}@127.0.0.1:${target.port}/pgbouncer` });
    await admin.connect();
    try {
      return (await admin.query(sql)).rows;
    } finally {
      await admin.end();
    }
  }

  /** Transactions each bouncer pooled while `work` ran. */
  async function counted(work: () => Promise<void>): Promise<{ standby: number; primary: number }> {
    const xacts = async (server: 'primary' | 'standby') => (await onBouncer<{ database: string; total_xact_count: string }>(bouncer(server), 'SHOW STATS'))
      .filter((row) => row.database === the().database).reduce((sum, row) => sum + Number(row.total_xact_count), 0);
    const before = await Promise.all([xacts('standby'), xacts('primary')]);
    await work();
    const after = await Promise.all([xacts('standby'), xacts('primary')]);
    return { standby: after[0] - before[0], primary: after[1] - before[1] };
  }

  /** What each of the standby bouncer's server connections reads for app.current_user_id. */
  async function standbyServerSettings(): Promise<{ servers: number[]; inspected: number[]; settings: string[] }> {
    const servers = (await onBouncer<{ database: string; user: string; remote_pid: string }>(bouncer('standby'), 'SHOW SERVERS'))
      .filter((row) => row.database === the().database && row.user === ROLES.app).map((row) => Number(row.remote_pid));
    // Each client holds a transaction open, so each lands on a server connection of its own.
    const clients = Array.from({ length: POOL }, () => new Client({ connectionString: appVia(bouncer('standby'), the().database) }));
    await Promise.all(clients.map((c) => c.connect()));
    try {
      const rows = await Promise.all(clients.map(async (c) => {
        await c.query('BEGIN');
        return (await c.query(`SELECT pg_backend_pid() AS pid, coalesce(current_setting('app.current_user_id', true), '') AS setting`)).rows[0];
      }));
      await Promise.all(clients.map((c) => c.query('ROLLBACK')));
      const ascending = (a: number, b: number) => a - b;
      return { servers: servers.sort(ascending), inspected: rows.map((r) => Number(r.pid)).sort(ascending), settings: rows.map((r) => r.setting as string) };
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  }

  before(async function () {
    this.timeout(120_000);
    previous = testEnv();
    await closeOwnerPool();
    pair = await startStandbyPair();
    const bounce = (serverPort: number) => startBouncer({
      database: the().database, serverHost: '127.0.0.1', serverPort, poolSize: POOL,
      users: { [ROLES.app]: ROLES.appPassword, [ROLES.owner]: ROLES.ownerPassword }, adminUser: ROLES.owner,
    });
    bouncers.primary = await bounce(pair.primaryPort);
    bouncers.standby = await bounce(pair.standbyPort);
    setTestEnv({
      ...previous, adminUrl: pair.primaryAdminUrl, database: pair.database, ownerUrl: pair.ownerUrl,
      appDirectUrl: pair.appPrimaryUrl, appUrl: appVia(bouncers.primary, pair.database), bouncerPort: bouncers.primary.port,
      bouncerAdminUrl: `postgres://${ROLES.owner}:${ROLES.ownerPassword}@127.0.0.1:${bouncers.primary.port}/pgbouncer`,
    });
    // More app connections than bouncer server connections: requests share the standby's 3.
    const primaryUrl = appVia(bouncers.primary, pair.database);
    replicaApp = await serve(await startTestApp({ databaseUrl: primaryUrl, databaseReplicaUrls: [appVia(bouncers.standby, pair.database)], dbPoolSize: 25 }));
    primaryApp = await serve(await startTestApp({ databaseUrl: primaryUrl, databaseReplicaUrls: [], dbPoolSize: 25 }));
  });

  after(async function () {
    this.timeout(60_000);
    await replicaApp?.close();
    await primaryApp?.close();
    await closeOwnerPool();
    if (previous) setTestEnv(previous);
    await bouncers.primary?.stop();
    await bouncers.standby?.stop();
    await pair?.stop();
  });

  describe('the RLS matrix, SELECT column, on the standby as the application role', () => {
    let fixture: Fixture;
    let client: Client;

    before(async () => {
      fixture = await buildFixture();
      await the().waitForReplay();
      client = new Client({ connectionString: the().appStandbyUrl });
      await client.connect();
      const { rows } = await client.query('SELECT current_user AS who, pg_is_in_recovery() AS standby');
      expect(rows[0]).to.deep.equal({ who: ROLES.app, standby: true });
    });
    after(async () => {
      await client?.end();
    });

    for (const [table, { SELECT: { statement, allowed } }] of Object.entries(MATRIX)) {
      it(`${table} SELECT on the standby: visible to ${allowed.length ? allowed.join(', ') : 'nobody'}; hidden from the rest`, async () => {
        const outcome: Record<string, boolean> = {};
        for (const actor of ACTORS) {
          const userId = actorId(fixture, actor);
          outcome[actor] = await attempt(client, userId, 'SELECT', statement(fixture, userId));
        }
        expect(outcome).to.deep.equal(Object.fromEntries(ACTORS.map((actor) => [actor, allowed.includes(actor)])));
      });
    }
  });

  describe('50 users, 1,000 concurrent reads each way, over the standby bouncer\'s 3 server connections', () => {
    const tenants: Array<{ user: TestUser; projectId: string; taskId: string }> = [];

    before(async () => {
      for (let i = 0; i < 50; i += 1) {
        const user = await aUser();
        const project = await aProject((await aWorkspace(user)).id, user, { visibility: 'private' });
        tenants.push({ user, projectId: project.id, taskId: (await aTask(project, user)).id });
      }
      await the().waitForReplay();
    });

    async function expectStandbyConnectionsAnonymous(): Promise<void> {
      const { servers, inspected, settings } = await standbyServerSettings();
      expect(servers, 'the standby bouncer\'s server connections').to.have.length(POOL);
      expect(inspected, 'the server connections inspected').to.deep.equal(servers);
      expect(settings).to.deep.equal(Array(POOL).fill(''));
    }

    it('serves GET /projects from the standby, each user only their own project, and leaves its connections anonymous', async () => {
      const jobs = Array.from({ length: 1000 }, (_, i) => tenants[i % tenants.length]);
      const served = await counted(() => concurrently(jobs, 50, async (tenant) => {
        const { status, body } = await call(replicaApp, 'GET', '/projects', tenant.user);
        expect(status, JSON.stringify(body)).to.equal(200);
        expect((body as { data: Array<{ id: string }> }).data.map((p) => p.id), `${tenant.user.id} saw another user's rows`)
          .to.deep.equal([tenant.projectId]);
      }));
      expect(served.standby, 'transactions on the standby').to.be.at.least(jobs.length);
      expect(served.primary, 'transactions on the primary (token look-ups only)').to.be.below(jobs.length / 10);
      await expectStandbyConnectionsAnonymous();
    });

    it('serves GET /tasks/:id from the standby: one\'s own task, a 404 for another user\'s, and leaves its connections anonymous', async () => {
      const jobs = Array.from({ length: 1000 }, (_, i) => ({ asker: tenants[i % 50], owner: tenants[(i + (i % 2)) % 50] }));
      const served = await counted(() => concurrently(jobs, 50, async ({ asker, owner: taskOwner }) => {
        const { status, body } = await call(replicaApp, 'GET', `/tasks/${taskOwner.taskId}`, asker.user);
        if (asker === taskOwner) {
          expect(status, JSON.stringify(body)).to.equal(200);
          expect((body as { id: string }).id).to.equal(taskOwner.taskId);
        } else {
          expect(status, `${asker.user.id} read another tenant's task`).to.equal(404);
        }
      }));
      expect(served.standby, 'transactions on the standby').to.be.at.least(jobs.length);
      expect(served.primary, 'transactions on the primary (token look-ups only)').to.be.below(jobs.length / 10);
      await expectStandbyConnectionsAnonymous();
    });
  });

  describe('writes', () => {
    let author: TestUser;
    let project: { id: string; workspaceId: string };

    before(async () => {
      author = await aUser();
      project = await aProject((await aWorkspace(author)).id, author, { visibility: 'private' });
    });

    it('writes a task on the primary and serves it from the standby once replayed', async () => {
      const created = await call(replicaApp, 'POST', `/projects/${project.id}/tasks`, author, { title: 'Written on the primary' });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      const { id } = created.body as { id: string };
      const { rows } = await owner().query('SELECT title FROM tasks WHERE id = $1', [id]);
      expect(rows).to.deep.equal([{ title: 'Written on the primary' }]);

      await the().waitForReplay();
      let read: Answer | undefined;
      const served = await counted(async () => { read = await call(replicaApp, 'GET', `/tasks/${id}`, author); });
      expect(read?.status, JSON.stringify(read?.body)).to.equal(200);
      expect(read?.body).to.include({ id, title: 'Written on the primary' });
      expect(served.standby, 'transactions on the standby').to.be.at.least(1);
    });

    it('sends POST, PATCH and DELETE to the primary only: not one transaction on the standby', async () => {
      const answers: number[] = [];
      const served = await counted(async () => {
        const created = await call(replicaApp, 'POST', `/projects/${project.id}/tasks`, author, { title: 'Short-lived' });
        const { id } = created.body as { id: string };
        answers.push(created.status);
        answers.push((await call(replicaApp, 'PATCH', `/tasks/${id}`, author, { title: 'Renamed' })).status);
        answers.push((await call(replicaApp, 'DELETE', `/tasks/${id}`, author)).status);
      });
      expect(answers).to.deep.equal([201, 200, 204]);
      expect(served.standby, 'transactions on the standby').to.equal(0);
      expect(served.primary, 'transactions on the primary').to.be.at.least(3);
    });
  });

  describe('the same answers with and without a replica', () => {
    type Who = 'anonymous' | 'member' | 'otherTenant';
    const users: Partial<Record<Who, TestUser>> = {};
    const projects: Record<string, { projectId: string; taskId: string }> = {};

    before(async () => {
      const [projectOwner, member, otherTenant] = await Promise.all([aUser(), aUser(), aUser()]);
      Object.assign(users, { member, otherTenant });
      const workspaceId = (await aWorkspace(projectOwner)).id;
      await aProject((await aWorkspace(otherTenant)).id, otherTenant);
      for (const visibility of ['public', 'private'] as const) {
        const project = await aProject(workspaceId, projectOwner, { visibility });
        await addProjectMember(project, member, 'member');
        projects[visibility] = { projectId: project.id, taskId: (await aTask(project, projectOwner)).id };
      }
      await the().waitForReplay();
    });

    const CASES: Array<[visibility: 'public' | 'private', who: Who, status: number, title: string]> = [
      ['public', 'anonymous', 200, 'shows a public project\'s tasks to an anonymous reader on the replica as on the primary'],
      ['public', 'member', 200, 'shows a public project\'s tasks to a member on the replica as on the primary'],
      ['public', 'otherTenant', 200, 'shows a public project\'s tasks to another tenant on the replica as on the primary'],
      ['private', 'anonymous', 404, 'hides a private project\'s tasks from an anonymous reader on the replica as on the primary'],
      ['private', 'member', 200, 'shows a private project\'s tasks to a member on the replica as on the primary'],
      ['private', 'otherTenant', 404, 'hides another tenant\'s task on the replica as on the primary'],
    ];

    for (const [visibility, who, status, title] of CASES) {
      it(title, async () => {
        const { projectId, taskId } = projects[visibility];
        for (const path of [`/projects/${projectId}/tasks`, `/tasks/${taskId}`]) {
          let onReplica: Answer | undefined;
          const replicaServed = await counted(async () => { onReplica = await call(replicaApp, 'GET', path, users[who]); });
          let onPrimary: Answer | undefined;
          const primaryServed = await counted(async () => { onPrimary = await call(primaryApp, 'GET', path, users[who]); });
          expect(onReplica, `GET ${path} as ${who}`).to.deep.equal(onPrimary);
          expect(onReplica?.status, `GET ${path} as ${who}: ${JSON.stringify(onReplica?.body)}`).to.equal(status);
          expect(replicaServed.standby, `GET ${path} through the replica app, on the standby`).to.be.at.least(1);
          expect(primaryServed.standby, `GET ${path} through the app without replicas, on the standby`).to.equal(0);
        }
      });
    }
  });
});
