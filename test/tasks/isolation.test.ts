import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aProject, aTenant, aUser, addProjectMember, auth } from '../support/factories';
import { arrangeTasks, expectProblem, expectSameNotFound, footprint, randomId } from './support';

/**
 * Another tenant's rows must be indistinguishable from rows that do not exist: every
 * attempt to read, change, delete, complete, link to or infer them answers exactly what a
 * random id answers, and writes nothing.
 */
describe('tasks across tenants', () => {
  async function twoTenants() {
    const victim = await aTenant();
    const attacker = await aTenant();
    const [victimTask] = await arrangeTasks(victim.project, victim.member, [{ title: 'Secret plan' }]);
    const [ownTask] = await arrangeTasks(attacker.project, attacker.member, [{}]);
    return { victim, attacker, victimTask, ownTask };
  }

  it('reads, changes, deletes and completes another tenant\'s task only as a 404 identical to a random id\'s', async () => {
    const { attacker, victimTask } = await twoTenants();
    const before = await footprint();
    const as = auth(attacker.owner);
    const attempts: Array<(id: string) => Promise<import('supertest').Response>> = [
      async (id) => (await api()).get(`/tasks/${id}`).set(as),
      async (id) => (await api()).patch(`/tasks/${id}`).set(as).send({ title: 'Mine now' }),
      async (id) => (await api()).delete(`/tasks/${id}`).set(as),
      async (id) => (await api()).post(`/tasks/${id}/complete`).set(as).send({}),
      async (id) => (await api()).get(`/tasks/${id}/subtasks`).set(as),
      async (id) => (await api()).get(`/tasks/${id}/dependencies`).set(as),
      async (id) => (await api()).post(`/tasks/${id}/dependencies`).set(as).send({ dependsOnTaskId: randomId() }),
      async (id) => (await api()).delete(`/tasks/${id}/dependencies/${randomId()}`).set(as),
    ];
    for (const attempt of attempts) expectSameNotFound(await attempt(victimTask.id), await attempt(randomId()));
    expect(await footprint()).to.deep.equal(before);
    const { rows } = await owner().query('SELECT title, status FROM tasks WHERE id = $1', [victimTask.id]);
    expect(rows[0]).to.deep.equal({ title: 'Secret plan', status: 'pending' });
  });

  it('lists and creates in another tenant\'s project only as a 404 identical to a random project\'s', async () => {
    const { victim, attacker } = await twoTenants();
    const before = await footprint();
    for (const user of [attacker.owner, attacker.member, await aUser()]) {
      const list = async (id: string) => (await api()).get(`/projects/${id}/tasks`).set(auth(user));
      const create = async (id: string) => (await api()).post(`/projects/${id}/tasks`).set(auth(user)).send({ title: 'x' });
      expectSameNotFound(await list(victim.project.id), await list(randomId()));
      expectSameNotFound(await create(victim.project.id), await create(randomId()));
    }
    expect(await footprint()).to.deep.equal(before);
  });

  it('refuses another tenant\'s task as a parent exactly like an unknown id', async () => {
    const { attacker, victimTask, ownTask } = await twoTenants();
    const before = await footprint();
    const as = auth(attacker.member);
    const create = async (parentTaskId: string) =>
      (await api()).post(`/projects/${attacker.project.id}/tasks`).set(as).send({ title: 'child', parentTaskId });
    const move = async (parentTaskId: string) => (await api()).patch(`/tasks/${ownTask.id}`).set(as).send({ parentTaskId });
    for (const attempt of [create, move]) {
      const foreign = await attempt(victimTask.id);
      const unknown = await attempt(randomId());
      expectProblem(foreign, 400);
      const { instance: _a, ...a } = foreign.body;
      const { instance: _b, ...b } = unknown.body;
      expect(a).to.deep.equal(b);
      expect(foreign.body.errors).to.deep.equal([{ path: 'body.parentTaskId', message: 'parentTaskId is not a task of this project.' }]);
    }
    expect(await footprint()).to.deep.equal(before);
  });

  it('refuses another tenant\'s user as assignee exactly like an unknown id', async () => {
    const { victim, attacker, ownTask } = await twoTenants();
    const before = await footprint();
    const as = auth(attacker.member);
    const create = async (assigneeId: string) =>
      (await api()).post(`/projects/${attacker.project.id}/tasks`).set(as).send({ title: 't', assigneeId });
    const assign = async (assigneeId: string) => (await api()).patch(`/tasks/${ownTask.id}`).set(as).send({ assigneeId });
    for (const attempt of [create, assign]) {
      for (const foreignUser of [victim.member, victim.owner]) {
        const foreign = await attempt(foreignUser.id);
        const unknown = await attempt(randomId());
        expectProblem(foreign, 400);
        const { instance: _a, ...a } = foreign.body;
        const { instance: _b, ...b } = unknown.body;
        expect(a).to.deep.equal(b);
        expect(foreign.body.errors).to.deep.equal([{ path: 'body.assigneeId', message: 'assigneeId is not a member of this workspace.' }]);
      }
    }
    expect(await footprint()).to.deep.equal(before);
  });

  it('refuses a dependency on another tenant\'s task exactly like one on an unknown id', async () => {
    const { attacker, victimTask, ownTask } = await twoTenants();
    const before = await footprint();
    const link = async (dependsOnTaskId: string) =>
      (await api()).post(`/tasks/${ownTask.id}/dependencies`).set(auth(attacker.member)).send({ dependsOnTaskId });
    expectSameNotFound(await link(victimTask.id), await link(randomId()));
    expect(await footprint()).to.deep.equal(before);
  });

  it('refuses a dependency on a hidden project\'s task of the same workspace like an unknown id', async () => {
    const { project, member, bystander, workspace, owner: wsOwner } = await aTenant();
    const bystanderProject = await aProject(workspace.id, wsOwner);
    await addProjectMember(bystanderProject, bystander, 'member');
    const [ownTask] = await arrangeTasks(bystanderProject, bystander, [{}]);
    const [hiddenTask] = await arrangeTasks(project, member, [{}]);
    const link = async (dependsOnTaskId: string) =>
      (await api()).post(`/tasks/${ownTask.id}/dependencies`).set(auth(bystander)).send({ dependsOnTaskId });
    expectSameNotFound(await link(hiddenTask.id), await link(randomId()));
  });

  it('lets nobody infer another tenant\'s tasks through list filters', async () => {
    const { victim, attacker, victimTask } = await twoTenants();
    await owner().query('UPDATE tasks SET assignee_id = $1, tags = $2 WHERE id = $3', [victim.member.id, ['secret'], victimTask.id]);
    const res = await (await api()).get(`/projects/${attacker.project.id}/tasks`)
      .query({ assigneeId: victim.member.id }).set(auth(attacker.owner));
    expect(res.status).to.equal(200);
    expect(res.body.data).to.deep.equal([]);
    const byParent = await (await api()).get(`/projects/${attacker.project.id}/tasks`)
      .query({ parentTaskId: victimTask.id }).set(auth(attacker.owner));
    expect(byParent.body.data).to.deep.equal([]);
  });
});

