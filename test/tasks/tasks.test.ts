import { expect } from 'chai';
import type { Response } from 'supertest';
import { owner } from '../support/db';
import { aProject, aTask, aTenant, aUser, addProjectMember, addWorkspaceMember, auth } from '../support/factories';
import { api } from '../support/app';
import { arrangeTasks, count, expectProblem, inDays } from './support';

const TASK_FIELDS = [
  'id', 'workspaceId', 'projectId', 'parentTaskId', 'title', 'description', 'status', 'priority', 'assigneeId',
  'creatorId', 'dueDate', 'estimatedHours', 'actualHours', 'tags', 'metadata', 'createdAt', 'updatedAt', 'completedAt',
];

describe('tasks: create, read, update, delete', () => {
  describe('POST /projects/:id/tasks', () => {
    it('creates a task with every field and answers 201 with it', async () => {
      const { project, member, admin } = await aTenant();
      const parent = await aTask(project, member);
      const due = inDays(7);
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({
        title: '  Write the release notes  ', description: 'For 2.0', status: 'in_progress', priority: 'high',
        assigneeId: admin.id, parentTaskId: parent.id, dueDate: due, estimatedHours: 3,
        tags: ['docs', 'release'], metadata: { source: 'test', nested: { a: 1 } },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.headers['content-type']).to.match(/^application\/json/);
      expect(res.body).to.have.all.keys(TASK_FIELDS);
      expect(res.body).to.include({
        workspaceId: project.workspaceId, projectId: project.id, parentTaskId: parent.id, title: 'Write the release notes',
        description: 'For 2.0', status: 'in_progress', priority: 'high', assigneeId: admin.id, creatorId: member.id,
        estimatedHours: 3, actualHours: null, completedAt: null,
      });
      expect(new Date(res.body.dueDate).toISOString()).to.equal(due);
      expect(res.body.tags).to.deep.equal(['docs', 'release']);
      expect(res.body.metadata).to.deep.equal({ source: 'test', nested: { a: 1 } });
      const { rows } = await owner().query('SELECT creator_id, workspace_id FROM tasks WHERE id = $1', [res.body.id]);
      expect(rows).to.deep.equal([{ creator_id: member.id, workspace_id: project.workspaceId }]);
    });

    it('fills the defaults for a task with only a title', async () => {
      const { project, owner: projectOwner } = await aTenant();
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(projectOwner)).send({ title: 'Minimal' });
      expect(res.status).to.equal(201);
      expect(res.body).to.include({ status: 'pending', priority: 'medium', assigneeId: null, parentTaskId: null, dueDate: null });
      expect(res.body.tags).to.deep.equal([]);
      expect(res.body.metadata).to.deep.equal({});
    });

    it('stamps completedAt when a task is created done', async () => {
      const { project, member } = await aTenant();
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({ title: 'Done already', status: 'done' });
      expect(res.status).to.equal(201);
      expect(res.body.completedAt).to.be.a('string');
    });

    it('lets owner, admin and member create, and refuses a viewer with 403', async () => {
      const { project, owner: projectOwner, admin, member, viewer } = await aTenant();
      for (const user of [projectOwner, admin, member]) {
        const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(user)).send({ title: 'Mine' });
        expect(res.status, user.email).to.equal(201);
      }
      const before = await count('SELECT 1 FROM tasks WHERE project_id = $1', [project.id]);
      expectProblem(await (await api()).post(`/projects/${project.id}/tasks`).set(auth(viewer)).send({ title: 'Not mine' }), 403);
      expect(await count('SELECT 1 FROM tasks WHERE project_id = $1', [project.id])).to.equal(before);
    });

    it('answers 404 to a workspace member outside a private project, and 403 when the project is internal', async () => {
      const hidden = await aTenant();
      expectProblem(await (await api()).post(`/projects/${hidden.project.id}/tasks`).set(auth(hidden.bystander)).send({ title: 'x' }), 404);
      const internal = await aTenant({ visibility: 'internal' });
      expectProblem(await (await api()).post(`/projects/${internal.project.id}/tasks`).set(auth(internal.bystander)).send({ title: 'x' }), 403);
    });

    it('answers 401 without authentication', async () => {
      const { project } = await aTenant({ visibility: 'public' });
      expectProblem(await (await api()).post(`/projects/${project.id}/tasks`).send({ title: 'x' }), 401);
    });

    it('accepts an assignee from the workspace who is not in the project', async () => {
      const { project, member, bystander } = await aTenant();
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({ title: 't', assigneeId: bystander.id });
      expect(res.status).to.equal(201);
      expect(res.body.assigneeId).to.equal(bystander.id);
    });

    it('refuses a due date in the past with a 400 that names dueDate, and writes nothing', async () => {
      const { project, member } = await aTenant();
      const before = await count('SELECT 1 FROM tasks WHERE project_id = $1', [project.id]);
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({ title: 't', dueDate: inDays(-1) });
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ path: 'body.dueDate', message: 'Must be later than the time the task was created.' }]);
      expect(JSON.stringify(res.body)).not.to.match(/chk_|constraint|violates/i);
      expect(await count('SELECT 1 FROM tasks WHERE project_id = $1', [project.id])).to.equal(before);
    });

    it('refuses a parent task from another project of the same workspace with 400', async () => {
      const { project, member, workspace, owner: wsOwner } = await aTenant();
      const other = await aProject(workspace.id, wsOwner);
      await addProjectMember(other, member, 'member');
      const foreignParent = await aTask(other, member);
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({ title: 't', parentTaskId: foreignParent.id });
      expectProblem(res, 400);
    });
  });

  describe('GET /tasks/:id', () => {
    it('answers the task to every project role and to an internal project\'s workspace members', async () => {
      const { project, task, owner: projectOwner, admin, member, viewer } = await aTenant();
      for (const user of [projectOwner, admin, member, viewer]) {
        const res = await (await api()).get(`/tasks/${task.id}`).set(auth(user));
        expect(res.status).to.equal(200);
        expect(res.body).to.have.all.keys(TASK_FIELDS);
        expect(res.body).to.include({ id: task.id, projectId: project.id });
      }
      const internal = await aTenant({ visibility: 'internal' });
      expect((await (await api()).get(`/tasks/${internal.task.id}`).set(auth(internal.bystander))).status).to.equal(200);
    });

    it('shows a task in a list exactly as GET /tasks/:id shows it', async () => {
      const { project, member, admin } = await aTenant();
      const parent = await aTask(project, member);
      const created = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({
        title: 'Ünïcode "quoted" \\ back\tslash', description: 'line one\nline two \u0001 ✓ 😀', status: 'done', priority: 'urgent',
        assigneeId: admin.id, parentTaskId: parent.id, dueDate: inDays(3), estimatedHours: 8, actualHours: 13,
        tags: ['a', 'ß'], metadata: { nested: { list: [1, 2.5, 'x', null, true], empty: {} }, n: -0.001 },
      });
      expect(created.status, JSON.stringify(created.body)).to.equal(201);
      // Microseconds that a millisecond rendering must truncate, as a JS Date does.
      await owner().query(`UPDATE tasks SET due_date = '2031-02-03 04:05:06.789999+00', created_at = created_at + interval '0.000999 seconds' WHERE id = $1`, [created.body.id]);

      const one = await (await api()).get(`/tasks/${created.body.id}`).set(auth(member));
      const list = await (await api()).get(`/projects/${project.id}/tasks`).set(auth(member)).query({ q: 'quoted' });

      expect(list.status).to.equal(200);
      expect(list.headers['content-type']).to.equal('application/json; charset=utf-8');
      expect(list.body.data).to.have.length(1);
      expect(list.body.data[0]).to.deep.equal(one.body);
      expect(one.body.dueDate).to.equal('2031-02-03T04:05:06.789Z');
    });

    it('answers 404 to a workspace member who is not in the private project', async () => {
      const { task, bystander } = await aTenant();
      expectProblem(await (await api()).get(`/tasks/${task.id}`).set(auth(bystander)), 404);
    });
  });

  describe('PATCH /tasks/:id', () => {
    it('changes the fields sent and leaves the others', async () => {
      const { task, member, admin } = await aTenant();
      const due = inDays(3);
      const res = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({
        title: 'Renamed', priority: 'urgent', assigneeId: admin.id, dueDate: due, estimatedHours: 5, actualHours: 2,
        tags: ['a'], metadata: { k: 'v' }, description: 'now described',
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({
        title: 'Renamed', priority: 'urgent', assigneeId: admin.id, estimatedHours: 5, actualHours: 2,
        description: 'now described', status: 'pending',
      });
      expect(res.body.tags).to.deep.equal(['a']);
      expect(res.body.metadata).to.deep.equal({ k: 'v' });
      expect(new Date(res.body.updatedAt).getTime()).to.be.greaterThan(new Date(res.body.createdAt).getTime());
    });

    it('leaves updatedAt alone when the PATCH changes nothing', async () => {
      const { task, member } = await aTenant();
      const first = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ title: 'Same' });
      const again = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ title: 'Same' });
      expect(again.status).to.equal(200);
      expect(again.body.updatedAt).to.equal(first.body.updatedAt);
    });

    it('clears nullable fields sent as null', async () => {
      const { project, member, admin } = await aTenant();
      const [task] = await arrangeTasks(project, member, [{ assigneeId: admin.id, dueDate: inDays(2) }]);
      const res = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ assigneeId: null, dueDate: null, description: null });
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ assigneeId: null, dueDate: null, description: null });
    });

    it('stamps completedAt when status becomes done and clears it when status leaves done', async () => {
      const { task, member } = await aTenant();
      const done = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ status: 'done' });
      expect(done.status).to.equal(200);
      expect(done.body.completedAt).to.be.a('string');
      const again = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ status: 'done', title: 'still done' });
      expect(again.body.completedAt).to.equal(done.body.completedAt);
      const reopened = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ status: 'in_progress' });
      expect(reopened.body).to.include({ status: 'in_progress', completedAt: null });
    });

    it('refuses a viewer with 403 and changes nothing', async () => {
      const { task, viewer } = await aTenant();
      expectProblem(await (await api()).patch(`/tasks/${task.id}`).set(auth(viewer)).send({ title: 'Hijacked' }), 403);
      const { rows } = await owner().query('SELECT title FROM tasks WHERE id = $1', [task.id]);
      expect(rows[0].title).to.equal(task.title);
    });

    it('refuses a due date before the task was created with a 400 that names dueDate, and changes nothing', async () => {
      const { task, member } = await aTenant();
      const res = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ title: 'Renamed', dueDate: '2020-01-01T00:00:00Z' });
      expectProblem(res, 400);
      expect(res.body.errors).to.deep.equal([{ path: 'body.dueDate', message: 'Must be later than the time the task was created.' }]);
      const { rows } = await owner().query('SELECT title, due_date FROM tasks WHERE id = $1', [task.id]);
      expect(rows[0]).to.deep.equal({ title: task.title, due_date: null });
    });

    it('answers 400 naming projectId, workspaceId or creatorId, which cannot move', async () => {
      const { task, member, admin } = await aTenant();
      const other = await aTenant();
      for (const [field, value] of [['projectId', other.project.id], ['workspaceId', other.workspace.id], ['creatorId', admin.id]]) {
        const res = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ [field]: value });
        expectProblem(res, 400);
        expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(`body.${field}`);
      }
      const { rows } = await owner().query('SELECT project_id, workspace_id, creator_id FROM tasks WHERE id = $1', [task.id]);
      expect(rows[0].project_id).to.not.equal(other.project.id);
    });

    it('refuses to make a task its own parent or its descendant\'s child', async () => {
      const { project, member } = await aTenant();
      const [a] = await arrangeTasks(project, member, [{}]);
      const [b] = await arrangeTasks(project, member, [{ parentTaskId: a.id }]);
      const [c] = await arrangeTasks(project, member, [{ parentTaskId: b.id }]);
      expectProblem(await (await api()).patch(`/tasks/${a.id}`).set(auth(member)).send({ parentTaskId: a.id }), 400);
      expectProblem(await (await api()).patch(`/tasks/${a.id}`).set(auth(member)).send({ parentTaskId: c.id }), 409);
      const { rows } = await owner().query('SELECT parent_task_id FROM tasks WHERE id = $1', [a.id]);
      expect(rows[0].parent_task_id).to.equal(null);
    });

    it('moves a task under another parent of the same project', async () => {
      const { project, member } = await aTenant();
      const [a, b] = await arrangeTasks(project, member, [{}, {}]);
      const res = await (await api()).patch(`/tasks/${b.id}`).set(auth(member)).send({ parentTaskId: a.id });
      expect(res.status).to.equal(200);
      expect(res.body.parentTaskId).to.equal(a.id);
    });
  });

  describe('DELETE /tasks/:id', () => {
    it('lets a project admin or owner delete any task', async () => {
      const { project, member, admin, owner: projectOwner } = await aTenant();
      const [first, second] = await arrangeTasks(project, member, [{}, {}]);
      expect((await (await api()).delete(`/tasks/${first.id}`).set(auth(admin))).status).to.equal(204);
      const res = await (await api()).delete(`/tasks/${second.id}`).set(auth(projectOwner));
      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      expect(await count('SELECT 1 FROM tasks WHERE id = ANY($1)', [[first.id, second.id]])).to.equal(0);
    });

    it('lets a member delete their own task but not another\'s (403)', async () => {
      const { project, member, admin } = await aTenant();
      const [mine] = await arrangeTasks(project, member, [{}]);
      const [theirs] = await arrangeTasks(project, admin, [{}]);
      expect((await (await api()).delete(`/tasks/${mine.id}`).set(auth(member))).status).to.equal(204);
      expectProblem(await (await api()).delete(`/tasks/${theirs.id}`).set(auth(member)), 403);
      expect(await count('SELECT 1 FROM tasks WHERE id = $1', [theirs.id])).to.equal(1);
    });

    it('refuses a viewer with 403, even for a task they created before being demoted', async () => {
      const { project, viewer } = await aTenant();
      const [task] = await arrangeTasks(project, viewer, [{}]);
      expectProblem(await (await api()).delete(`/tasks/${task.id}`).set(auth(viewer)), 403);
      expect(await count('SELECT 1 FROM tasks WHERE id = $1', [task.id])).to.equal(1);
    });

    it('answers 409 for a task that still has subtasks, and deletes it once they are gone', async () => {
      const { project, admin } = await aTenant();
      const [parent] = await arrangeTasks(project, admin, [{}]);
      const [child] = await arrangeTasks(project, admin, [{ parentTaskId: parent.id }]);
      expectProblem(await (await api()).delete(`/tasks/${parent.id}`).set(auth(admin)), 409);
      expect(await count('SELECT 1 FROM tasks WHERE id = $1', [parent.id])).to.equal(1);
      expect((await (await api()).delete(`/tasks/${child.id}`).set(auth(admin))).status).to.equal(204);
      expect((await (await api()).delete(`/tasks/${parent.id}`).set(auth(admin))).status).to.equal(204);
    });
  });

  describe('POST /tasks/:id/complete', () => {
    it('accepts the request without a body (Content-Length: 0, no Content-Type)', async () => {
      const { task, member } = await aTenant();
      const res = await (await api()).post(`/tasks/${task.id}/complete`).set(auth(member));
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.status).to.equal('done');
    });

    it('marks the task done with completedAt, for a member', async () => {
      const { task, member } = await aTenant();
      const res = await (await api()).post(`/tasks/${task.id}/complete`).set(auth(member)).send({});
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body).to.include({ id: task.id, status: 'done' });
      expect(res.body.completedAt).to.be.a('string');
      const { rows } = await owner().query('SELECT status, completed_at FROM tasks WHERE id = $1', [task.id]);
      expect(rows[0].status).to.equal('done');
      expect(rows[0].completed_at).to.be.instanceOf(Date);
    });

    it('keeps completedAt when a done task is completed again, and still refuses a viewer then', async () => {
      const { task, member, viewer } = await aTenant();
      const first = await (await api()).post(`/tasks/${task.id}/complete`).set(auth(member));
      const again = await (await api()).post(`/tasks/${task.id}/complete`).set(auth(member));
      expect(again.status).to.equal(200);
      expect(again.body.completedAt).to.equal(first.body.completedAt);
      expectProblem(await (await api()).post(`/tasks/${task.id}/complete`).set(auth(viewer)), 403);
    });

    it('answers 403 to a viewer and leaves the task as it was', async () => {
      const { task, viewer } = await aTenant();
      expectProblem(await (await api()).post(`/tasks/${task.id}/complete`).set(auth(viewer)).send({}), 403);
      const { rows } = await owner().query('SELECT status, completed_at FROM tasks WHERE id = $1', [task.id]);
      expect(rows[0]).to.deep.equal({ status: 'pending', completed_at: null });
    });

    it('answers 403 to a workspace member who only sees an internal project', async () => {
      const { task, bystander } = await aTenant({ visibility: 'internal' });
      expectProblem(await (await api()).post(`/tasks/${task.id}/complete`).set(auth(bystander)).send({}), 403);
    });
  });

  describe('GET /tasks/:id/subtasks', () => {
    it('lists the subtasks of a task and nothing else', async () => {
      const { project, member } = await aTenant();
      const [parent, unrelated] = await arrangeTasks(project, member, [{}, {}]);
      const children = await arrangeTasks(project, member, [{ parentTaskId: parent.id }, { parentTaskId: parent.id }, { parentTaskId: parent.id }]);
      await arrangeTasks(project, member, [{ parentTaskId: unrelated.id }]);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = await (await api()).get(`/tasks/${parent.id}/subtasks`).query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(auth(member));
        expect(res.status).to.equal(200);
        for (const task of res.body.data) {
          expect(task.parentTaskId).to.equal(parent.id);
          seen.push(task.id);
        }
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.sort()).to.deep.equal(children.map((c) => c.id).sort());
    });

    it('answers 404 for a task the user cannot see', async () => {
      const { task } = await aTenant();
      const outsider = await aUser();
      expectProblem(await (await api()).get(`/tasks/${task.id}/subtasks`).set(auth(outsider)), 404);
    });
  });

  describe('assignees', () => {
    it('unassigns tasks of a user who leaves the workspace', async () => {
      const { project, member, workspace } = await aTenant();
      const leaver = await aUser();
      await addWorkspaceMember(workspace.id, leaver, 'member');
      const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member)).send({ title: 't', assigneeId: leaver.id });
      expect(res.status).to.equal(201);
      await owner().query('DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [workspace.id, leaver.id]);
      const after = await (await api()).get(`/tasks/${res.body.id}`).set(auth(member));
      expect(after.body.assigneeId).to.equal(null);
    });
  });
});

describe('tasks in the OpenAPI document', () => {
  it('lists every task route with its request schemas', async () => {
    const res = await (await api()).get('/openapi.json');
    expect(res.status).to.equal(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/projects/{id}/tasks'])).to.include.members(['get', 'post']);
    expect(Object.keys(paths['/tasks/{id}'])).to.include.members(['get', 'patch', 'delete']);
    for (const path of ['/tasks/{id}/complete', '/tasks/{id}/subtasks', '/tasks/{id}/dependencies', '/tasks/{id}/dependencies/{dependsOnTaskId}']) {
      expect(paths, path).to.have.property(path);
    }
    expect(res.body.components.schemas).to.include.keys('Task', 'CreateTask', 'UpdateTask', 'TaskPage', 'TaskDependency', 'AddDependency');
  });
});
