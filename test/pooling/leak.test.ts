import { expect } from 'chai';
import type { Server } from 'node:http';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildApp } from '../../src/app';
import { appDataSourceOptions } from '../../src/db/options';
import { tenantTransactions, type WithTenant } from '../../src/db/tenant';
import { startTestApp, type TestApp } from '../support/app';
import { ROLES, testEnv } from '../support/env';
import { aProject, aTask, aUser, aWorkspace, type TestUser } from '../support/factories';
import { startBouncer, type Bouncer } from '../support/pgbouncer';

/**
 * Isolation under pgBouncer transaction pooling. The app's pool is larger than pgBouncer's
 * 5 server connections, so the requests of 50 users are multiplexed over the same few
 * PostgreSQL sessions. Afterwards every server connection must read an empty user id.
 */
interface Tenant {
  user: TestUser;
  workspaceId: string;
  projectId: string;
}

async function aTenantOfOne(): Promise<Tenant> {
  const user = await aUser();
  const workspace = await aWorkspace(user);
  const project = await aProject(workspace.id, user, { visibility: 'private' });
  return { user, workspaceId: workspace.id, projectId: project.id };
}

async function listen(instance: TestApp | { app: ReturnType<typeof buildApp> }): Promise<{ server: Server; base: string }> {
  return new Promise((resolve) => {
    const server = instance.app.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      resolve({ server, base: `http://127.0.0.1:${port}` });
    });
  });
}

/**
 * What each of `connections` concurrent server connections behind the bouncer reads for
 * app.current_user_id. Each client holds a transaction open so they land on distinct
 * server connections.
 */
