import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import { anAttachment } from '../support/documents-factories';
import { aTenant, aUser, auth } from '../support/factories';
import { allPages, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/tenancy-factories';

interface Event {
  id: string;
  actorId: string | null;
  entity: string;
  tableName: string;
  rowId: string;
  operation: string;
  changedFields: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: string;
}

describe('project activity', () => {
  it('shows who changed which fields of the project, newest first', async () => {
    const { project, admin, viewer } = await aTenant();
    const patched = await (await api()).patch(`/projects/${project.id}`).set(auth(admin)).send({ name: 'Renamed', visibility: 'internal' });
    expect(patched.status).to.equal(200);

    const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(viewer));

    expect(res.status).to.equal(200);
    const [latest] = res.body.data as Event[];
    expect(latest).to.have.all.keys('id', 'actorId', 'entity', 'tableName', 'rowId', 'operation', 'changedFields', 'before', 'after', 'createdAt');
    expect(latest).to.include({ actorId: admin.id, entity: 'project', tableName: 'projects', rowId: project.id, operation: 'UPDATE' });
    expect(latest.changedFields).to.deep.equal(['name', 'visibility']);
    expect(latest.before).to.deep.equal({ name: project.name, visibility: 'private' });
    expect(latest.after).to.deep.equal({ name: 'Renamed', visibility: 'internal' });
    expect(latest.id).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('records member and task changes in camelCase, with their actor', async () => {
    const { project, owner: ownerUser, bystander, task } = await aTenant();
    await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: bystander.id, role: 'viewer' });
    await (await api()).post(`/projects/${project.id}/archive`).set(auth(ownerUser));

    const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser));

    const events = res.body.data as Event[];
    const [archived, added] = events;
    expect(archived).to.include({ entity: 'project', operation: 'UPDATE', actorId: ownerUser.id });
    expect(archived.changedFields).to.deep.equal(['archivedAt', 'status']);
    expect(added).to.include({ entity: 'projectMember', operation: 'INSERT', actorId: ownerUser.id });
    expect(added.after).to.include({ userId: bystander.id, role: 'viewer', projectId: project.id });
    // The factories write as the owner role, with no user set: those events have no actor.
    const created = events.find((e) => e.entity === 'task' && e.rowId === task.id);
    expect(created).to.include({ operation: 'INSERT', actorId: null });
  });

  it('writes the times inside an event as the API writes them everywhere (ISO 8601, UTC, milliseconds)', async () => {
    const { project, owner: ownerUser, task } = await aTenant();
    await (await api()).patch(`/tasks/${task.id}`).set(auth(ownerUser)).send({ dueDate: '2099-05-01T10:20:30.456789Z' });

    const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser));

    const [changed] = (res.body.data as Event[]).filter((e) => e.entity === 'task' && e.operation === 'UPDATE');
    expect(changed.after).to.include({ dueDate: '2099-05-01T10:20:30.456Z' });
    const created = (res.body.data as Event[]).find((e) => e.entity === 'task' && e.operation === 'INSERT')!;
    expect(created.after!.createdAt).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  it('visits every event exactly once across pages, newest first in the order the log recorded them', async () => {
    const { project, owner: ownerUser } = await aTenant();
    for (let i = 0; i < 5; i += 1) {
      const res = await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ description: `step ${i}` });
      expect(res.status).to.equal(200);
    }
    const everything = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser)).query({ limit: 200 });
    const total = (everything.body.data as Event[]).length;
    expect(total).to.be.at.least(10);

    const pages = await allPages<Event>(async (cursor) =>
      (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

    const ids = pages.flat().map((e) => e.id);
    expect(ids).to.have.lengthOf(total);
    expect(new Set(ids).size).to.equal(total);
    const { rows } = await owner().query(`SELECT id, seq::text FROM audit_events WHERE id = ANY ($1::uuid[])`, [ids]);
    const seqOf = new Map(rows.map((row: { id: string; seq: string }) => [row.id, row.seq]));
    const seqs = ids.map((id) => seqOf.get(id)!);
    expect(seqs).to.deep.equal([...seqs].sort((a, b) => Number(BigInt(b) - BigInt(a))));
    expect(pages.slice(0, -1).every((p) => p.length === 3)).to.equal(true);
  });

  it('names the last event of a page in its cursor, not the log\'s sequence number shared by every tenant', async () => {
    const { project, owner: ownerUser } = await aTenant();
    const { project: elsewhere, owner: otherOwner } = await aTenant();
    await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ description: 'one' });
    await (await api()).patch(`/projects/${elsewhere.id}`).set(auth(otherOwner)).send({ description: 'two' });

    const first = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser)).query({ limit: 1 });
    const theirs = await (await api()).get(`/projects/${elsewhere.id}/activity`).set(auth(otherOwner)).query({ limit: 1 });
    const borrowed = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser))
      .query({ limit: 1, cursor: theirs.body.nextCursor });

    expect(JSON.parse(Buffer.from(first.body.nextCursor, 'base64url').toString())).to.deep.equal([first.body.data[0].id]);
    expect(borrowed.status).to.equal(200);
    expect(borrowed.body).to.deep.equal({ data: [], nextCursor: null });
  });

  it('is readable by every project role and by workspace members of an internal project', async () => {
    const tenant = await aTenant({ visibility: 'internal' });
    for (const user of [tenant.owner, tenant.admin, tenant.member, tenant.viewer, tenant.bystander]) {
      const res = await (await api()).get(`/projects/${tenant.project.id}/activity`).set(auth(user));
      expect(res.status).to.equal(200);
      expect(res.body.data.length).to.be.greaterThan(0);
    }
  });

  it('answers 404, identical to an unknown project, to a bystander of a private project and to another tenant', async () => {
    const { project, bystander } = await aTenant();
    const theirs = await aTenant();
    const unknown = await (await api()).get(`/projects/${randomId()}/activity`).set(auth(theirs.owner));

    expectSameNotFound(await (await api()).get(`/projects/${project.id}/activity`).set(auth(bystander)), unknown);
    expectSameNotFound(await (await api()).get(`/projects/${project.id}/activity`).set(auth(theirs.owner)), unknown);
  });

  it('shows no other project\'s events', async () => {
    const { project, owner: ownerUser } = await aTenant();
    const theirs = await aTenant();
    await (await api()).patch(`/projects/${theirs.project.id}`).set(auth(theirs.owner)).send({ name: 'Theirs renamed' });

    const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser)).query({ limit: 200 });

    const rows = (res.body.data as Event[]).map((e) => e.rowId);
    expect(rows).not.to.include(theirs.project.id);
    expect(JSON.stringify(res.body)).not.to.include('Theirs renamed');
  });

  it('shows an outsider a public project\'s activity without its membership events, which its members see', async () => {
    const { project, owner: ownerUser, bystander } = await aTenant({ visibility: 'public' });
    const outsider = await aUser();
    await (await api()).post(`/projects/${project.id}/members`).set(auth(ownerUser)).send({ userId: bystander.id, role: 'viewer' });
    await (await api()).patch(`/projects/${project.id}`).set(auth(ownerUser)).send({ name: 'Renamed in public' });

    const theirs = await (await api()).get(`/projects/${project.id}/activity`).set(auth(outsider)).query({ limit: 200 });
    const ours = await (await api()).get(`/projects/${project.id}/activity`).set(auth(ownerUser)).query({ limit: 200 });

    const entities = (res: { body: { data: Event[] } }) => new Set(res.body.data.map((e) => e.entity));
    expect(theirs.status).to.equal(200);
    expect(entities(theirs)).to.include('project').and.not.include('projectMember');
    expect(entities(ours)).to.include('projectMember');
  });

  it('never shows where an attachment\'s file is stored', async () => {
    const { project, member } = await aTenant();
    const attachment = await anAttachment('projects', project.id, member);
    const stored = (await owner().query(`SELECT storage_path FROM file_attachments WHERE id = $1`, [attachment.id])).rows[0].storage_path;

    const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(member)).query({ limit: 200 });

    const uploaded = (res.body.data as Event[]).find((e) => e.entity === 'attachment');
    expect(uploaded?.operation).to.equal('INSERT');
    expect(JSON.stringify(res.body)).to.not.include(stored);
    expect(JSON.stringify(res.body)).to.not.include('storagePath');
  });

  it('answers 401 without authentication', async () => {
    const { project } = await aTenant({ visibility: 'public' });
    expectProblem(await (await api()).get(`/projects/${project.id}/activity`), 401);
  });

  const badQueries: Array<[string, Record<string, string>, string]> = [
    ['a limit of 100000', { limit: '100000' }, 'query.limit'],
    ['a negative limit', { limit: '-1' }, 'query.limit'],
    ['a garbage cursor', { cursor: '!!!' }, 'query.cursor'],
    ['a cursor that is not an event id', { cursor: Buffer.from('["1; DROP TABLE x"]').toString('base64url') }, 'query.cursor'],
    ['a cursor holding a sequence number', { cursor: Buffer.from('["9999999999999999999"]').toString('base64url') }, 'query.cursor'],
    ['an unknown parameter', { since: 'yesterday' }, 'query.since'],
  ];
  for (const [what, query, path] of badQueries) {
    it(`answers 400 naming ${path} for ${what}`, async () => {
      const { project } = await aTenant();
      const user = await aUser();
      const res = await (await api()).get(`/projects/${project.id}/activity`).set(auth(user)).query(query);
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include(path);
    });
  }

  it('answers 400 for a project id that is not a uuid', async () => {
    const user = await aUser();
    expectProblem(await (await api()).get('/projects/nope/activity').set(auth(user)), 400);
  });
});
