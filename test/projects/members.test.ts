import { expect } from 'chai';
import { Client } from 'pg';
import { api } from '../support/app';
import { beginAs, owner, waitUntilBlocked } from '../support/db';
import { testEnv } from '../support/env';
import { aTenant, aUser, addProjectMember, addWorkspaceMember, auth, type ProjectRole, type TestUser } from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/tenancy-factories';

const roleIn = async (projectId: string, user: TestUser): Promise<ProjectRole | undefined> =>
  (await owner().query(`SELECT role FROM project_members WHERE project_id = $1 AND user_id = $2`, [projectId, user.id])).rows[0]?.role;

describe('project members', () => {
  describe('GET /projects/:id/members', () => {
    it('lists the owner and every member with their role', async () => {
      const { project, owner: ownerUser, admin, member, viewer } = await aTenant();

      const res = await (await api()).get(`/projects/${project.id}/members`).set(auth(viewer));

      expect(res.status).to.equal(200);
      const roles = Object.fromEntries(res.body.data.map((m: { userId: string; role: string }) => [m.userId, m.role]));
      expect(roles).to.deep.equal({ [ownerUser.id]: 'owner', [admin.id]: 'admin', [member.id]: 'member', [viewer.id]: 'viewer' });
      expect(res.body.data[0]).to.have.all.keys('id', 'userId', 'email', 'username', 'role', 'joinedAt', 'createdAt');
    });

    it('visits every member exactly once across pages', async () => {
      const { project, owner: ownerUser, admin, member, viewer } = await aTenant();
      const extra = await Promise.all([aUser(), aUser(), aUser()]);
      for (const user of extra) await addProjectMember(project, user, 'viewer');

      const pages = await allPages<{ userId: string }>(async (cursor) =>
        (await api()).get(`/projects/${project.id}/members`).set(auth(ownerUser)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.length)).to.deep.equal([3, 3, 1]);
      expect(pages.flat().map((m) => m.userId)).to.have.members([ownerUser, admin, member, viewer, ...extra].map((u) => u.id));
    });

    it('answers 404, identical to an unknown id, to a bystander and to another tenant', async () => {
      const { project, bystander } = await aTenant();
      const theirs = await aTenant();
      const unknown = await (await api()).get(`/projects/${randomId()}/members`).set(auth(theirs.owner));
      expectSameNotFound(await (await api()).get(`/projects/${project.id}/members`).set(auth(bystander)), unknown);
      expectSameNotFound(await (await api()).get(`/projects/${project.id}/members`).set(auth(theirs.owner)), unknown);
    });

    it('answers 400 for a garbage cursor', async () => {
      const { project, owner: ownerUser } = await aTenant();
      expectProblem(await (await api()).get(`/projects/${project.id}/members`).set(auth(ownerUser)).query({ cursor: 'eyJ4Ijox' }), 400);
    });
  });

  describe('POST /projects/:id/members', () => {
    it('lets a project admin add a member of the workspace', async () => {
      const { project, admin, bystander } = await aTenant();

      const res = await (await api()).post(`/projects/${project.id}/members`).set(auth(admin)).send({ userId: bystander.id, role: 'member' });

      expect(res.status).to.equal(201);
      expect(res.body).to.include({ userId: bystander.id, role: 'member', username: bystander.username, email: bystander.email });
      expect(await roleIn(project.id, bystander)).to.equal('member');
    });

    it('answers the same 404 for a user outside the workspace as for an unknown id, writing nothing', async () => {
      const { project, owner: ownerUser } = await aTenant();
      const theirs = await aTenant();

      const outsider = await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: theirs.owner.id, role: 'viewer' });
      const unknown = await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: randomId(), role: 'viewer' });

      expectSameNotFound(outsider, unknown);
      expect(await roleIn(project.id, theirs.owner)).to.equal(undefined);
    });

    it('lets only the project owner grant owner', async () => {
      const { project, owner: ownerUser, admin, bystander } = await aTenant();
      const another = await aUser();
      await addWorkspaceMember(project.workspaceId, another, 'member');

      const byAdmin = await (await api()).post(`/projects/${project.id}/members`).set(auth(admin)).send({ userId: bystander.id, role: 'owner' });
      const byOwner = await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: another.id, role: 'owner' });

      expectProblem(byAdmin, 403);
      expect(await roleIn(project.id, bystander)).to.equal(undefined);
      expect(byOwner.status).to.equal(201);
      expect(await roleIn(project.id, another)).to.equal('owner');
    });

    for (const role of ['member', 'viewer'] as const) {
      it(`answers 403 to a project ${role}`, async () => {
        const tenant = await aTenant();
        const res = await (await api()).post(`/projects/${tenant.project.id}/members`).set(auth(tenant[role])).send({ userId: tenant.bystander.id, role: 'viewer' });
        expectProblem(res, 403);
        expect(await roleIn(tenant.project.id, tenant.bystander)).to.equal(undefined);
      });
    }

    it('answers 409 for someone already in the project, pointing to the PATCH that changes a role', async () => {
      const { project, owner: ownerUser, viewer } = await aTenant();
      const res = await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: viewer.id, role: 'admin' });
      expectProblem(res, 409);
      expect(res.body.detail).to.equal('That user is already a member of the project; PATCH /projects/{id}/members/{userId} changes their role.');
      expect(await roleIn(project.id, viewer)).to.equal('viewer');
    });

    it('answers 404, identical to an unknown project, when another tenant adds themself', async () => {
      const { project } = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).post(`/projects/${project.id}/members`).set(auth(theirs.owner)).send({ userId: theirs.owner.id, role: 'owner' });
      const unknown = await (await api()).post(`/projects/${randomId()}/members`).set(auth(theirs.owner)).send({ userId: theirs.owner.id, role: 'owner' });

      expectSameNotFound(hidden, unknown);
      expect(await roleIn(project.id, theirs.owner)).to.equal(undefined);
    });

    it('answers 403 to an outsider who can read a public project', async () => {
      const { project } = await aTenant({ visibility: 'public' });
      const stranger = await aUser();
      const res = await (await api()).post(`/projects/${project.id}/members`).set(auth(stranger)).send({ userId: stranger.id, role: 'viewer' });
      expectProblem(res, 403);
      expect(await roleIn(project.id, stranger)).to.equal(undefined);
    });

    const badBodies: Array<[string, unknown, string]> = [
      ['a userId that is not a uuid', { userId: 'me', role: 'viewer' }, 'body.userId'],
      ['an unknown role', { userId: randomId(), role: 'guest' }, 'body.role'],
      ['a missing userId', { role: 'viewer' }, 'body.userId'],
      ['an unknown field', { userId: randomId(), role: 'viewer', permissions: { all: true } }, 'body.permissions'],
    ];
    for (const [what, body, path] of badBodies) {
      it(`answers 400 naming ${path} for ${what}`, async () => {
        const { project, owner: ownerUser } = await aTenant();
        const res = await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send(body as object);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
        expect(await count(`SELECT 1 FROM project_members WHERE project_id = $1`, [project.id])).to.equal(4);
      });
    }
  });

  describe('PATCH /projects/:id/members/:userId', () => {
    it('lets a project admin change a member\'s role', async () => {
      const { project, admin, member } = await aTenant();

      const res = await (await api()).patch(`/projects/${project.id}/members/${member.id}`).set(auth(admin)).send({ role: 'viewer' });

      expect(res.status).to.equal(200);
      expect(res.body).to.include({ userId: member.id, role: 'viewer' });
      expect(await roleIn(project.id, member)).to.equal('viewer');
    });

    it('answers 409 when the project owner would be demoted with no other owner', async () => {
      const { project, owner: ownerUser } = await aTenant();
      const res = await (await api()).patch(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(ownerUser)).send({ role: 'admin' });
      expectProblem(res, 409);
      expect(await roleIn(project.id, ownerUser)).to.equal('owner');
    });

    it('transfers the project when its owner makes a member owner, then steps down', async () => {
      const { project, owner: ownerUser, admin } = await aTenant();
      const promoted = await (await api()).patch(`/projects/${project.id}/members/${admin.id}`).set(auth(ownerUser)).send({ role: 'owner' });
      expect(promoted.status).to.equal(200);
      expect((await (await api()).get(`/projects/${project.id}`).set(auth(ownerUser))).body.ownerId, 'not before stepping down').to.equal(ownerUser.id);

      const steppedDown = await (await api()).patch(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(ownerUser)).send({ role: 'admin' });

      expect(steppedDown.status).to.equal(200);
      expect((await (await api()).get(`/projects/${project.id}`).set(auth(admin))).body.ownerId).to.equal(admin.id);
      expect(await roleIn(project.id, ownerUser)).to.equal('admin');
      // The new owner holds what ownership gives; the former one no longer does.
      expectProblem(await (await api()).delete(`/projects/${project.id}`).set(auth(ownerUser)), 403);
      expect((await (await api()).delete(`/projects/${project.id}`).set(auth(admin))).status).to.equal(204);
    });

    it('answers 403 to an admin touching the owner and to a member changing roles', async () => {
      const { project, owner: ownerUser, admin, member, viewer } = await aTenant();

      const adminOnOwner = await (await api()).patch(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(admin)).send({ role: 'viewer' });
      const adminPromotes = await (await api()).patch(`/projects/${project.id}/members/${member.id}`).set(auth(admin)).send({ role: 'owner' });
      const memberOnViewer = await (await api()).patch(`/projects/${project.id}/members/${viewer.id}`).set(auth(member)).send({ role: 'admin' });

      expectProblem(adminOnOwner, 403);
      expectProblem(adminPromotes, 403);
      expectProblem(memberOnViewer, 403);
      expect(await roleIn(project.id, ownerUser)).to.equal('owner');
      expect(await roleIn(project.id, member)).to.equal('member');
      expect(await roleIn(project.id, viewer)).to.equal('viewer');
    });

    it('answers 404, identical to an unknown member, to another tenant and for a non-member', async () => {
      const { project, owner: ownerUser, member, bystander } = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).patch(`/projects/${project.id}/members/${member.id}`).set(auth(theirs.owner)).send({ role: 'admin' });
      const unknown = await (await api()).patch(`/projects/${randomId()}/members/${member.id}`).set(auth(theirs.owner)).send({ role: 'admin' });
      const notMember = await (await api()).patch(`/projects/${project.id}/members/${bystander.id}`).set(auth(ownerUser)).send({ role: 'admin' });
      const unknownMember = await (await api()).patch(`/projects/${project.id}/members/${randomId()}`).set(auth(ownerUser)).send({ role: 'admin' });

      expectSameNotFound(hidden, unknown);
      expectSameNotFound(notMember, unknownMember);
      expect(await roleIn(project.id, member)).to.equal('member');
    });
  });

  describe('DELETE /projects/:id/members/:userId', () => {
    it('lets an admin remove a member and a viewer leave', async () => {
      const { project, admin, member, viewer } = await aTenant();

      const removed = await (await api()).delete(`/projects/${project.id}/members/${member.id}`).set(auth(admin));
      const left = await (await api()).delete(`/projects/${project.id}/members/${viewer.id}`).set(auth(viewer));

      expect(removed.status).to.equal(204);
      expect(left.status).to.equal(204);
      expect(await roleIn(project.id, member)).to.equal(undefined);
      expect(await roleIn(project.id, viewer)).to.equal(undefined);
    });

    it('answers 409 when the project owner tries to leave with no other owner', async () => {
      const { project, owner: ownerUser } = await aTenant();
      expectProblem(await (await api()).delete(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(ownerUser)), 409);
      expect(await roleIn(project.id, ownerUser)).to.equal('owner');
    });

    it('lets the owner leave once another member is owner: the project passes to them', async () => {
      const { project, owner: ownerUser, member } = await aTenant();
      expect((await (await api()).patch(`/projects/${project.id}/members/${member.id}`).set(auth(ownerUser)).send({ role: 'owner' })).status).to.equal(200);

      expect((await (await api()).delete(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(ownerUser))).status).to.equal(204);

      expect(await roleIn(project.id, ownerUser)).to.equal(undefined);
      expect((await (await api()).get(`/projects/${project.id}`).set(auth(member))).body.ownerId).to.equal(member.id);
    });

    it('keeps an owner when two owners step down at the same moment', async () => {
      const { project, owner: ownerUser, admin } = await aTenant();
      expect((await (await api()).patch(`/projects/${project.id}/members/${admin.id}`).set(auth(ownerUser)).send({ role: 'owner' })).status).to.equal(200);
      const [first, second] = [new Client({ connectionString: testEnv().appDirectUrl }), new Client({ connectionString: testEnv().appDirectUrl })];
      await Promise.all([first.connect(), second.connect()]);
      const stepDown = async (client: Client, user: { id: string }) => {
        await beginAs(client, user.id);
        return client.query(`UPDATE project_members SET role = 'admin' WHERE project_id = $1 AND user_id = $2`, [project.id, user.id]);
      };
      try {
        // The owner steps down (the project passes to the co-owner); before that commits, the co-owner steps down too.
        await stepDown(first, ownerUser);
        const secondAnswer = stepDown(second, admin).then(() => second.query('COMMIT')).then(() => 'committed', (e: { code?: string }) => e.code);
        await waitUntilBlocked((second as unknown as { processID: number }).processID);
        await first.query('COMMIT');
        expect(await secondAnswer).to.equal('PM409');
      } finally {
        await first.end();
        await second.query('ROLLBACK').catch(() => undefined);
        await second.end();
      }
      const { rows } = await owner().query(
        `SELECT p.owner_id, m.role FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = p.owner_id WHERE p.id = $1`,
        [project.id]);
      expect(rows).to.deep.equal([{ owner_id: admin.id, role: 'owner' }]);
    });

    it('answers 403 to a member removing someone else and to an admin removing the owner', async () => {
      const { project, owner: ownerUser, admin, member, viewer } = await aTenant();
      expectProblem(await (await api()).delete(`/projects/${project.id}/members/${viewer.id}`).set(auth(member)), 403);
      expectProblem(await (await api()).delete(`/projects/${project.id}/members/${ownerUser.id}`).set(auth(admin)), 403);
      expect(await count(`SELECT 1 FROM project_members WHERE project_id = $1`, [project.id])).to.equal(4);
    });

    it('takes access to a private project away at the very next request', async () => {
      const { project, owner: ownerUser, member } = await aTenant();
      expect((await (await api()).get(`/projects/${project.id}`).set(auth(member))).status).to.equal(200);

      expect((await (await api()).delete(`/projects/${project.id}/members/${member.id}`).set(auth(ownerUser))).status).to.equal(204);

      expectProblem(await (await api()).get(`/projects/${project.id}`).set(auth(member)), 404);
      expectProblem(await (await api()).get(`/projects/${project.id}/members`).set(auth(member)), 404);
    });

    it('answers 404, identical to an unknown id, when another tenant removes a member', async () => {
      const { project, member } = await aTenant();
      const theirs = await aTenant();
      const hidden = await (await api()).delete(`/projects/${project.id}/members/${member.id}`).set(auth(theirs.owner));
      const unknown = await (await api()).delete(`/projects/${randomId()}/members/${member.id}`).set(auth(theirs.owner));
      expectSameNotFound(hidden, unknown);
      expect(await roleIn(project.id, member)).to.equal('member');
    });

    it('answers 400 for a bad uuid in the path', async () => {
      const { project, owner: ownerUser } = await aTenant();
      const res = await (await api()).delete(`/projects/${project.id}/members/x'--`).set(auth(ownerUser));
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('path.userId');
    });
  });
});
