import { expect } from 'chai';
import { Client } from 'pg';
import { asAppUser } from '../support/db';
import { testEnv } from '../support/env';
import { aProject, aTask, aUser, aWorkspace } from '../support/factories';

describe('anonymous access under RLS', () => {
  it('shows an anonymous user public projects and their tasks, and nothing private or internal', async () => {
    const ownerUser = await aUser();
    const workspace = await aWorkspace(ownerUser);
    const publicProject = await aProject(workspace.id, ownerUser, { visibility: 'public' });
    const internalProject = await aProject(workspace.id, ownerUser, { visibility: 'internal' });
    const privateProject = await aProject(workspace.id, ownerUser, { visibility: 'private' });
    const publicTask = await aTask(publicProject, ownerUser);
    await aTask(internalProject, ownerUser);
    await aTask(privateProject, ownerUser);

    const ids = [publicProject.id, internalProject.id, privateProject.id];
    for (const setting of [null, '']) {
      const seen = await asAppUser(setting, async (db) => ({
        projects: (await db.query('SELECT id FROM projects WHERE id = ANY ($1)', [ids])).rows.map((r) => r.id),
        tasks: (await db.query('SELECT id FROM tasks WHERE workspace_id = $1', [workspace.id])).rows.map((r) => r.id),
        workspaces: (await db.query('SELECT id FROM workspaces WHERE id = $1', [workspace.id])).rowCount,
        members: (await db.query('SELECT id FROM project_members WHERE project_id = $1', [publicProject.id])).rowCount,
      }));
      expect(seen).to.deep.equal({ projects: [publicProject.id], tasks: [publicTask.id], workspaces: 0, members: 0 });
    }
  });

  it('treats a connection on which no setting was ever made as anonymous', async () => {
    const ownerUser = await aUser();
    const workspace = await aWorkspace(ownerUser);
    const privateProject = await aProject(workspace.id, ownerUser);
    const client = new Client({ connectionString: testEnv().appDirectUrl });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT count(*)::int AS n FROM projects WHERE id = $1', [privateProject.id]);
      expect(rows[0].n).to.equal(0);
    } finally {
      await client.end();
    }
  });
});
