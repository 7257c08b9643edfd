import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aDocument, aProject, aTenant, aUser, aWorkspace, addWorkspaceMember, auth } from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/documents-factories';

const DOCUMENT_FIELDS = [
  'id', 'workspaceId', 'projectId', 'title', 'content', 'contentType', 'authorId', 'version', 'status', 'tags',
  'metadata', 'createdAt', 'updatedAt', 'publishedAt',
];

const documentsIn = (projectId: string) => count(`SELECT 1 FROM documents WHERE project_id = $1`, [projectId]);

describe('documents', () => {
  describe('POST /projects/:id/documents', () => {
    it('creates a document as a project member: 201, version 1, ETag "1", and version 1 in the history', async () => {
      const { member, project } = await aTenant();

      const res = await (await api()).post(`/projects/${project.id}/documents`).set(auth(member))
        .send({ title: 'Design notes', content: '# Hello', tags: ['design'], metadata: { area: 'api' } });

      expect(res.status, JSON.stringify(res.body)).to.equal(201);
      expect(res.headers.etag).to.equal('"1"');
      expect(res.body).to.have.all.keys(DOCUMENT_FIELDS);
      expect(res.body).to.include({
        workspaceId: project.workspaceId, projectId: project.id, title: 'Design notes', content: '# Hello',
        contentType: 'markdown', authorId: member.id, version: 1, status: 'draft', publishedAt: null,
      });
      expect(res.body.tags).to.deep.equal(['design']);
      expect(res.body.metadata).to.deep.equal({ area: 'api' });
      const { rows } = await owner().query(
        `SELECT version_number, title, content, author_id FROM document_versions WHERE document_id = $1`, [res.body.id]);
      expect(rows).to.deep.equal([{ version_number: 1, title: 'Design notes', content: '# Hello', author_id: member.id }]);
    });

    it('sets publishedAt when a document is created published', async () => {
      const { member, project } = await aTenant();

      const res = await (await api()).post(`/projects/${project.id}/documents`).set(auth(member))
        .send({ title: 'Release notes', status: 'published' });

      expect(res.status).to.equal(201);
      expect(res.body.status).to.equal('published');
      expect(res.body.publishedAt).to.be.a('string');
    });

    it('answers 403 to a viewer and writes nothing', async () => {
      const { viewer, project } = await aTenant();

      const res = await (await api()).post(`/projects/${project.id}/documents`).set(auth(viewer)).send({ title: 'Nope' });

      expectProblem(res, 403);
      expect(await documentsIn(project.id)).to.equal(0);
    });

    it('answers 403 to a workspace member who can see an internal project but is not in it', async () => {
      const { bystander, project } = await aTenant({ visibility: 'internal' });

      const res = await (await api()).post(`/projects/${project.id}/documents`).set(auth(bystander)).send({ title: 'Nope' });

      expectProblem(res, 403);
      expect(await documentsIn(project.id)).to.equal(0);
    });

    it('answers 404, identical to an unknown project, to a bystander of a private project and to another tenant', async () => {
      const { bystander, project } = await aTenant();
      const { owner: stranger } = await aTenant();

      for (const user of [bystander, stranger]) {
        const hidden = await (await api()).post(`/projects/${project.id}/documents`).set(auth(user)).send({ title: 'Sneaky' });
        const unknown = await (await api()).post(`/projects/${randomId()}/documents`).set(auth(user)).send({ title: 'Sneaky' });
        expectSameNotFound(hidden, unknown);
      }
      expect(await documentsIn(project.id)).to.equal(0);
    });

    it('answers 401 without credentials', async () => {
      const { project } = await aTenant({ visibility: 'public' });

      const res = await (await api()).post(`/projects/${project.id}/documents`).send({ title: 'Anonymous' });

      expectProblem(res, 401);
    });

    it('refuses bad input with 400 problem+json and writes nothing', async () => {
      const { member, project } = await aTenant();
      const client = await api();
      const post = () => client.post(`/projects/${project.id}/documents`).set(auth(member));
      const cases: Array<[string, object, string]> = [
        ['missing title', {}, 'body.title'],
        ['an empty title', { title: '   ' }, 'body.title'],
        ['a title too long', { title: 'x'.repeat(256) }, 'body.title'],
        ['a NUL byte in the title', { title: 'a\u0000b' }, 'body.title'],
        ['a NUL byte in the content', { title: 'ok', content: 'a\u0000b' }, 'body.content'],
        ['an unknown field', { title: 'ok', workspaceId: randomId() }, 'body.workspaceId'],
        ['a version', { title: 'ok', version: 7 }, 'body.version'],
        ['an unknown status', { title: 'ok', status: 'secret' }, 'body.status'],
        ['tags that are not a list', { title: 'ok', tags: 'a,b' }, 'body.tags'],
        ['metadata that is not an object', { title: 'ok', metadata: [1, 2] }, 'body.metadata'],
        ['a content type with spaces', { title: 'ok', contentType: 'text html' }, 'body.contentType'],
      ];
      for (const [what, body, path] of cases) {
        const res = await post().send(body);
        expectProblem(res, 400);
        expect(errorPaths(res), what).to.include(path);
      }

      expectProblem(await post().set('Content-Type', 'application/json').send('{"title": "broken'), 400);
      expectProblem(await post().set('Content-Type', 'text/plain').send('title=x'), 415);
      expectProblem(await (await api()).post('/projects/not-a-uuid/documents').set(auth(member)).send({ title: 'ok' }), 400);
      expect(await documentsIn(project.id)).to.equal(0);
    });
  });

  describe('GET /documents/:id', () => {
    it('answers the document with its version as a quoted ETag', async () => {
      const { viewer, project, owner: author } = await aTenant();
      const document = await aDocument(project, author);

      const res = await (await api()).get(`/documents/${document.id}`).set(auth(viewer));

      expect(res.status).to.equal(200);
      expect(res.headers.etag).to.equal('"1"');
      expect(res.body).to.have.all.keys(DOCUMENT_FIELDS);
      expect(res.body).to.include({ id: document.id, version: 1, content: 'First draft', authorId: author.id });
    });

    it('answers 304 to If-None-Match with the current ETag', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).get(`/documents/${document.id}`).set(auth(member)).set('If-None-Match', '"1"');

      expect(res.status).to.equal(304);
    });

    it('lets anyone, even anonymous, read a document of a public project', async () => {
      const { project, owner: author } = await aTenant({ visibility: 'public' });
      const document = await aDocument(project, author);

      const res = await (await api()).get(`/documents/${document.id}`);

      expect(res.status).to.equal(200);
      expect(res.body.id).to.equal(document.id);
    });

    it('answers 404, identical to an unknown id, to another tenant, a bystander and anonymous', async () => {
      const { project, owner: author, bystander } = await aTenant();
      const document = await aDocument(project, author);
      const { owner: stranger } = await aTenant();

      for (const headers of [auth(stranger), auth(bystander), {}]) {
        const hidden = await (await api()).get(`/documents/${document.id}`).set(headers);
        const unknown = await (await api()).get(`/documents/${randomId()}`).set(headers);
        expectSameNotFound(hidden, unknown);
      }
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const { owner: user } = await aTenant();

      const res = await (await api()).get('/documents/123').set(auth(user));

      expectProblem(res, 400);
      expect(errorPaths(res)).to.deep.equal(['path.id']);
    });
  });

  describe('GET /projects/:id/documents', () => {
    it('visits every document exactly once, newest first, across pages', async () => {
      const { member, project, owner: author } = await aTenant();
      const created: string[] = [];
      for (let i = 0; i < 5; i += 1) created.push((await aDocument(project, author)).id);

      const pages = await allPages<{ id: string }>(async (cursor) =>
        (await api()).get(`/projects/${project.id}/documents`).set(auth(member)).query({ limit: 2, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.length)).to.deep.equal([2, 2, 1]);
      expect(pages.flat().map((d) => d.id)).to.deep.equal([...created].reverse());
    });

    it('keeps documents created in the same transaction (same created_at) apart by id', async () => {
      const { member, project, owner: author } = await aTenant();
      await owner().query(
        `INSERT INTO documents (workspace_id, project_id, title, author_id)
         SELECT $1, $2, 'Same time ' || n, $3 FROM generate_series(1, 5) n`, [project.workspaceId, project.id, author.id]);

      const pages = await allPages<{ id: string }>(async (cursor) =>
        (await api()).get(`/projects/${project.id}/documents`).set(auth(member)).query({ limit: 2, ...(cursor ? { cursor } : {}) }));

      const ids = pages.flat().map((d) => d.id);
      expect(ids).to.have.lengthOf(5);
      expect(new Set(ids).size).to.equal(5);
    });

    it('filters by status', async () => {
      const { member, project, owner: author } = await aTenant();
      const draft = await aDocument(project, author);
      const published = await aDocument(project, author);
      await owner().query(`UPDATE documents SET status = 'published' WHERE id = $1`, [published.id]);

      const res = await (await api()).get(`/projects/${project.id}/documents`).set(auth(member)).query({ status: 'published' });

      expect(res.status).to.equal(200);
      expect(res.body.data.map((d: { id: string }) => d.id)).to.deep.equal([published.id]);
      expect(draft.id).to.not.equal(published.id);
    });

    it('lists a public project\'s documents anonymously', async () => {
      const { project, owner: author } = await aTenant({ visibility: 'public' });
      const document = await aDocument(project, author);

      const res = await (await api()).get(`/projects/${project.id}/documents`);

      expect(res.status).to.equal(200);
      expect(res.body.data.map((d: { id: string }) => d.id)).to.deep.equal([document.id]);
    });

    it('answers 404, identical to an unknown project, to another tenant', async () => {
      const { project, owner: author } = await aTenant();
      await aDocument(project, author);
      const { owner: stranger } = await aTenant();

      const hidden = await (await api()).get(`/projects/${project.id}/documents`).set(auth(stranger));
      const unknown = await (await api()).get(`/projects/${randomId()}/documents`).set(auth(stranger));

      expectSameNotFound(hidden, unknown);
    });

    it('refuses garbage cursors, huge limits, unknown filters and statuses with 400', async () => {
      const { member, project } = await aTenant();
      const list = async (query: Record<string, string>) =>
        (await api()).get(`/projects/${project.id}/documents`).set(auth(member)).query(query);

      const queries: Array<Record<string, string>> = [
        { cursor: 'garbage' }, { cursor: Buffer.from('["yesterday","x"]').toString('base64url') }, { limit: '1000' },
        { limit: '0' }, { limit: 'abc' }, { status: 'secret' }, { authorId: randomId() },
      ];
      for (const query of queries) {
        expectProblem(await list(query), 400);
      }
    });
  });

  describe('PATCH /documents/:id', () => {
    it('writes the next version with If-Match and answers the new ETag', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"')
        .send({ content: 'Second draft', changeSummary: 'Tightened the intro' });

      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers.etag).to.equal('"2"');
      expect(res.body).to.include({ version: 2, content: 'Second draft', title: document.title });
      const { rows } = await owner().query(
        `SELECT version_number, content, change_summary, author_id FROM document_versions WHERE document_id = $1 ORDER BY version_number`,
        [document.id]);
      expect(rows).to.deep.equal([
        { version_number: 1, content: 'First draft', change_summary: null, author_id: member.id },
        { version_number: 2, content: 'Second draft', change_summary: 'Tightened the intro', author_id: member.id },
      ]);
    });

    it('records the editor, not the author, as the version\'s author', async () => {
      const { member, admin, project } = await aTenant();
      const document = await aDocument(project, member);

      await (await api()).patch(`/documents/${document.id}`).set(auth(admin)).set('If-Match', '"1"').send({ title: 'Renamed' });

      const { rows } = await owner().query(`SELECT author_id FROM document_versions WHERE document_id = $1 AND version_number = 2`, [document.id]);
      expect(rows[0].author_id).to.equal(admin.id);
    });

    it('accepts If-Match without quotes', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '1').send({ title: 'Renamed' });

      expect(res.status).to.equal(200);
      expect(res.body.version).to.equal(2);
    });

    it('does not carry one change summary into the next version', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);
      const patch = async (version: number, body: object) =>
        (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', `"${version}"`).send(body);

      expect((await patch(1, { content: 'two', changeSummary: 'why two' })).status).to.equal(200);
      expect((await patch(2, { content: 'three' })).status).to.equal(200);

      const { rows } = await owner().query(
        `SELECT change_summary FROM document_versions WHERE document_id = $1 AND version_number = 3`, [document.id]);
      expect(rows[0].change_summary).to.equal(null);
    });

    it('makes a tags or metadata change a new version, so a second change with the same If-Match gets 412', async () => {
      const { member, admin, project } = await aTenant();
      const document = await aDocument(project, member);
      const patch = async (user: typeof member, body: object) =>
        (await api()).patch(`/documents/${document.id}`).set(auth(user)).set('If-Match', '"1"').send(body);

      const res = await patch(member, { tags: ['x'], metadata: { a: 1 } });
      const stale = await patch(admin, { tags: ['y'] });

      expect(res.status).to.equal(200);
      expect(res.headers.etag).to.equal('"2"');
      expect(res.body).to.include({ version: 2 });
      expect(res.body.tags).to.deep.equal(['x']);
      expectProblem(stale, 412);
      expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(2);
    });

    it('is no new version when a PATCH changes nothing', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"')
        .send({ title: document.title });

      expect(res.status).to.equal(200);
      expect(res.body).to.include({ version: 1 });
      expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(1);
    });

    it('changes the status, setting publishedAt the first time it is published', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);
      const patch = async (version: number, body: object) =>
        (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', `"${version}"`).send(body);

      const published = await patch(1, { status: 'published' });
      const archived = await patch(2, { status: 'archived' });

      expect(published.status).to.equal(200);
      expect(published.body).to.include({ version: 2 });
      expect(published.body.publishedAt).to.be.a('string');
      expect(archived.body).to.include({ status: 'archived', publishedAt: published.body.publishedAt, version: 3 });
    });

    it('answers 428 problem+json without If-Match, and changes nothing', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).send({ title: 'Blind write' });

      expectProblem(res, 428);
      expect(res.headers.etag, 'no ETag that is not the version').to.equal(undefined);
      const { rows } = await owner().query(`SELECT title, version FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0]).to.deep.equal({ title: document.title, version: 1 });
    });

    it('answers 400 to a malformed If-Match', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      for (const header of ['abc', '"abc"', '*', '"1", "2"', '"0"', '"-1"', '"1', '99999999999', '']) {
        const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', header).send({ title: 'x' });
        expect(errorPaths(res), header).to.deep.equal(['header.If-Match']);
        expectProblem(res, 400);
      }
    });

    it('answers 412 problem+json to a stale If-Match (or a weak one), and changes nothing', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);
      const patch = async (ifMatch: string, body: object) =>
        (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', ifMatch).send(body);
      expect((await patch('"1"', { content: 'v2' })).status).to.equal(200);

      const stale = await patch('"1"', { content: 'stale write' });
      expectProblem(stale, 412);
      expect(stale.headers.etag, 'no ETag that is not the version').to.equal(undefined);
      expectProblem(await patch('"7"', { content: 'future write' }), 412);
      const weak = await patch('W/"2"', { content: 'weak write' });
      expectProblem(weak, 412);
      expect(weak.body.detail).to.equal('A weak ETag never matches If-Match; send the document\'s ETag as given, "2".');

      const { rows } = await owner().query(`SELECT content, version FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0]).to.deep.equal({ content: 'v2', version: 2 });
    });

    it('lets exactly one of many concurrent updates with the same If-Match win; the rest get 412', async () => {
      for (let round = 0; round < 5; round += 1) {
        const { member, project } = await aTenant();
        const document = await aDocument(project, member);

        const results = await Promise.all(Array.from({ length: 8 }, async (_, i) =>
          (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"').send({ content: `writer ${i}` })));

        const statuses = results.map((r) => r.status).sort();
        expect(statuses).to.deep.equal([200, 412, 412, 412, 412, 412, 412, 412]);
        const winner = results.find((r) => r.status === 200)!;
        const { rows } = await owner().query(`SELECT content, version FROM documents WHERE id = $1`, [document.id]);
        expect(rows[0]).to.deep.equal({ content: winner.body.content, version: 2 });
        expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(2);
      }
    });

    it('answers 403 to a viewer, even with the right If-Match', async () => {
      const { viewer, project, owner: author } = await aTenant();
      const document = await aDocument(project, author);

      const res = await (await api()).patch(`/documents/${document.id}`).set(auth(viewer)).set('If-Match', '"1"').send({ title: 'Hijack' });

      expectProblem(res, 403);
      const { rows } = await owner().query(`SELECT title FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0].title).to.equal(document.title);
    });

    it('answers 404, identical to an unknown id, to another tenant and a bystander', async () => {
      const { project, owner: author, bystander } = await aTenant();
      const document = await aDocument(project, author);
      const { owner: stranger } = await aTenant();

      for (const user of [stranger, bystander]) {
        const hidden = await (await api()).patch(`/documents/${document.id}`).set(auth(user)).set('If-Match', '"1"').send({ title: 'Hijack' });
        const unknown = await (await api()).patch(`/documents/${randomId()}`).set(auth(user)).set('If-Match', '"1"').send({ title: 'Hijack' });
        expectSameNotFound(hidden, unknown);
      }
      const { rows } = await owner().query(`SELECT title, version FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0]).to.deep.equal({ title: document.title, version: 1 });
    });

    it('refuses bad bodies with 400 naming the field', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);
      const cases: Array<[object, string]> = [
        [{ version: 5 }, 'body.version'],
        [{ authorId: member.id }, 'body.authorId'],
        [{ projectId: randomId() }, 'body.projectId'],
        [{ title: 'x'.repeat(256) }, 'body.title'],
        [{ title: '' }, 'body.title'],
        [{ content: 'nul \u0000 byte' }, 'body.content'],
        [{ changeSummary: 'nul \u0000' }, 'body.changeSummary'],
        [{ content: 42 }, 'body.content'],
      ];
      for (const [body, path] of cases) {
        const res = await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"').send(body);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
      }
      expectProblem(await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"').send({}), 400);
      expectProblem(await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"')
        .send({ changeSummary: 'nothing else' }), 400);
      expectProblem(await (await api()).patch(`/documents/${document.id}`).set(auth(member)).set('If-Match', '"1"')
        .set('Content-Type', 'application/json').send('{"title":'), 400);
      const { rows } = await owner().query(`SELECT version FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0].version).to.equal(1);
    });
  });

  describe('DELETE /documents/:id', () => {
    it('lets the author delete their own document (204, no body), and it is gone with its versions', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).delete(`/documents/${document.id}`).set(auth(member));

      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      expect(await count(`SELECT 1 FROM documents WHERE id = $1`, [document.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(0);
      expectProblem(await (await api()).get(`/documents/${document.id}`).set(auth(member)), 404);
    });

    it('lets a project admin delete anyone\'s document', async () => {
      const { admin, member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).delete(`/documents/${document.id}`).set(auth(admin));

      expect(res.status).to.equal(204);
    });

    it('answers 403 to a member who is not the author, and to a viewer', async () => {
      const { member, viewer, project, owner: author } = await aTenant();
      const document = await aDocument(project, author);

      for (const user of [member, viewer]) {
        expectProblem(await (await api()).delete(`/documents/${document.id}`).set(auth(user)), 403);
      }
      expect(await count(`SELECT 1 FROM documents WHERE id = $1`, [document.id])).to.equal(1);
    });

    it('answers 404, identical to an unknown id, to another tenant, and keeps the document', async () => {
      const { project, owner: author } = await aTenant();
      const document = await aDocument(project, author);
      const { owner: stranger } = await aTenant();

      const hidden = await (await api()).delete(`/documents/${document.id}`).set(auth(stranger));
      const unknown = await (await api()).delete(`/documents/${randomId()}`).set(auth(stranger));

      expectSameNotFound(hidden, unknown);
      expect(await count(`SELECT 1 FROM documents WHERE id = $1`, [document.id])).to.equal(1);
    });
  });

  describe('POST /documents/:id/publish', () => {
    it('publishes as a member: status published, publishedAt set, a new version; publishing again changes nothing', async () => {
      const { member, project, owner: author } = await aTenant();
      const document = await aDocument(project, author);

      const res = await (await api()).post(`/documents/${document.id}/publish`).set(auth(member));
      const again = await (await api()).post(`/documents/${document.id}/publish`).set(auth(member));

      expect(res.status).to.equal(200);
      expect(res.headers.etag).to.equal('"2"');
      expect(res.body).to.include({ status: 'published', version: 2 });
      expect(res.body.publishedAt).to.be.a('string');
      expect(again.body).to.include({ version: 2, publishedAt: res.body.publishedAt, updatedAt: res.body.updatedAt });
      expect(again.headers.etag).to.equal('"2"');
      expect(await count(`SELECT 1 FROM audit_events WHERE row_id = $1 AND operation = 'UPDATE'`, [document.id])).to.equal(1);
    });

    it('refuses a body with fields (there are none) with 400', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      const res = await (await api()).post(`/documents/${document.id}/publish`).set(auth(member)).send({ publishedAt: '2020-01-01T00:00:00Z' });

      expectProblem(res, 400);
      expect(errorPaths(res)).to.deep.equal(['body.publishedAt']);
    });

    it('answers 403 to a viewer and 404 (like an unknown id) to another tenant', async () => {
      const { viewer, project, owner: author } = await aTenant();
      const document = await aDocument(project, author);
      const { owner: stranger } = await aTenant();

      expectProblem(await (await api()).post(`/documents/${document.id}/publish`).set(auth(viewer)), 403);
      expectSameNotFound(
        await (await api()).post(`/documents/${document.id}/publish`).set(auth(stranger)),
        await (await api()).post(`/documents/${randomId()}/publish`).set(auth(stranger)));
      const { rows } = await owner().query(`SELECT status, published_at FROM documents WHERE id = $1`, [document.id]);
      expect(rows[0]).to.deep.equal({ status: 'draft', published_at: null });
    });
  });

  describe('the OpenAPI document', () => {
    it('describes every document route', async () => {
      const res = await (await api()).get('/openapi.json');

      expect(res.status).to.equal(200);
      expect(res.body.paths['/projects/{id}/documents']).to.have.keys('get', 'post');
      expect(res.body.paths['/documents/{id}']).to.have.keys('get', 'patch', 'delete');
      expect(res.body.paths['/documents/{id}/publish']).to.have.keys('post');
      expect(res.body.paths['/documents/{id}/versions']).to.have.keys('get');
      expect(res.body.paths['/documents/{id}/versions/{number}']).to.have.keys('get');
      expect(res.body.paths['/documents/{id}/versions/{number}/restore']).to.have.keys('post');
    });
  });

  describe('anyone outside the workspace', () => {
    it('cannot create documents in a workspace they were removed from', async () => {
      const ownerUser = await aUser();
      const workspace = await aWorkspace(ownerUser);
      const leaver = await aUser();
      await addWorkspaceMember(workspace.id, leaver, 'member');
      const project = await aProject(workspace.id, ownerUser, { visibility: 'internal' });
      expect((await (await api()).get(`/projects/${project.id}/documents`).set(auth(leaver))).status).to.equal(200);

      await owner().query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, leaver.id]);

      expectProblem(await (await api()).get(`/projects/${project.id}/documents`).set(auth(leaver)), 404);
    });
  });
});
