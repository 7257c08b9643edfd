import { expect } from 'chai';
import { asAppUser, owner } from '../support/db';
import { aTenant, aUser, aWorkspace, addWorkspaceMember } from '../support/factories';

describe('membership rules enforced by the database', () => {
  it('keeps the last owner of a workspace from leaving or being demoted', async () => {
    const ownerUser = await aUser();
    const workspace = await aWorkspace(ownerUser);
    const leave = await asAppUser(ownerUser.id, (db) =>
      db.query('DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [workspace.id, ownerUser.id])
        .then(() => undefined, (e) => e));
    expect(leave?.code).to.equal('PM409');
    const demote = await asAppUser(ownerUser.id, (db) =>
      db.query(`UPDATE workspace_members SET role = 'admin' WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, ownerUser.id])
        .then(() => undefined, (e) => e));
    expect(demote?.code).to.equal('PM409');
  });

  it('lets an owner leave once another owner exists', async () => {
    const [first, second] = [await aUser(), await aUser()];
    const workspace = await aWorkspace(first);
    await addWorkspaceMember(workspace.id, second, 'owner');
    const result = await asAppUser(first.id, (db) =>
      db.query('DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 AND role = $3',
        [workspace.id, first.id, 'owner']));
    expect(result.rowCount).to.equal(1);
  });

  it('removes project access with the workspace membership, at the very next statement', async () => {
    const { workspace, member, project, task } = await aTenant();
    const before = await asAppUser(member.id, (db) => db.query('SELECT id FROM tasks WHERE id = $1', [task.id]));
    expect(before.rowCount).to.equal(1);
    await owner().query('DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [workspace.id, member.id]);
    const after = await asAppUser(member.id, (db) => db.query('SELECT id FROM tasks WHERE id = $1', [task.id]));
    expect(after.rowCount).to.equal(0);
    const membership = await owner().query('SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2', [project.id, member.id]);
    expect(membership.rowCount).to.equal(0);
  });

  it('deletes a whole workspace, owners and all, when its owner deletes it', async () => {
    const { workspace, owner: ownerUser } = await aTenant();
    const [deleted, membersLeft] = await asAppUser(ownerUser.id, async (db) => [
      (await db.query('DELETE FROM workspaces WHERE id = $1', [workspace.id])).rowCount,
      (await db.query('SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1', [workspace.id])).rows[0].n,
    ]);
    expect(deleted).to.equal(1);
    expect(membersLeft).to.equal(0);
  });

  it('records who changed what in the audit log, with only the changed columns', async () => {
    const { member, project, task } = await aTenant();
    await owner().query('SELECT 1');
    const events = await asAppUser(member.id, async (db) => {
      await db.query(`UPDATE tasks SET title = 'Renamed by member' WHERE id = $1`, [task.id]);
      return (await db.query(
        `SELECT actor_id, operation, changed_fields, before, after FROM audit_events
          WHERE project_id = $1 AND row_id = $2 AND operation = 'UPDATE'`, [project.id, task.id])).rows;
    });
    expect(events).to.have.length(1);
    expect(events[0].actor_id).to.equal(member.id);
    expect(events[0].changed_fields).to.deep.equal(['title']);
    expect(events[0].after).to.deep.equal({ title: 'Renamed by member' });
  });
});
