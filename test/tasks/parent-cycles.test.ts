import { expect } from 'chai';
import { Client } from 'pg';
import { api } from '../support/app';
import { beginAs, owner, waitUntilBlocked } from '../support/db';
import { testEnv } from '../support/env';
import { aTask, aTenant, auth } from '../support/factories';

/**
 * Subtasks never form a cycle, and the database is what guarantees it: a check the
 * application makes before its UPDATE cannot see another transaction's uncommitted change,
 * so two requests making A the parent of B and B the parent of A would both pass it.
 */
const SET_PARENT = 'UPDATE tasks SET parent_task_id = $1 WHERE id = $2';

async function hasParentCycle(ids: string[]): Promise<boolean> {
  const { rows } = await owner().query(
    `WITH RECURSIVE up (start, id, depth) AS (
       SELECT t.id, t.parent_task_id, 1 FROM tasks t WHERE t.id = ANY ($1::uuid[]) AND t.parent_task_id IS NOT NULL
       UNION ALL
       SELECT up.start, t.parent_task_id, up.depth + 1 FROM up JOIN tasks t ON t.id = up.id
        WHERE t.parent_task_id IS NOT NULL AND up.depth < 100)
     SELECT 1 FROM up WHERE id = start LIMIT 1`, [ids]);
  return rows.length > 0;
}

describe('subtask cycles under concurrency', () => {
  it('makes the second of two concurrent transactions (A under B, B under A) wait, then refuses it', async () => {
    const { member, project } = await aTenant();
    for (let round = 0; round < 5; round += 1) {
      const [a, b] = [await aTask(project, member), await aTask(project, member)];
      const first = new Client({ connectionString: testEnv().appDirectUrl });
      const second = new Client({ connectionString: testEnv().appDirectUrl });
      await Promise.all([first.connect(), second.connect()]);
      try {
        for (const client of [first, second]) await beginAs(client, member.id);
        await first.query(SET_PARENT, [b.id, a.id]);
        const secondUpdate = second.query(SET_PARENT, [a.id, b.id])
          .then(() => second.query('COMMIT')).then(() => 'committed', (e: { code?: string }) => e.code);
        // The second must wait for the first (one lock per workspace), not decide on its own.
        await waitUntilBlocked((second as unknown as { processID: number }).processID);
        await first.query('COMMIT');
        expect(await secondUpdate).to.equal('PM409');
        expect(await hasParentCycle([a.id, b.id])).to.equal(false);
      } finally {
        await first.end();
        await second.query('ROLLBACK').catch(() => undefined);
        await second.end();
      }
    }
  });

  it('refuses the same race over a longer loop (A under B, B under C, C under A at once)', async () => {
    const { member, project } = await aTenant();
    const [a, b, c] = [await aTask(project, member), await aTask(project, member), await aTask(project, member)];
    await owner().query(SET_PARENT, [b.id, a.id]); // A under B, committed
    const first = new Client({ connectionString: testEnv().appDirectUrl });
    const second = new Client({ connectionString: testEnv().appDirectUrl });
    await Promise.all([first.connect(), second.connect()]);
    try {
      for (const client of [first, second]) await beginAs(client, member.id);
      await first.query(SET_PARENT, [c.id, b.id]); // B under C
      const secondUpdate = second.query(SET_PARENT, [a.id, c.id]) // C under A: closes A -> B -> C -> A
        .then(() => second.query('COMMIT')).then(() => 'committed', (e: { code?: string }) => e.code);
      await waitUntilBlocked((second as unknown as { processID: number }).processID);
      await first.query('COMMIT');
      expect(await secondUpdate).to.equal('PM409');
      expect(await hasParentCycle([a.id, b.id, c.id])).to.equal(false);
    } finally {
      await first.end();
      await second.query('ROLLBACK').catch(() => undefined);
      await second.end();
    }
  });

  it('answers one of two concurrent PATCHes (A under B, B under A) 409 and leaves no cycle', async () => {
    const { member, project } = await aTenant();
    for (let round = 0; round < 10; round += 1) {
      const [a, b] = [await aTask(project, member), await aTask(project, member)];
      const [one, two] = await Promise.all([
        (await api()).patch(`/tasks/${a.id}`).set(auth(member)).send({ parentTaskId: b.id }),
        (await api()).patch(`/tasks/${b.id}`).set(auth(member)).send({ parentTaskId: a.id }),
      ]);
      expect([one.status, two.status].sort(), JSON.stringify([one.body, two.body])).to.deep.equal([200, 409]);
      expect(await hasParentCycle([a.id, b.id])).to.equal(false);
    }
  });
});
