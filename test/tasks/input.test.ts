import { expect } from 'chai';
import type { Response } from 'supertest';
import { api } from '../support/app';
import { aTenant, auth, type TestUser } from '../support/factories';
import { errorPaths, expectProblem, footprint } from './support';

/** Bad input of every kind is a 4xx problem+json, never a 5xx, and writes nothing. */
describe('tasks: bad input', () => {
  let tenant: Awaited<ReturnType<typeof aTenant>>;
  let member: TestUser;
  before(async () => {
    tenant = await aTenant();
    member = tenant.member;
  });

  async function expectRefused(res: Response, status: number, path?: string) {
    expectProblem(res, status);
    if (path) expect(errorPaths(res), JSON.stringify(res.body)).to.include(path);
    expect(JSON.stringify(res.body)).not.to.match(/select |insert |violates|constraint|chk_|fk_|stack/i);
  }

  const badBodies: Array<[string, unknown, string]> = [
    ['a missing title', {}, 'body.title'],
    ['a blank title', { title: '   ' }, 'body.title'],
    ['a number as title', { title: 42 }, 'body.title'],
    ['a NUL byte in the title', { title: 'bad\u0000title' }, 'body.title'],
    ['a 10,000-character title', { title: 'x'.repeat(10_000) }, 'body.title'],
    ['a NUL byte in the description', { title: 't', description: 'a\u0000b' }, 'body.description'],
    ['an unknown status', { title: 't', status: 'finished' }, 'body.status'],
    ['an unknown priority', { title: 't', priority: 'critical' }, 'body.priority'],
    ['a bad assignee uuid', { title: 't', assigneeId: 'not-a-uuid' }, 'body.assigneeId'],
    ['a bad parent uuid', { title: 't', parentTaskId: '123' }, 'body.parentTaskId'],
    ['a due date that is no date', { title: 't', dueDate: 'tomorrow' }, 'body.dueDate'],
    ['a due date without a time zone', { title: 't', dueDate: '2099-01-01T00:00:00' }, 'body.dueDate'],
    ['negative estimated hours', { title: 't', estimatedHours: -1 }, 'body.estimatedHours'],
    ['zero estimated hours', { title: 't', estimatedHours: 0 }, 'body.estimatedHours'],
    ['fractional estimated hours', { title: 't', estimatedHours: 1.5 }, 'body.estimatedHours'],
    ['huge estimated hours', { title: 't', estimatedHours: 1e12 }, 'body.estimatedHours'],
    ['hours as a string', { title: 't', estimatedHours: '3' }, 'body.estimatedHours'],
    ['tags that are not an array', { title: 't', tags: 'a,b' }, 'body.tags'],
    ['an empty tag', { title: 't', tags: [''] }, 'body.tags.0'],
    ['a 51-character tag', { title: 't', tags: ['x'.repeat(51)] }, 'body.tags.0'],
    ['51 tags', { title: 't', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'body.tags'],
    ['metadata that is an array', { title: 't', metadata: [1, 2] }, 'body.metadata'],
    ['metadata that is a string', { title: 't', metadata: 'x' }, 'body.metadata'],
    ['metadata over 16 KiB', { title: 't', metadata: { blob: 'x'.repeat(20_000) } }, 'body.metadata'],
    ['a NUL byte inside metadata', { title: 't', metadata: { a: 'b\u0000' } }, 'body.metadata'],
    ['an unknown field', { title: 't', projectId: '00000000-0000-0000-0000-000000000000' }, 'body.projectId'],
    ['a creatorId', { title: 't', creatorId: '00000000-0000-0000-0000-000000000000' }, 'body.creatorId'],
    ['a __proto__ field', JSON.parse('{"title":"t","__proto__":{"admin":true}}'), 'body.__proto__'],
  ];

  for (const [what, body, path] of badBodies) {
    it(`answers 400 naming ${path} for ${what} on create, writing nothing`, async () => {
      const before = await footprint();
      await expectRefused(await (await api()).post(`/projects/${tenant.project.id}/tasks`).set(auth(member)).send(body as object), 400, path);
      expect(await footprint()).to.deep.equal(before);
    });
  }

  it('answers 400 for the same bad fields on update, writing nothing', async () => {
    const before = await footprint();
    for (const [what, body, path] of badBodies.filter(([, b]) => Object.keys(b as object).length > 0)) {
      const { title: _t, ...rest } = body as Record<string, unknown>;
      const patch = path === 'body.title' ? body : rest;
      const res = await (await api()).patch(`/tasks/${tenant.task.id}`).set(auth(member)).send(patch as object);
      expect(res.status, what).to.equal(400);
      await expectRefused(res, 400);
    }
    expect(await footprint()).to.deep.equal(before);
  });

  it('answers 400 to an empty PATCH', async () => {
    await expectRefused(await (await api()).patch(`/tasks/${tenant.task.id}`).set(auth(member)).send({}), 400);
  });

  it('answers 400 to malformed JSON, and 415 to a body that is not JSON', async () => {
    const before = await footprint();
    await expectRefused(await (await api()).post(`/projects/${tenant.project.id}/tasks`).set(auth(member))
      .set('Content-Type', 'application/json').send('{"title": "t",'), 400);
    await expectRefused(await (await api()).patch(`/tasks/${tenant.task.id}`).set(auth(member))
      .set('Content-Type', 'application/json').send('[1, 2'), 400);
    await expectRefused(await (await api()).post(`/projects/${tenant.project.id}/tasks`).set(auth(member))
      .set('Content-Type', 'text/plain').send('title=t'), 415);
    await expectRefused(await (await api()).post(`/projects/${tenant.project.id}/tasks`).set(auth(member))
      .set('Content-Type', 'application/json').send('"just a string"'), 400);
    await expectRefused(await (await api()).post(`/projects/${tenant.project.id}/tasks`).set(auth(member))
      .set('Content-Type', 'application/json').send('null'), 400);
    expect(await footprint()).to.deep.equal(before);
  });

  it('answers 400 naming the path parameter for a bad uuid in every route', async () => {
    const as = auth(member);
    const bad = 'not-a-uuid';
    const attempts = [
      (await api()).get(`/projects/${bad}/tasks`).set(as),
      (await api()).post(`/projects/${bad}/tasks`).set(as).send({ title: 't' }),
      (await api()).get(`/tasks/${bad}`).set(as),
      (await api()).patch(`/tasks/${bad}`).set(as).send({ title: 't' }),
      (await api()).delete(`/tasks/${bad}`).set(as),
      (await api()).post(`/tasks/${bad}/complete`).set(as).send({}),
      (await api()).get(`/tasks/${bad}/subtasks`).set(as),
      (await api()).get(`/tasks/${bad}/dependencies`).set(as),
      (await api()).post(`/tasks/${bad}/dependencies`).set(as).send({ dependsOnTaskId: tenant.task.id }),
      (await api()).delete(`/tasks/${bad}/dependencies/${tenant.task.id}`).set(as),
    ];
    for (const res of await Promise.all(attempts)) await expectRefused(res, 400, 'path.id');
    await expectRefused(await (await api()).delete(`/tasks/${tenant.task.id}/dependencies/${bad}`).set(as), 400, 'path.dependsOnTaskId');
    await expectRefused(await (await api()).get(`/tasks/${'1'.repeat(5000)}`).set(as), 400, 'path.id');
  });

  it('answers 400 to bad dependency bodies', async () => {
    const before = await footprint();
    const as = auth(member);
    const url = `/tasks/${tenant.task.id}/dependencies`;
    await expectRefused(await (await api()).post(url).set(as).send({}), 400, 'body.dependsOnTaskId');
    await expectRefused(await (await api()).post(url).set(as).send({ dependsOnTaskId: 'x' }), 400, 'body.dependsOnTaskId');
    await expectRefused(await (await api()).post(url).set(as).send({ dependsOnTaskId: tenant.task.id, dependencyType: 'parent' }), 400, 'body.dependencyType');
    await expectRefused(await (await api()).post(url).set(as).send({ dependsOnTaskId: tenant.task.id, workspaceId: tenant.workspace.id }), 400, 'body.workspaceId');
    expect(await footprint()).to.deep.equal(before);
  });

  const badQueries: Array<[string, Record<string, string | string[]>, string]> = [
    ['a huge limit', { limit: '1000000' }, 'query.limit'],
    ['a zero limit', { limit: '0' }, 'query.limit'],
    ['a negative limit', { limit: '-5' }, 'query.limit'],
    ['a limit that is no number', { limit: 'ten' }, 'query.limit'],
    ['a garbage cursor', { cursor: 'garbage!!' }, 'query.cursor'],
    ['a cursor of valid base64 but no key', { cursor: Buffer.from('{"a":1}').toString('base64url') }, 'query.cursor'],
    ['a cursor with SQL in it', { cursor: Buffer.from(JSON.stringify(['-createdAt', "2020-01-01'; DROP TABLE tasks;--", '00000000-0000-0000-0000-000000000000'])).toString('base64url') }, 'query.cursor'],
    ['an unknown sort', { sort: 'title; DROP TABLE tasks' }, 'query.sort'],
    ['an unknown status filter', { status: 'finished' }, 'query.status'],
    ['an unknown priority filter', { priority: 'critical' }, 'query.priority'],
    ['a bad assigneeId filter', { assigneeId: 'me' }, 'query.assigneeId'],
    ['a bad parentTaskId filter', { parentTaskId: '42' }, 'query.parentTaskId'],
    ['a bad dueBefore', { dueBefore: 'next week' }, 'query.dueBefore'],
    ['a NUL byte in q', { q: 'a\u0000b' }, 'query.q'],
    ['a repeated parameter', { status: ['done', 'pending'] }, 'query.status'],
    ['an unknown parameter', { owner: 'x' }, 'query.owner'],
  ];

  for (const [what, query, path] of badQueries) {
    it(`answers 400 naming ${path} for ${what} when listing`, async () => {
      await expectRefused(await (await api()).get(`/projects/${tenant.project.id}/tasks`).query(query).set(auth(member)), 400, path);
    });
  }

  it('answers 400 to a cursor made for another sort order', async () => {
    const { project, member: m } = await aTenant();
    await (await api()).post(`/projects/${project.id}/tasks`).set(auth(m)).send({ title: 'second' });
    const page = await (await api()).get(`/projects/${project.id}/tasks`).query({ limit: 1, sort: 'createdAt' }).set(auth(m));
    expect(page.body.nextCursor).to.be.a('string');
    await expectRefused(await (await api()).get(`/projects/${project.id}/tasks`)
      .query({ limit: 1, sort: 'updatedAt', cursor: page.body.nextCursor }).set(auth(m)), 400, 'query.cursor');
  });

  it('answers 400 for garbage cursors on subtasks and dependencies', async () => {
    await expectRefused(await (await api()).get(`/tasks/${tenant.task.id}/subtasks`).query({ cursor: 'zzz' }).set(auth(member)), 400, 'query.cursor');
    await expectRefused(await (await api()).get(`/tasks/${tenant.task.id}/dependencies`).query({ cursor: 'zzz' }).set(auth(member)), 400, 'query.cursor');
    await expectRefused(await (await api()).get(`/tasks/${tenant.task.id}/dependencies`).query({ limit: '201' }).set(auth(member)), 400, 'query.limit');
  });

  it('says the range of limit when it is out of it', async () => {
    for (const limit of ['0', '201', 'abc']) {
      const res = await (await api()).get(`/projects/${tenant.project.id}/tasks`).query({ limit }).set(auth(member));
      expectProblem(res, 400);
      expect(res.body.errors, limit).to.deep.equal([{ path: 'query.limit', message: 'Must be a whole number from 1 to 200.' }]);
    }
  });

  it('treats % and _ in q as plain characters', async () => {
    const { project, member: m } = await aTenant();
    for (const title of ['100% done', '100 percent done', 'snake_case', 'snakeXcase']) {
      expect((await (await api()).post(`/projects/${project.id}/tasks`).set(auth(m)).send({ title })).status).to.equal(201);
    }
    const titles = async (q: string) => ((await (await api()).get(`/projects/${project.id}/tasks`).query({ q }).set(auth(m)))
      .body.data as Array<{ title: string }>).map((t) => t.title);
    expect(await titles('0% d')).to.deep.equal(['100% done']);
    expect(await titles('e_c')).to.deep.equal(['snake_case']);
    expect(await titles('SNAKE')).to.have.members(['snake_case', 'snakeXcase']);
  });
});