async function serverConnectionSettings(bouncerUrl: string, connections: number): Promise<{ pids: Set<number>; settings: string[] }> {
  const clients = Array.from({ length: connections }, () => new Client({ connectionString: bouncerUrl }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const rows = await Promise.all(clients.map(async (c) => {
      await c.query('BEGIN');
      return (await c.query(`SELECT pg_backend_pid() AS pid, coalesce(current_setting('app.current_user_id', true), '') AS setting`)).rows[0];
    }));
    await Promise.all(clients.map((c) => c.query('ROLLBACK')));
    return { pids: new Set(rows.map((r) => r.pid)), settings: rows.map((r) => r.setting) };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

describe('tenant isolation under pgBouncer transaction pooling', function () {
  this.timeout(180_000);

  it('serves 2,000 concurrent requests of 50 users with only their own rows, and leaves every server connection anonymous', async () => {
    const tenants: Tenant[] = [];
    for (let i = 0; i < 50; i += 1) tenants.push(await aTenantOfOne());
    const instance = await startTestApp({ dbPoolSize: 25 });
    const { server, base } = await listen(instance);
    try {
      const queue = Array.from({ length: 2000 }, (_, i) => tenants[i % tenants.length]);
      let served = 0;
      const worker = async () => {
        for (let tenant = queue.shift(); tenant; tenant = queue.shift()) {
          const res = await fetch(`${base}/projects`, { headers: { Authorization: `Bearer ${tenant.user.token}` } });
          expect(res.status, await res.clone().text()).to.equal(200);
          const body = (await res.json()) as { data: Array<{ id: string; workspaceId: string }> };
          expect(body.data.map((p) => p.id), `${tenant.user.id} saw another user's rows`).to.deep.equal([tenant.projectId]);
          served += 1;
        }
      };
      await Promise.all(Array.from({ length: 50 }, worker));
      expect(served).to.equal(2000);

      const { pids, settings } = await serverConnectionSettings(testEnv().appUrl, 5);
      expect(pids.size, 'distinct server connections inspected').to.equal(5);
      expect(settings).to.deep.equal(['', '', '', '', '']);
    } finally {
      server.close();
      await instance.close();
    }
  });

  it('reads tasks through app_task()\'s kept plan for 50 users over 5 server connections: each gets their own, a 404 for the others\'', async () => {
    const tenants: Array<Tenant & { taskId: string }> = [];
    for (let i = 0; i < 50; i += 1) {
      const tenant = await aTenantOfOne();
      const task = await aTask({ id: tenant.projectId, workspaceId: tenant.workspaceId }, tenant.user);
      tenants.push({ ...tenant, taskId: task.id });
    }
    const instance = await startTestApp({ dbPoolSize: 25 });
    const { server, base } = await listen(instance);
    try {
      // Each user asks for their own task and for the next user's, on the same few server
      // connections, well past the five calls after which PL/pgSQL keeps a generic plan.
      const queue = Array.from({ length: 1000 }, (_, i) => {
        const asker = tenants[i % tenants.length];
        return { asker, owner: i % 2 === 0 ? asker : tenants[(i + 1) % tenants.length] };
      });
      let served = 0;
      const worker = async () => {
        for (let next = queue.shift(); next; next = queue.shift()) {
          const { asker, owner } = next;
          const res = await fetch(`${base}/tasks/${owner.taskId}`, { headers: { Authorization: `Bearer ${asker.user.token}` } });
          const body = (await res.json()) as { id?: string };
          if (asker === owner) {
            expect(res.status, JSON.stringify(body)).to.equal(200);
            expect(body.id).to.equal(owner.taskId);
          } else {
            expect(res.status, `${asker.user.id} read another tenant's task`).to.equal(404);
          }
          served += 1;
        }
      };
      await Promise.all(Array.from({ length: 50 }, worker));
      expect(served).to.equal(1000);
    } finally {
      server.close();
      await instance.close();
    }
  });

  describe('the leak detector itself', () => {
    let bouncer: Bouncer;
    let bouncerUrl: string;

    before(async () => {
      const server = new URL(testEnv().adminUrl);
      // One server connection: whatever one request leaves behind, the next one inherits.
      bouncer = await startBouncer({
        database: testEnv().database, serverHost: server.hostname, serverPort: Number(server.port || 5432),
        poolSize: 1, users: { [ROLES.app]: ROLES.appPassword }, adminUser: ROLES.app,
      });
      bouncerUrl = `postgres://${ROLES.app}:${ROLES.appPassword}@127.0.0.1:${bouncer.port}/${testEnv().database}`;
    });
    after(async () => {
      await bouncer?.stop();
    });

    /** The app with a tenant runner that makes the setting session-level: the bug to catch. */
    function withSessionLevelSet(dataSource: DataSource): WithTenant {
      return async (actor, work) => {
        const userId = typeof actor === 'string' ? actor : actor?.id ?? null;
        const runner = dataSource.createQueryRunner();
        await runner.connect();
        try {
          await runner.startTransaction();
          await runner.query(`SELECT set_config('app.current_user_id', $1, false)`, [userId ?? '']);
          const result = await work(runner.manager);
          await runner.commitTransaction();
          return result;
        } finally {
          await runner.release();
        }
      };
    }

    async function appOn(runner: (ds: DataSource) => WithTenant) {
      const base = await startTestApp();
      const dataSource = new DataSource(appDataSourceOptions(bouncerUrl, 4, 10_000));
      await dataSource.initialize();
      const app = buildApp({ ...base.deps, dataSource, withTenant: runner(dataSource) });
      return { app, close: async () => { await dataSource.destroy(); await base.close(); } };
    }

    it('catches a session-level setting: the next user of the connection inherits it', async () => {
      const victim = await aTenantOfOne();
      const broken = await appOn(withSessionLevelSet);
      const { server, base } = await listen(broken);
      try {
        const own = await fetch(`${base}/projects`, { headers: { Authorization: `Bearer ${victim.user.token}` } });
        expect(own.status).to.equal(200);
        const { settings } = await serverConnectionSettings(bouncerUrl, 1);
        expect(settings, 'the detector sees the id left on the server connection').to.deep.equal([victim.user.id]);
        // An anonymous read on that connection now sees the victim's private project.
        const leaked = await new Client({ connectionString: bouncerUrl });
        await leaked.connect();
        const { rowCount } = await leaked.query('SELECT 1 FROM projects WHERE id = $1', [victim.projectId]);
        await leaked.end();
        expect(rowCount, 'the leak is real').to.equal(1);
      } finally {
        server.close();
        await broken.close();
      }
    });

    it('finds nothing left behind by the real, transaction-local tenant runner on the same single connection', async () => {
      const tenant = await aTenantOfOne();
      // Clean the connection the previous test dirtied on purpose.
      const reset = new Client({ connectionString: bouncerUrl });
      await reset.connect();
      await reset.query(`SELECT set_config('app.current_user_id', '', false)`);
      await reset.end();

      const correct = await appOn(tenantTransactions);
      const { server, base } = await listen(correct);
      try {
        const own = await fetch(`${base}/projects`, { headers: { Authorization: `Bearer ${tenant.user.token}` } });
        expect(own.status).to.equal(200);
        const { settings } = await serverConnectionSettings(bouncerUrl, 1);
        expect(settings).to.deep.equal(['']);
      } finally {
        server.close();
        await correct.close();
      }
    });
  });
});
