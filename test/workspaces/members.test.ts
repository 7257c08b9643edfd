import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import {
  aProject, aTenant, aUser, aWorkspace, addProjectMember, addWorkspaceMember, auth, type TestUser, type WorkspaceRole,
} from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/tenancy-factories';

/** A workspace with one user of each workspace role. */
async function aStaffedWorkspace() {
  const ownerUser = await aUser();
  const workspace = await aWorkspace(ownerUser);
  const [admin, member, guest] = await Promise.all([aUser(), aUser(), aUser()]);
  await addWorkspaceMember(workspace.id, admin, 'admin');
  await addWorkspaceMember(workspace.id, member, 'member');
  await addWorkspaceMember(workspace.id, guest, 'guest');
  return { workspace, owner: ownerUser, admin, member, guest };
}

const roleOf = async (workspaceId: string, user: TestUser): Promise<WorkspaceRole | undefined> =>
  (await owner().query(`SELECT role FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspaceId, user.id])).rows[0]?.role;

describe('workspace members', () => {
  describe('GET /workspaces/:id/members', () => {
    it('lists every member with user id, email, username, role and join time', async () => {
      const { workspace, owner: ownerUser, admin, member, guest } = await aStaffedWorkspace();

      const res = await (await api()).get(`/workspaces/${workspace.id}/members`).set(auth(guest));

      expect(res.status).to.equal(200);
      expect(res.body.nextCursor).to.equal(null);
      const byId = Object.fromEntries(res.body.data.map((m: { userId: string }) => [m.userId, m]));
      expect(Object.keys(byId)).to.have.members([ownerUser.id, admin.id, member.id, guest.id]);
      expect(byId[admin.id]).to.include({ role: 'admin', email: admin.email, username: admin.username });
      expect(byId[ownerUser.id].role).to.equal('owner');
      expect(byId[guest.id].joinedAt).to.be.a('string');
    });

    it('visits every member exactly once across pages', async () => {
      const ownerUser = await aUser();
      const workspace = await aWorkspace(ownerUser);
      const users = await Promise.all(Array.from({ length: 6 }, () => aUser()));
      for (const user of users) await addWorkspaceMember(workspace.id, user, 'member');

      const pages = await allPages<{ userId: string }>(async (cursor) =>
        (await api()).get(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.length)).to.deep.equal([3, 3, 1]);
      const seen = pages.flat().map((m) => m.userId);
      expect(seen).to.have.lengthOf(7);
      expect(seen).to.have.members([ownerUser.id, ...users.map((u) => u.id)]);
    });

    it('answers 404, identical to an unknown id, to another tenant', async () => {
      const mine = await aStaffedWorkspace();
      const stranger = await aUser();

      const hidden = await (await api()).get(`/workspaces/${mine.workspace.id}/members`).set(auth(stranger));
      const unknown = await (await api()).get(`/workspaces/${randomId()}/members`).set(auth(stranger));

      expectSameNotFound(hidden, unknown);
    });

    it('answers 400 for a garbage cursor and a huge limit', async () => {
      const { workspace, owner: ownerUser } = await aStaffedWorkspace();
      const garbage = await (await api()).get(`/workspaces/${workspace.id}/members?cursor=%%%`).set(auth(ownerUser));
      const huge = await (await api()).get(`/workspaces/${workspace.id}/members?limit=100000`).set(auth(ownerUser));
      expectProblem(garbage, 400);
      expectProblem(huge, 400);
    });
  });

  describe('POST /workspaces/:id/members', () => {
    it('lets an admin add an existing user by email', async () => {
      const { workspace, admin } = await aStaffedWorkspace();
      const newcomer = await aUser();

      const res = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(admin)).send({ email: newcomer.email, role: 'member' });

      expect(res.status).to.equal(201);
      expect(res.body).to.include({ userId: newcomer.id, email: newcomer.email, username: newcomer.username, role: 'member' });
      expect(await roleOf(workspace.id, newcomer)).to.equal('member');
    });

    it('finds the user whatever the case of the email, as login does', async () => {
      const { workspace, admin } = await aStaffedWorkspace();
      const newcomer = await aUser();
      const shouted = newcomer.email.replace(/^[^@]+/, (local) => local.toUpperCase());
      expect(shouted).to.not.equal(newcomer.email);

      const res = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(admin)).send({ email: shouted, role: 'member' });

      expect(res.status).to.equal(201);
      expect(res.body).to.include({ userId: newcomer.id, email: newcomer.email });
    });

    it('answers the same 404 for an unknown email and for a user who is not active', async () => {
      const { workspace, owner: ownerUser } = await aStaffedWorkspace();
      const suspended = await aUser({ status: 'suspended' });

      const unknown = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).send({ email: 'nobody-here@example.test', role: 'member' });
      const inactive = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).send({ email: suspended.email, role: 'member' });

      expectProblem(unknown, 404);
      expect(inactive.body).to.deep.equal(unknown.body);
      expect(await roleOf(workspace.id, suspended)).to.equal(undefined);
    });

    it('answers 409 for someone who is already a member', async () => {
      const { workspace, owner: ownerUser, member } = await aStaffedWorkspace();

      const res = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).send({ email: member.email, role: 'admin' });

      expectProblem(res, 409);
      expect(res.body.detail).to.match(/already a member of the workspace; PATCH \/workspaces\/\{id\}\/members\/\{userId\}/);
      expect(await roleOf(workspace.id, member)).to.equal('member');
    });

    it('lets only owners add owners', async () => {
      const { workspace, owner: ownerUser, admin } = await aStaffedWorkspace();
      const [first, second] = await Promise.all([aUser(), aUser()]);

      const byAdmin = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(admin)).send({ email: first.email, role: 'owner' });
      const byOwner = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).send({ email: second.email, role: 'owner' });

      expectProblem(byAdmin, 403);
      expect(await roleOf(workspace.id, first)).to.equal(undefined);
      expect(byOwner.status).to.equal(201);
      expect(await roleOf(workspace.id, second)).to.equal('owner');
    });

    for (const role of ['member', 'guest'] as const) {
      it(`answers 403 to a workspace ${role}`, async () => {
        const staff = await aStaffedWorkspace();
        const newcomer = await aUser();

        const res = await (await api()).post(`/workspaces/${staff.workspace.id}/members`).set(auth(staff[role])).send({ email: newcomer.email });

        expectProblem(res, 403);
        expect(await roleOf(staff.workspace.id, newcomer)).to.equal(undefined);
      });
    }

    it('answers 404, identical to an unknown workspace, when another tenant adds themself', async () => {
      const mine = await aStaffedWorkspace();
      const intruder = await aUser();
      await aWorkspace(intruder);

      const hidden = await (await api()).post(`/workspaces/${mine.workspace.id}/members`).set(auth(intruder)).send({ email: intruder.email, role: 'owner' });
      const unknown = await (await api()).post(`/workspaces/${randomId()}/members`).set(auth(intruder)).send({ email: intruder.email, role: 'owner' });

      expectSameNotFound(hidden, unknown);
      expect(await roleOf(mine.workspace.id, intruder)).to.equal(undefined);
    });

    const badBodies: Array<[string, unknown, string]> = [
      ['an email that is not one', { email: 'not-an-email', role: 'member' }, 'body.email'],
      ['an unknown role', { email: 'x@example.test', role: 'superuser' }, 'body.role'],
      ['a role of the wrong type', { email: 'x@example.test', role: 3 }, 'body.role'],
      ['an unknown field', { email: 'x@example.test', userId: randomId() }, 'body.userId'],
      ['a NUL byte in the email', { email: 'x\u0000@example.test' }, 'body.email'],
    ];
    for (const [what, body, path] of badBodies) {
      it(`answers 400 naming ${path} for ${what}`, async () => {
        const { workspace, owner: ownerUser } = await aStaffedWorkspace();
        const res = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(ownerUser)).send(body as object);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
        expect(await count(`SELECT 1 FROM workspace_members WHERE workspace_id = $1`, [workspace.id])).to.equal(4);
      });
    }
  });

  describe('PATCH /workspaces/:id/members/:userId', () => {
    it('lets an admin change a member\'s role', async () => {
      const { workspace, admin, member } = await aStaffedWorkspace();

      const res = await (await api()).patch(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(admin)).send({ role: 'guest' });

      expect(res.status).to.equal(200);
      expect(res.body).to.include({ userId: member.id, role: 'guest', username: member.username });
      expect(await roleOf(workspace.id, member)).to.equal('guest');
    });

    it('keeps admins away from owners: no demoting an owner, no promoting to owner', async () => {
      const { workspace, owner: ownerUser, admin, member } = await aStaffedWorkspace();

      const demote = await (await api()).patch(`/workspaces/${workspace.id}/members/${ownerUser.id}`).set(auth(admin)).send({ role: 'member' });
      const promote = await (await api()).patch(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(admin)).send({ role: 'owner' });

      expectProblem(demote, 403);
      expectProblem(promote, 403);
      expect(await roleOf(workspace.id, ownerUser)).to.equal('owner');
      expect(await roleOf(workspace.id, member)).to.equal('member');
    });

    it('answers 403 to a member changing roles, even their own', async () => {
      const { workspace, member, guest } = await aStaffedWorkspace();

      const other = await (await api()).patch(`/workspaces/${workspace.id}/members/${guest.id}`).set(auth(member)).send({ role: 'member' });
      const self = await (await api()).patch(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(member)).send({ role: 'admin' });

      expectProblem(other, 403);
      expectProblem(self, 403);
      expect(await roleOf(workspace.id, member)).to.equal('member');
    });

    it('answers 409 when the last owner would be demoted, and allows it once there is another owner', async () => {
      const { workspace, owner: ownerUser, admin } = await aStaffedWorkspace();

      const last = await (await api()).patch(`/workspaces/${workspace.id}/members/${ownerUser.id}`).set(auth(ownerUser)).send({ role: 'admin' });
      expectProblem(last, 409);
      expect(await roleOf(workspace.id, ownerUser)).to.equal('owner');

      const promote = await (await api()).patch(`/workspaces/${workspace.id}/members/${admin.id}`).set(auth(ownerUser)).send({ role: 'owner' });
      expect(promote.status).to.equal(200);
      const demote = await (await api()).patch(`/workspaces/${workspace.id}/members/${ownerUser.id}`).set(auth(ownerUser)).send({ role: 'admin' });
      expect(demote.status).to.equal(200);
      expect(await roleOf(workspace.id, ownerUser)).to.equal('admin');
    });

    it('answers 404, identical to an unknown member, to another tenant and for a non-member', async () => {
      const mine = await aStaffedWorkspace();
      const stranger = await aUser();
      await aWorkspace(stranger);

      const hidden = await (await api()).patch(`/workspaces/${mine.workspace.id}/members/${mine.member.id}`).set(auth(stranger)).send({ role: 'admin' });
      const unknown = await (await api()).patch(`/workspaces/${randomId()}/members/${randomId()}`).set(auth(stranger)).send({ role: 'admin' });
      const notMember = await (await api()).patch(`/workspaces/${mine.workspace.id}/members/${stranger.id}`).set(auth(mine.owner)).send({ role: 'admin' });
      const unknownInMine = await (await api()).patch(`/workspaces/${mine.workspace.id}/members/${randomId()}`).set(auth(mine.owner)).send({ role: 'admin' });

      expectSameNotFound(hidden, unknown);
      expectSameNotFound(notMember, unknownInMine);
      expect(await roleOf(mine.workspace.id, mine.member)).to.equal('member');
    });

    it('answers 400 for a bad uuid in the path and an unknown role', async () => {
      const { workspace, owner: ownerUser, member } = await aStaffedWorkspace();
      const badPath = await (await api()).patch(`/workspaces/${workspace.id}/members/nope`).set(auth(ownerUser)).send({ role: 'admin' });
      const badRole = await (await api()).patch(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(ownerUser)).send({ role: 'emperor' });
      expectProblem(badPath, 400);
      expect(errorPaths(badPath)).to.include('path.userId');
      expectProblem(badRole, 400);
      expect(await roleOf(workspace.id, member)).to.equal('member');
    });
  });

  describe('DELETE /workspaces/:id/members/:userId', () => {
    it('lets an admin remove a member, and anyone leave', async () => {
      const { workspace, admin, member, guest } = await aStaffedWorkspace();

      const removed = await (await api()).delete(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(admin));
      const left = await (await api()).delete(`/workspaces/${workspace.id}/members/${guest.id}`).set(auth(guest));

      expect(removed.status).to.equal(204);
      expect(left.status).to.equal(204);
      expect(await roleOf(workspace.id, member)).to.equal(undefined);
      expect(await roleOf(workspace.id, guest)).to.equal(undefined);
    });

    it('answers 403 to a member removing someone else and to an admin removing an owner', async () => {
      const { workspace, owner: ownerUser, admin, member, guest } = await aStaffedWorkspace();

      const byMember = await (await api()).delete(`/workspaces/${workspace.id}/members/${guest.id}`).set(auth(member));
      const byAdmin = await (await api()).delete(`/workspaces/${workspace.id}/members/${ownerUser.id}`).set(auth(admin));

      expectProblem(byMember, 403);
      expectProblem(byAdmin, 403);
      expect(await count(`SELECT 1 FROM workspace_members WHERE workspace_id = $1`, [workspace.id])).to.equal(4);
    });

    it('answers 409 when the last owner tries to leave', async () => {
      const { workspace, owner: ownerUser } = await aStaffedWorkspace();

      const res = await (await api()).delete(`/workspaces/${workspace.id}/members/${ownerUser.id}`).set(auth(ownerUser));

      expectProblem(res, 409);
      expect(res.body.detail).to.equal('A workspace must keep at least one owner: make another member owner first, or delete the workspace.');
      expect(await roleOf(workspace.id, ownerUser)).to.equal('owner');
    });

    it('keeps one owner when two owners leave at the same moment', async () => {
      const { workspace, owner: first, admin: second } = await aStaffedWorkspace();
      await addWorkspaceMember(workspace.id, second, 'owner');

      const results = await Promise.all([first, second].map(async (user) =>
        (await api()).delete(`/workspaces/${workspace.id}/members/${user.id}`).set(auth(user))));

      expect(results.map((r) => r.status).sort()).to.deep.equal([204, 409]);
      expect(await count(`SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [workspace.id])).to.equal(1);
    });

    it('removes a member who owns a project: the project passes to the workspace owner', async () => {
      const { workspace, owner: ownerUser, member } = await aStaffedWorkspace();
      const project = await aProject(workspace.id, member, { visibility: 'private' });
      expectProblem(await (await api()).get(`/projects/${project.id}`).set(auth(ownerUser)), 404);

      const res = await (await api()).delete(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(ownerUser));

      expect(res.status).to.equal(204);
      expect(await roleOf(workspace.id, member)).to.equal(undefined);
      const inherited = await (await api()).get(`/projects/${project.id}`).set(auth(ownerUser));
      expect(inherited.status).to.equal(200);
      expect(inherited.body.ownerId).to.equal(ownerUser.id);
      expectProblem(await (await api()).get(`/projects/${project.id}`).set(auth(member)), 404);
    });

    it('hands a departing owner\'s project to its co-owner first, and lets the member leave', async () => {
      const { workspace, admin, member } = await aStaffedWorkspace();
      const project = await aProject(workspace.id, member, { visibility: 'private' });
      await addProjectMember(project, admin, 'owner');

      const left = await (await api()).delete(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(member));

      expect(left.status).to.equal(204);
      const { rows } = await owner().query(
        `SELECT p.owner_id, m.role FROM projects p JOIN project_members m ON m.project_id = p.id AND m.user_id = p.owner_id WHERE p.id = $1`,
        [project.id]);
      expect(rows).to.deep.equal([{ owner_id: admin.id, role: 'owner' }]);
    });

    it('stops the workspace\'s creator from reading it once they are removed', async () => {
      const { workspace, owner: creator, admin } = await aStaffedWorkspace();
      await owner().query(`UPDATE workspace_members SET role = 'owner' WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, admin.id]);

      expect((await (await api()).delete(`/workspaces/${workspace.id}/members/${creator.id}`).set(auth(admin))).status).to.equal(204);

      expectProblem(await (await api()).get(`/workspaces/${workspace.id}`).set(auth(creator)), 404);
      expectProblem(await (await api()).get(`/workspaces/${workspace.id}/members`).set(auth(creator)), 404);
      expect((await (await api()).get(`/workspaces/${workspace.id}`).set(auth(admin))).body.ownerId).to.equal(admin.id);
    });

    it('moves the workspace to another owner when its owner steps down', async () => {
      const { workspace, owner: creator, admin } = await aStaffedWorkspace();
      await owner().query(`UPDATE workspace_members SET role = 'owner' WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, admin.id]);

      const res = await (await api()).patch(`/workspaces/${workspace.id}/members/${creator.id}`).set(auth(creator)).send({ role: 'member' });

      expect(res.status).to.equal(200);
      expect((await (await api()).get(`/workspaces/${workspace.id}`).set(auth(creator))).body).to.include({ ownerId: admin.id, role: 'member' });
    });

    it('takes access away at the very next request', async () => {
      const { workspace, owner: ownerUser, project, member } = await aTenant();
      const before = await (await api()).get(`/workspaces/${workspace.id}`).set(auth(member));
      const projectBefore = await (await api()).get(`/projects/${project.id}`).set(auth(member));
      expect(before.status).to.equal(200);
      expect(projectBefore.status).to.equal(200);

      const removed = await (await api()).delete(`/workspaces/${workspace.id}/members/${member.id}`).set(auth(ownerUser));
      expect(removed.status).to.equal(204);

      expectProblem(await (await api()).get(`/workspaces/${workspace.id}`).set(auth(member)), 404);
      expectProblem(await (await api()).get(`/projects/${project.id}`).set(auth(member)), 404);
      expectProblem(await (await api()).get(`/workspaces/${workspace.id}/members`).set(auth(member)), 404);
      const list = await (await api()).get('/workspaces').set(auth(member));
      expect(list.body.data).to.deep.equal([]);
    });

    it('answers 404, identical to an unknown id, when another tenant removes a member', async () => {
      const mine = await aStaffedWorkspace();
      const theirs = await aTenant();

      const hidden = await (await api()).delete(`/workspaces/${mine.workspace.id}/members/${mine.member.id}`).set(auth(theirs.owner));
      const unknown = await (await api()).delete(`/workspaces/${randomId()}/members/${mine.member.id}`).set(auth(theirs.owner));

      expectSameNotFound(hidden, unknown);
      expect(await roleOf(mine.workspace.id, mine.member)).to.equal('member');
    });
  });
});
