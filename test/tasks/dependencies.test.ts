import { expect } from 'chai';
import type { Response } from 'supertest';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aProject, aTenant, addProjectMember, auth, type TestUser } from '../support/factories';
import { arrangeTasks, count, expectProblem, footprint, randomId } from './support';

async function link(user: TestUser, taskId: string, dependsOnTaskId: string, dependencyType?: string) {
  return (await api()).post(`/tasks/${taskId}/dependencies`).set(auth(user)).send({ dependsOnTaskId, dependencyType });
}

const dependencyCount = (taskIds: string[]) =>
  count('SELECT 1 FROM task_dependencies WHERE task_id = ANY($1) OR depends_on_task_id = ANY($1)', [taskIds]);

describe('task dependencies', () => {
  it('adds a dependency (201), lists it with the depended-on task, and removes it (204)', async () => {
    const { project, member, workspace } = await aTenant();
    const [a, b] = await arrangeTasks(project, member, [{ title: 'A' }, { title: 'B', status: 'review' }]);
    const added = await link(member, a.id, b.id, 'relates_to');
    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    expect(added.body).to.have.all.keys('id', 'workspaceId', 'taskId', 'dependsOnTaskId', 'dependencyType', 'createdAt', 'dependsOnTask');
    expect(added.body).to.include({ workspaceId: workspace.id, taskId: a.id, dependsOnTaskId: b.id, dependencyType: 'relates_to' });
    expect(added.body.dependsOnTask).to.deep.equal({ id: b.id, title: 'B', status: 'review' });

    const list = await (await api()).get(`/tasks/${a.id}/dependencies`).set(auth(member));
    expect(list.status).to.equal(200);
    expect(list.body).to.deep.equal({ data: [added.body], nextCursor: null });

    const removed = await (await api()).delete(`/tasks/${a.id}/dependencies/${b.id}`).set(auth(member));
    expect(removed.status).to.equal(204);
    expect(await dependencyCount([a.id])).to.equal(0);
  });

  it('defaults the dependency type to blocks', async () => {
    const { project, member } = await aTenant();
    const [a, b] = await arrangeTasks(project, member, [{}, {}]);
    const res = await link(member, a.id, b.id);
    expect(res.status).to.equal(201);
    expect(res.body.dependencyType).to.equal('blocks');
  });

  it('links tasks of two projects of the same workspace the user can see', async () => {
    const { project, member, workspace, owner: wsOwner } = await aTenant();
    const second = await aProject(workspace.id, wsOwner);
    await addProjectMember(second, member, 'viewer');
    const [a] = await arrangeTasks(project, member, [{}]);
    const [b] = await arrangeTasks(second, wsOwner, [{}]);
    expect((await link(member, a.id, b.id)).status).to.equal(201);
  });

  it('shows a dependency on a task the user cannot see without that task\'s title', async () => {
    const { project, member, workspace, owner: wsOwner, bystander } = await aTenant({ visibility: 'internal' });
    const hidden = await aProject(workspace.id, wsOwner);
    const [a] = await arrangeTasks(project, member, [{}]);
    const [secret] = await arrangeTasks(hidden, wsOwner, [{ title: 'Secret' }]);
    await owner().query('INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)', [workspace.id, a.id, secret.id]);
    const list = await (await api()).get(`/tasks/${a.id}/dependencies`).set(auth(bystander));
    expect(list.status).to.equal(200);
    expect(list.body.data).to.have.length(1);
    expect(list.body.data[0].dependsOnTask).to.equal(null);
    expect(JSON.stringify(list.body)).not.to.include('Secret');
  });

  it('lists no dependency on a hidden task to readers of a public project from outside the workspace', async () => {
    const { project, member, workspace, owner: wsOwner, bystander } = await aTenant({ visibility: 'public' });
    const hidden = await aProject(workspace.id, wsOwner);
    await addProjectMember(hidden, member, 'member');
    const [a] = await arrangeTasks(project, member, [{}]);
    const [secret] = await arrangeTasks(hidden, wsOwner, [{ title: 'Secret' }]);
    expect((await link(member, a.id, secret.id)).status).to.equal(201);
    const { owner: otherTenant } = await aTenant();

    const outsider = await (await api()).get(`/tasks/${a.id}/dependencies`).set(auth(otherTenant));
    const anonymous = await (await api()).get(`/tasks/${a.id}/dependencies`);
    const insider = await (await api()).get(`/tasks/${a.id}/dependencies`).set(auth(bystander));
    const activity = await (await api()).get(`/projects/${project.id}/activity`).set(auth(otherTenant)).query({ limit: 200 });

    expect(outsider.body).to.deep.equal({ data: [], nextCursor: null });
    expect(anonymous.body).to.deep.equal({ data: [], nextCursor: null });
    expect(insider.body.data.map((d: { dependsOnTaskId: string }) => d.dependsOnTaskId)).to.deep.equal([secret.id]);
    expect(activity.status).to.equal(200);
    expect(JSON.stringify(activity.body)).not.to.include(secret.id);
  });

  it('answers 409 to a direct cycle (A -> B, then B -> A) and keeps only the first', async () => {
    const { project, member } = await aTenant();
    const [a, b] = await arrangeTasks(project, member, [{}, {}]);
    expect((await link(member, a.id, b.id)).status).to.equal(201);
    const res = await link(member, b.id, a.id);
    expectProblem(res, 409);
    expect(res.body.detail).to.equal('This dependency would create a cycle.');
    expect(await dependencyCount([a.id, b.id])).to.equal(1);
  });

  it('answers 409 to an indirect cycle (A -> B -> C, then C -> A) but allows a diamond', async () => {
    const { project, member } = await aTenant();
    const [a, b, c, d] = await arrangeTasks(project, member, [{}, {}, {}, {}]);
    expect((await link(member, a.id, b.id)).status).to.equal(201);
    expect((await link(member, b.id, c.id)).status).to.equal(201);
    expectProblem(await link(member, c.id, a.id), 409);
    expect((await link(member, a.id, d.id)).status).to.equal(201);
    expect((await link(member, d.id, c.id)).status).to.equal(201);
    expect(await dependencyCount([a.id, b.id, c.id, d.id])).to.equal(4);
  });

  it('answers 409 to a task depending on itself, the shortest cycle', async () => {
    const { project, member } = await aTenant();
    const [a] = await arrangeTasks(project, member, [{}]);
    const res = await link(member, a.id, a.id);
    expectProblem(res, 409);
    expect(res.body.detail).to.equal('A task cannot depend on itself: that would be a cycle.');
    expect(await dependencyCount([a.id])).to.equal(0);
  });

  it('answers 409 to a duplicate, whatever its type', async () => {
    const { project, member } = await aTenant();
    const [a, b] = await arrangeTasks(project, member, [{}, {}]);
    expect((await link(member, a.id, b.id)).status).to.equal(201);
    expectProblem(await link(member, a.id, b.id, 'duplicates'), 409);
    expect(await dependencyCount([a.id])).to.equal(1);
  });

  it('lets exactly one of two concurrent requests adding A -> B and B -> A commit', async () => {
    const { project, member, admin } = await aTenant();
    for (let round = 0; round < 15; round += 1) {
      const [a, b] = await arrangeTasks(project, member, [{}, {}]);
      const [forward, backward] = await Promise.all([link(member, a.id, b.id), link(admin, b.id, a.id)]);
      const statuses = [forward.status, backward.status].sort();
      expect(statuses, `round ${round}`).to.deep.equal([201, 409]);
      expect(await dependencyCount([a.id, b.id])).to.equal(1);
    }
  });

  it('lets a member add and remove, and answers a viewer 403 for both', async () => {
    const { project, member, viewer } = await aTenant();
    const [a, b, c] = await arrangeTasks(project, member, [{}, {}, {}]);
    expectProblem(await link(viewer, a.id, b.id), 403);
    expect(await dependencyCount([a.id])).to.equal(0);
    expect((await link(member, a.id, c.id)).status).to.equal(201);
    expectProblem(await (await api()).delete(`/tasks/${a.id}/dependencies/${c.id}`).set(auth(viewer)), 403);
    expect(await dependencyCount([a.id])).to.equal(1);
    expect((await (await api()).get(`/tasks/${a.id}/dependencies`).set(auth(viewer))).body.data).to.have.length(1);
  });

  it('answers 404 to removing a dependency that does not exist', async () => {
    const { project, member } = await aTenant();
    const [a, b] = await arrangeTasks(project, member, [{}, {}]);
    expectProblem(await (await api()).delete(`/tasks/${a.id}/dependencies/${b.id}`).set(auth(member)), 404);
  });

  it('answers 404 when the task itself is unknown, and writes nothing', async () => {
    const { project, member } = await aTenant();
    const [a] = await arrangeTasks(project, member, [{}]);
    const before = await footprint();
    expectProblem(await link(member, randomId(), a.id), 404);
    expect(await footprint()).to.deep.equal(before);
  });

  it('pages through many dependencies, each exactly once', async () => {
    const { project, member } = await aTenant();
    const [root, ...others] = await arrangeTasks(project, member, Array.from({ length: 8 }, () => ({})));
    for (const other of others) expect((await link(member, root.id, other.id)).status).to.equal(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: Response = await (await api()).get(`/tasks/${root.id}/dependencies`)
        .query({ limit: 3, ...(cursor ? { cursor } : {}) }).set(auth(member));
      expect(res.status).to.equal(200);
      expect(res.body.data.length).to.be.at.most(3);
      seen.push(...res.body.data.map((d: { dependsOnTaskId: string }) => d.dependsOnTaskId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).to.have.length(others.length);
    expect([...seen].sort()).to.deep.equal(others.map((o) => o.id).sort());
  });
});
