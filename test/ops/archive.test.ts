import { expect } from 'chai';
import { archiveInactive } from '../../scripts/ops/archive';
import { owner } from '../support/db';
import { testEnv, withDatabase } from '../support/env';
import { aDocument, aProject, aTask, aTenant, aUser } from '../support/factories';
import { withClient } from '../support/ops-factories';

// Moves a project's whole history `days` into the past. As a superuser with triggers off
// (session_replication_role), since the updated_at triggers would otherwise stamp now().
async function backdateProject(projectId: string, days: number): Promise<void> {
  const { adminUrl, database } = testEnv();
  await withClient(withDatabase(adminUrl, database), async (client) => {
    await client.query('BEGIN');
    await client.query(`SET LOCAL session_replication_role = replica`);
    const ago = `now() - make_interval(days => ${Number(days)})`;
    await client.query(`UPDATE projects SET created_at = ${ago}, updated_at = ${ago} WHERE id = $1`, [projectId]);
    await client.query(`UPDATE tasks SET created_at = ${ago}, updated_at = ${ago} WHERE project_id = $1`, [projectId]);
    await client.query(`UPDATE documents SET created_at = ${ago}, updated_at = ${ago} WHERE project_id = $1`, [projectId]);
    await client.query(`UPDATE audit_events SET created_at = ${ago} WHERE project_id = $1`, [projectId]);
    await client.query('COMMIT');
  });
}

async function projectState(id: string): Promise<{ status: string; archived: boolean }> {
  const { rows } = await owner().query(`SELECT status, archived_at IS NOT NULL AS archived FROM projects WHERE id = $1`, [id]);
  return rows[0];
}

async function aSession(userId: string, expiresInMinutes: number): Promise<string> {
  const { rows } = await owner().query(
    `INSERT INTO user_sessions (user_id, session_token, expires_at)
     VALUES ($1, md5(random()::text), now() + make_interval(mins => $2)) RETURNING id`,
    [userId, expiresInMinutes],
  );
  return rows[0].id;
}

describe('db:archive', () => {
  it('archives a project with no activity for longer than the threshold, and records it in the audit log', async () => {
    const { owner: user, project } = await aTenant();
    await aDocument(project, user);
    await backdateProject(project.id, 100);

    const result = await archiveInactive(testEnv().ownerUrl, { inactiveDays: 90 });

    expect(result.archivedProjects.map((p) => p.id)).to.include(project.id);
    expect(await projectState(project.id)).to.deep.equal({ status: 'archived', archived: true });
    const { rows } = await owner().query(
      `SELECT actor_id, changed_fields FROM audit_events WHERE row_id = $1 AND operation = 'UPDATE'`, [project.id]);
    expect(rows).to.have.length(1);
    expect(rows[0].actor_id).to.equal(null);
    expect(rows[0].changed_fields).to.include.members(['status', 'archived_at']);
  });

  it('keeps a project whose own row is old but which has a recently changed task', async () => {
    const { owner: user, workspace } = await aTenant();
    const project = await aProject(workspace.id, user);
    await backdateProject(project.id, 100);
    await aTask(project, user); // fresh activity

    const result = await archiveInactive(testEnv().ownerUrl, { inactiveDays: 90 });

    expect(result.archivedProjects.map((p) => p.id)).not.to.include(project.id);
    expect(await projectState(project.id)).to.deep.equal({ status: 'active', archived: false });
  });

  it('keeps a project that was active within the threshold', async () => {
    const { project } = await aTenant();
    await backdateProject(project.id, 20);

    await archiveInactive(testEnv().ownerUrl, { inactiveDays: 30 });

    expect(await projectState(project.id)).to.deep.equal({ status: 'active', archived: false });
  });

  it('changes nothing in a dry run, yet reports what it would archive', async () => {
    const { project } = await aTenant();
    await backdateProject(project.id, 400);

    const result = await archiveInactive(testEnv().ownerUrl, { inactiveDays: 365, dryRun: true });

    expect(result.archivedProjects.map((p) => p.id)).to.include(project.id);
    expect(await projectState(project.id)).to.deep.equal({ status: 'active', archived: false });
  });

  it('purges sessions past their expiry and keeps live ones', async () => {
    const user = await aUser();
    const expired = await aSession(user.id, -5);
    const live = await aSession(user.id, 60);

    const result = await archiveInactive(testEnv().ownerUrl, { inactiveDays: 365 });

    expect(result.purgedSessions).to.be.at.least(1);
    const { rows } = await owner().query(`SELECT id FROM user_sessions WHERE id = ANY ($1)`, [[expired, live]]);
    expect(rows.map((row) => row.id)).to.deep.equal([live]);
  });

  it('rejects a threshold that is not a whole number of days', async () => {
    const error = await archiveInactive(testEnv().ownerUrl, { inactiveDays: 0 }).catch((e: Error) => e);
    expect((error as Error).message).to.match(/whole number/);
  });
});