describe('tasks of public and private projects, anonymously and as outsiders', () => {
  it('lets an anonymous visitor list and read a public project\'s tasks', async () => {
    const { project, task } = await aTenant({ visibility: 'public' });
    const list = await (await api()).get(`/projects/${project.id}/tasks`);
    expect(list.status).to.equal(200);
    expect(list.body.data.map((t: { id: string }) => t.id)).to.deep.equal([task.id]);
    expect((await (await api()).get(`/tasks/${task.id}`)).status).to.equal(200);
    expect((await (await api()).get(`/tasks/${task.id}/subtasks`)).status).to.equal(200);
    expect((await (await api()).get(`/tasks/${task.id}/dependencies`)).status).to.equal(200);
  });

  it('answers an anonymous visitor 404 for a private or internal project\'s tasks, like a random id', async () => {
    for (const visibility of ['private', 'internal'] as const) {
      const { project, task } = await aTenant({ visibility });
      expectSameNotFound(await (await api()).get(`/projects/${project.id}/tasks`), await (await api()).get(`/projects/${randomId()}/tasks`));
      expectSameNotFound(await (await api()).get(`/tasks/${task.id}`), await (await api()).get(`/tasks/${randomId()}`));
    }
  });

  it('answers 401 to an anonymous write, even on a public project', async () => {
    const { project, task } = await aTenant({ visibility: 'public' });
    const before = await footprint();
    expectProblem(await (await api()).post(`/projects/${project.id}/tasks`).send({ title: 'x' }), 401);
    expectProblem(await (await api()).patch(`/tasks/${task.id}`).send({ title: 'x' }), 401);
    expectProblem(await (await api()).delete(`/tasks/${task.id}`), 401);
    expectProblem(await (await api()).post(`/tasks/${task.id}/complete`).send({}), 401);
    expectProblem(await (await api()).post(`/tasks/${task.id}/dependencies`).send({ dependsOnTaskId: task.id }), 401);
    expect(await footprint()).to.deep.equal(before);
  });

  it('lets a signed-in outsider read a public project\'s tasks but answers 403 to their writes', async () => {
    const { project, task } = await aTenant({ visibility: 'public' });
    const outsider = await aUser();
    const as = auth(outsider);
    const before = await footprint();
    expect((await (await api()).get(`/projects/${project.id}/tasks`).set(as)).status).to.equal(200);
    expect((await (await api()).get(`/tasks/${task.id}`).set(as)).status).to.equal(200);
    expectProblem(await (await api()).post(`/projects/${project.id}/tasks`).set(as).send({ title: 'x' }), 403);
    expectProblem(await (await api()).patch(`/tasks/${task.id}`).set(as).send({ title: 'x' }), 403);
    expectProblem(await (await api()).delete(`/tasks/${task.id}`).set(as), 403);
    expectProblem(await (await api()).post(`/tasks/${task.id}/complete`).set(as).send({}), 403);
    expect(await footprint()).to.deep.equal(before);
  });
});
