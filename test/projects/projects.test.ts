import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aProject, aTenant, aUser, aWorkspace, addWorkspaceMember, auth } from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/tenancy-factories';

const PROJECT_KEYS = [
  'id', 'workspaceId', 'name', 'description', 'ownerId', 'status', 'visibility', 'settings', 'createdAt', 'updatedAt', 'archivedAt',
];

const projectRow = async (id: string) =>
  (await owner().query(`SELECT name, status, visibility, owner_id, workspace_id, archived_at FROM projects WHERE id = $1`, [id])).rows[0];

describe('projects', () => {
  describe('POST /projects', () => {
    it('creates a project in my workspace, owned by me, with me as its owner member', async () => {
      const { workspace, bystander } = await aTenant();

      const res = await (await api()).post('/projects').set(auth(bystander))
        .send({ workspaceId: workspace.id, name: 'Launch', description: 'The big one', settings: { theme: 'blue' } });

      expect(res.status).to.equal(201);
      expect(res.body).to.have.all.keys(...PROJECT_KEYS);
      expect(res.body).to.include({
        workspaceId: workspace.id, name: 'Launch', description: 'The big one', ownerId: bystander.id,
        status: 'active', visibility: 'private', archivedAt: null,
      });
      expect(res.body.settings).to.deep.equal({ theme: 'blue' });
      const { rows } = await owner().query(`SELECT user_id, role FROM project_members WHERE project_id = $1`, [res.body.id]);
      expect(rows).to.deep.equal([{ user_id: bystander.id, role: 'owner' }]);
    });

    it('lets a workspace guest create a project too', async () => {
      const { workspace } = await aTenant();
      const guest = await aUser();
      await addWorkspaceMember(workspace.id, guest, 'guest');

      const res = await (await api()).post('/projects').set(auth(guest)).send({ workspaceId: workspace.id, name: 'Side', visibility: 'internal' });

      expect(res.status).to.equal(201);
      expect(res.body.visibility).to.equal('internal');
    });

    it('answers 404, identical to an unknown workspace, for another tenant\'s workspace and writes nothing', async () => {
      const mine = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).post('/projects').set(auth(mine.owner)).send({ workspaceId: theirs.workspace.id, name: 'Plant' });
      const unknown = await (await api()).post('/projects').set(auth(mine.owner)).send({ workspaceId: randomId(), name: 'Plant' });

      expectSameNotFound(hidden, unknown);
      expect(await count(`SELECT 1 FROM projects WHERE workspace_id = $1`, [theirs.workspace.id])).to.equal(1);
    });

    const badBodies: Array<[string, Record<string, unknown>, string]> = [
      ['a workspaceId that is not a uuid', { workspaceId: 'abc', name: 'X' }, 'body.workspaceId'],
      ['a name of the wrong type', { name: ['X'] }, 'body.name'],
      ['a name longer than 255 characters', { name: 'n'.repeat(256) }, 'body.name'],
      ['a NUL byte in the name', { name: 'bad\u0000name' }, 'body.name'],
      ['a NUL byte in the description', { name: 'X', description: 'a\u0000b' }, 'body.description'],
      ['an unknown visibility', { name: 'X', visibility: 'secret' }, 'body.visibility'],
      ['an ownerId (never settable)', { name: 'X', ownerId: randomId() }, 'body.ownerId'],
      ['a status (not settable on create)', { name: 'X', status: 'active' }, 'body.status'],
      ['settings that are a string', { name: 'X', settings: 'dark' }, 'body.settings'],
    ];
    for (const [what, body, path] of badBodies) {
      it(`answers 400 naming ${path} for ${what}, writing nothing`, async () => {
        const { workspace, owner: ownerUser } = await aTenant();
        const res = await (await api()).post('/projects').set(auth(ownerUser)).send({ workspaceId: workspace.id, ...body });
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
        expect(await count(`SELECT 1 FROM projects WHERE workspace_id = $1`, [workspace.id])).to.equal(1);
      });
    }

    it('answers 400 for malformed JSON', async () => {
      const { owner: ownerUser } = await aTenant();
      const res = await (await api()).post('/projects').set(auth(ownerUser)).set('Content-Type', 'application/json').send('{"name":');
      expectProblem(res, 400);
    });
  });

  describe('GET /projects', () => {
    it('lists the projects of my workspaces that I can see, and nobody else\'s (not even public ones)', async () => {
      const { workspace, owner: ownerUser, project, bystander } = await aTenant();
      const internal = await aProject(workspace.id, ownerUser, { visibility: 'internal' });
      const theirs = await aTenant({ visibility: 'public' });

      const asBystander = await (await api()).get('/projects').set(auth(bystander));
      const asOwner = await (await api()).get('/projects').set(auth(ownerUser));

      expect(asBystander.status).to.equal(200);
      expect(asBystander.body.data.map((p: { id: string }) => p.id)).to.deep.equal([internal.id]);
      expect(asOwner.body.data.map((p: { id: string }) => p.id)).to.have.members([project.id, internal.id]);
      expect(asOwner.body.data.map((p: { id: string }) => p.id)).not.to.include(theirs.project.id);
      expect(asOwner.body.data[0]).to.have.all.keys(...PROJECT_KEYS);
    });

    it('filters by workspace, status, visibility and name', async () => {
      const me = await aUser();
      const [one, two] = [await aWorkspace(me), await aWorkspace(me)];
      const alpha = await aProject(one.id, me, { name: 'Alpha rocket', visibility: 'public' });
      const beta = await aProject(one.id, me, { name: 'Beta rocket' });
      const gamma = await aProject(two.id, me, { name: 'Gamma' });
      await owner().query(`UPDATE projects SET status = 'completed' WHERE id = $1`, [beta.id]);
      const ids = async (query: Record<string, string>) => {
        const res = await (await api()).get('/projects').set(auth(me)).query(query);
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        return res.body.data.map((p: { id: string }) => p.id);
      };

      expect(await ids({ workspaceId: one.id })).to.have.members([alpha.id, beta.id]);
      expect(await ids({ workspaceId: two.id })).to.deep.equal([gamma.id]);
      expect(await ids({ status: 'completed' })).to.deep.equal([beta.id]);
      expect(await ids({ visibility: 'public' })).to.deep.equal([alpha.id]);
      expect(await ids({ q: 'ROCKET' })).to.have.members([alpha.id, beta.id]);
      expect(await ids({ q: 'rocket', status: 'active' })).to.deep.equal([alpha.id]);
      expect(await ids({ workspaceId: randomId() })).to.deep.equal([]);
    });

    it('treats % and _ in q as plain characters', async () => {
      const me = await aUser();
      const ws = await aWorkspace(me);
      const percent = await aProject(ws.id, me, { name: '100% done' });
      const underscore = await aProject(ws.id, me, { name: 'snake_case' });
      await aProject(ws.id, me, { name: '100 percent' });
      await aProject(ws.id, me, { name: 'snakeXcase' });

      const byPercent = await (await api()).get('/projects').set(auth(me)).query({ q: '0%' });
      const byUnderscore = await (await api()).get('/projects').set(auth(me)).query({ q: 'e_c' });
      const byBackslash = await (await api()).get('/projects').set(auth(me)).query({ q: '\\' });

      expect(byPercent.body.data.map((p: { id: string }) => p.id)).to.deep.equal([percent.id]);
      expect(byUnderscore.body.data.map((p: { id: string }) => p.id)).to.deep.equal([underscore.id]);
      expect(byBackslash.status).to.equal(200);
      expect(byBackslash.body.data).to.deep.equal([]);
    });

    it('visits every project exactly once across pages, newest first', async () => {
      const me = await aUser();
      const ws = await aWorkspace(me);
      const created: string[] = [];
      for (let i = 0; i < 7; i += 1) created.push((await aProject(ws.id, me)).id);
      // Two projects share a creation time: the id breaks the tie.
      await owner().query(`UPDATE projects SET created_at = (SELECT created_at FROM projects WHERE id = $1) WHERE id = $2`, [created[2], created[3]]);

      const pages = await allPages<{ id: string; createdAt: string }>(async (cursor) =>
        (await api()).get('/projects').set(auth(me)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.length)).to.deep.equal([3, 3, 1]);
      const seen = pages.flat().map((p) => p.id);
      expect(new Set(seen).size).to.equal(7);
      expect(seen).to.have.members(created);
      const times = pages.flat().map((p) => p.createdAt);
      expect(times).to.deep.equal([...times].sort().reverse());
    });

    const badQueries: Array<[string, Record<string, string>, string]> = [
      ['a limit of 100000', { limit: '100000' }, 'query.limit'],
      ['a garbage cursor', { cursor: 'garbage' }, 'query.cursor'],
      ['a cursor with a bad time', { cursor: Buffer.from(JSON.stringify(['yesterday', randomId()])).toString('base64url') }, 'query.cursor'],
      ['a workspaceId that is not a uuid', { workspaceId: '1' }, 'query.workspaceId'],
      ['an unknown status', { status: 'deleted' }, 'query.status'],
      ['an unknown visibility', { visibility: 'secret' }, 'query.visibility'],
      ['a NUL byte in q', { q: 'a\u0000' }, 'query.q'],
      ['a q longer than 255 characters', { q: 'q'.repeat(256) }, 'query.q'],
      ['an unknown parameter', { ownerId: randomId() }, 'query.ownerId'],
    ];
    for (const [what, query, path] of badQueries) {
      it(`answers 400 naming ${path} for ${what}`, async () => {
        const { owner: ownerUser } = await aTenant();
        const res = await (await api()).get('/projects').set(auth(ownerUser)).query(query);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
      });
    }

    it('answers 400 for a parameter given twice', async () => {
      const { owner: ownerUser } = await aTenant();
      const res = await (await api()).get('/projects?status=active&status=archived').set(auth(ownerUser));
      expectProblem(res, 400);
    });

    it('answers 401 without authentication', async () => {
      expectProblem(await (await api()).get('/projects'), 401);
    });
  });

  describe('GET /projects/:id', () => {
    it('shows a private project to its members and to nobody else', async () => {
      const { project, viewer, bystander } = await aTenant();
      const stranger = await aUser();

      const asViewer = await (await api()).get(`/projects/${project.id}`).set(auth(viewer));
      const asBystander = await (await api()).get(`/projects/${project.id}`).set(auth(bystander));
      const asStranger = await (await api()).get(`/projects/${project.id}`).set(auth(stranger));
      const anonymous = await (await api()).get(`/projects/${project.id}`);
      const unknown = await (await api()).get(`/projects/${randomId()}`).set(auth(stranger));

      expect(asViewer.status).to.equal(200);
      expect(asViewer.body).to.have.all.keys(...PROJECT_KEYS);
      expectSameNotFound(asBystander, unknown);
      expectSameNotFound(asStranger, unknown);
      expectSameNotFound(anonymous, unknown);
    });

    it('shows an internal project to every workspace member', async () => {
      const { project, bystander } = await aTenant({ visibility: 'internal' });
      const res = await (await api()).get(`/projects/${project.id}`).set(auth(bystander));
      expect(res.status).to.equal(200);
    });

    it('shows a public project to anyone, even without authentication', async () => {
      const { project } = await aTenant({ visibility: 'public' });
      const stranger = await aUser();

      const anonymous = await (await api()).get(`/projects/${project.id}`);
      const asStranger = await (await api()).get(`/projects/${project.id}`).set(auth(stranger));

      expect(anonymous.status).to.equal(200);
      expect(anonymous.body).to.include({ id: project.id, visibility: 'public' });
      expect(asStranger.status).to.equal(200);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const res = await (await api()).get('/projects/123');
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('path.id');
    });
  });

  describe('PATCH /projects/:id', () => {
    for (const role of ['owner', 'admin'] as const) {
      it(`lets a project ${role} change name, description, status, visibility and settings`, async () => {
        const tenant = await aTenant();

        const res = await (await api()).patch(`/projects/${tenant.project.id}`).set(auth(tenant[role]))
          .send({ name: 'Renamed', description: null, status: 'completed', visibility: 'internal', settings: { x: true } });

        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body).to.include({ name: 'Renamed', description: null, status: 'completed', visibility: 'internal' });
        expect(res.body.settings).to.deep.equal({ x: true });
        expect(await projectRow(tenant.project.id)).to.include({ name: 'Renamed', status: 'completed', visibility: 'internal' });
      });
    }

    it('keeps archivedAt in step with a status set by PATCH', async () => {
      const { project, owner: ownerUser } = await aTenant();
      const archived = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ status: 'archived' });
      expect(archived.body.archivedAt).to.be.a('string');
      const renamed = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ name: 'Still archived' });
      expect(renamed.body.archivedAt).to.equal(archived.body.archivedAt);
      const active = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ status: 'active' });
      expect(active.body.archivedAt).to.equal(null);
    });

    for (const role of ['member', 'viewer'] as const) {
      it(`answers 403 to a project ${role} and changes nothing`, async () => {
        const tenant = await aTenant();

        const res = await (await api()).patch(`/projects/${tenant.project.id}`).set(auth(tenant[role])).send({ name: 'Mine' });

        expectProblem(res, 403);
        expect((await projectRow(tenant.project.id)).name).to.equal(tenant.project.name);
      });
    }

    it('answers 403 to an outsider who can read a public project', async () => {
      const { project } = await aTenant({ visibility: 'public' });
      const stranger = await aUser();
      const res = await (await api()).patch(`/projects/${project.id}`).set(auth(stranger)).send({ name: 'Defaced' });
      expectProblem(res, 403);
    });

    it('answers 404, identical to an unknown id, to a bystander and to another tenant', async () => {
      const { project, bystander } = await aTenant();
      const theirs = await aTenant();

      const asBystander = await (await api()).patch(`/projects/${project.id}`).set(auth(bystander)).send({ name: 'X' });
      const asTheirs = await (await api()).patch(`/projects/${project.id}`).set(auth(theirs.owner)).send({ name: 'X' });
      const unknown = await (await api()).patch(`/projects/${randomId()}`).set(auth(theirs.owner)).send({ name: 'X' });

      expectSameNotFound(asBystander, unknown);
      expectSameNotFound(asTheirs, unknown);
      expect((await projectRow(project.id)).name).to.equal(project.name);
    });

    for (const field of ['ownerId', 'workspaceId', '__proto__', 'archivedAt'] as const) {
      it(`answers 400 naming ${field} when a PATCH carries it`, async () => {
        const { project, owner: ownerUser } = await aTenant();
        const other = await aTenant();
        const value = field === 'ownerId' ? other.owner.id : field === 'workspaceId' ? other.workspace.id : { polluted: true };

        const res = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser))
          .set('Content-Type', 'application/json').send(`{"name":"Moved",${JSON.stringify(field)}:${JSON.stringify(value)}}`);

        expectProblem(res, 400);
        expect(errorPaths(res)).to.deep.equal([`body.${field}`]);
        expect(await projectRow(project.id)).to.include({ name: project.name, owner_id: ownerUser.id, workspace_id: project.workspaceId });
      });
    }

    const badBodies: Array<[string, unknown, string]> = [
      ['an unknown status', { status: 'deleted' }, 'body.status'],
      ['an unknown visibility', { visibility: 'everyone' }, 'body.visibility'],
      ['an empty name', { name: '' }, 'body.name'],
      ['a name of 256 characters', { name: 'x'.repeat(256) }, 'body.name'],
      ['a NUL byte in the description', { description: '\u0000' }, 'body.description'],
      ['a description of 10001 characters', { description: 'd'.repeat(10_001) }, 'body.description'],
      ['a status of the wrong type', { status: 1 }, 'body.status'],
      ['nothing to change', {}, 'body'],
    ];
    for (const [what, body, path] of badBodies) {
      it(`answers 400 naming ${path} for ${what}`, async () => {
        const { project, owner: ownerUser } = await aTenant();
        const res = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send(body as object);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
        expect(await projectRow(project.id)).to.include({ name: project.name, status: 'active' });
      });
    }
  });

  describe('POST /projects/:id/archive and /restore', () => {
    it('lets an admin archive and restore a project', async () => {
      const { project, admin } = await aTenant();

      const archived = await (await api()).post(`/projects/${project.id}/archive`).set(auth(admin));
      expect(archived.status).to.equal(200);
      expect(archived.body.status).to.equal('archived');
      expect(archived.body.archivedAt).to.be.a('string');
      expect((await projectRow(project.id)).archived_at).to.be.instanceOf(Date);

      const restored = await (await api()).post(`/projects/${project.id}/restore`).set(auth(admin));
      expect(restored.status).to.equal(200);
      expect(restored.body).to.include({ status: 'active', archivedAt: null });
      expect(await projectRow(project.id)).to.include({ status: 'active', archived_at: null });
    });

    for (const role of ['member', 'viewer'] as const) {
      it(`answers 403 to a project ${role}`, async () => {
        const tenant = await aTenant();
        expectProblem(await (await api()).post(`/projects/${tenant.project.id}/archive`).set(auth(tenant[role])), 403);
        expect((await projectRow(tenant.project.id)).status).to.equal('active');
      });
    }

    it('answers 404, identical to an unknown id, to another tenant', async () => {
      const { project } = await aTenant();
      const theirs = await aTenant();
      const hidden = await (await api()).post(`/projects/${project.id}/archive`).set(auth(theirs.owner));
      const unknown = await (await api()).post(`/projects/${randomId()}/archive`).set(auth(theirs.owner));
      expectSameNotFound(hidden, unknown);
      const hiddenRestore = await (await api()).post(`/projects/${project.id}/restore`).set(auth(theirs.owner));
      const unknownRestore = await (await api()).post(`/projects/${randomId()}/restore`).set(auth(theirs.owner));
      expectSameNotFound(hiddenRestore, unknownRestore);
      expect((await projectRow(project.id)).status).to.equal('active');
    });
  });

  describe('DELETE /projects/:id', () => {
    it('lets the project owner delete it with its tasks and members', async () => {
      const { project, owner: ownerUser, task } = await aTenant();

      const res = await (await api()).delete(`/projects/${project.id}`).set(auth(ownerUser));

      expect(res.status).to.equal(204);
      expect(await count(`SELECT 1 FROM projects WHERE id = $1`, [project.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM tasks WHERE id = $1`, [task.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM project_members WHERE project_id = $1`, [project.id])).to.equal(0);
    });

    for (const role of ['admin', 'member', 'viewer'] as const) {
      it(`answers 403 to a project ${role} and deletes nothing`, async () => {
        const tenant = await aTenant();
        expectProblem(await (await api()).delete(`/projects/${tenant.project.id}`).set(auth(tenant[role])), 403);
        expect(await count(`SELECT 1 FROM projects WHERE id = $1`, [tenant.project.id])).to.equal(1);
      });
    }

    it('answers 404, identical to an unknown id, to another tenant', async () => {
      const { project } = await aTenant();
      const theirs = await aTenant();
      const hidden = await (await api()).delete(`/projects/${project.id}`).set(auth(theirs.owner));
      const unknown = await (await api()).delete(`/projects/${randomId()}`).set(auth(theirs.owner));
      expectSameNotFound(hidden, unknown);
      expect(await count(`SELECT 1 FROM projects WHERE id = $1`, [project.id])).to.equal(1);
    });
  });
});
