import { expect } from 'chai';
import { Client } from 'pg';
import { asAppUser, beginAs, waitUntilBlocked } from '../support/db';
import { testEnv } from '../support/env';
import { aTask, aTenant } from '../support/factories';

async function link(userId: string, workspaceId: string, from: string, to: string): Promise<string | undefined> {
  return asAppUser(userId, (db) =>
    db.query('INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)', [workspaceId, from, to])
      .then(async () => { await db.query('COMMIT'); return undefined; }, (e) => e.code));
}

describe('task dependency cycle guard', () => {
  it('refuses a direct cycle (A -> B, then B -> A)', async () => {
    const { workspace, member, project } = await aTenant();
    const [a, b] = [await aTask(project, member), await aTask(project, member)];
    expect(await link(member.id, workspace.id, a.id, b.id)).to.equal(undefined);
    expect(await link(member.id, workspace.id, b.id, a.id)).to.equal('PM409');
  });

  it('refuses an indirect cycle (A -> B -> C, then C -> A) and allows a diamond', async () => {
    const { workspace, member, project } = await aTenant();
    const [a, b, c, d] = await Promise.all([1, 2, 3, 4].map(() => aTask(project, member)));
    expect(await link(member.id, workspace.id, a.id, b.id)).to.equal(undefined);
    expect(await link(member.id, workspace.id, b.id, c.id)).to.equal(undefined);
    expect(await link(member.id, workspace.id, c.id, a.id)).to.equal('PM409');
    expect(await link(member.id, workspace.id, a.id, d.id)).to.equal(undefined);
    expect(await link(member.id, workspace.id, d.id, c.id)).to.equal(undefined);
  });

  it('refuses a self-dependency', async () => {
    const { workspace, member, project } = await aTenant();
    const a = await aTask(project, member);
    // The cycle trigger (PM409) runs before the seed's CHECK (23514): either refusal is right.
    expect(['PM409', '23514']).to.include(await link(member.id, workspace.id, a.id, a.id));
  });

  it('lets only one of two concurrent transactions adding A -> B and B -> A commit', async () => {
    const { workspace, member, project } = await aTenant();
    for (let round = 0; round < 5; round += 1) {
      const [a, b] = [await aTask(project, member), await aTask(project, member)];
      const first = new Client({ connectionString: testEnv().appDirectUrl });
      const second = new Client({ connectionString: testEnv().appDirectUrl });
      await Promise.all([first.connect(), second.connect()]);
      try {
        for (const client of [first, second]) await beginAs(client, member.id);
        // Both inserts are issued before either commits.
        await first.query('INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)', [workspace.id, a.id, b.id]);
        const secondInsert = second
          .query('INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)', [workspace.id, b.id, a.id])
          .then(() => second.query('COMMIT')).then(() => 'committed', (e) => e.code);
        // Commit the first only once the second is really waiting for it (the advisory lock).
        await waitUntilBlocked((second as unknown as { processID: number }).processID);
        await first.query('COMMIT');
        expect(await secondInsert).to.equal('PM409');
      } finally {
        // Ending the first releases anything the second still waits for.
        await first.end();
        await second.query('ROLLBACK').catch(() => undefined);
        await second.end();
      }
    }
  });

  it('refuses to make a task the subtask of its own subtask', async () => {
    const { member, project } = await aTenant();
    const parent = await aTask(project, member);
    const child = await aTask(project, member, { parentTaskId: parent.id });
    const grandchild = await aTask(project, member, { parentTaskId: child.id });
    const error = await asAppUser(member.id, (db) =>
      db.query('UPDATE tasks SET parent_task_id = $1 WHERE id = $2', [grandchild.id, parent.id]).then(() => undefined, (e) => e));
    expect(error?.code).to.equal('PM409');
  });
});
