import { expect } from 'chai';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aDocument, aTenant, auth, type TestUser } from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/documents-factories';

/** A document by `author` edited three times through the API: versions 1 to 4. */
async function aDocumentEditedThreeTimes(project: { id: string; workspaceId: string }, author: TestUser) {
  const document = await aDocument(project, author, 'v1 content');
  for (let version = 1; version <= 3; version += 1) {
    const res = await (await api()).patch(`/documents/${document.id}`).set(auth(author)).set('If-Match', `"${version}"`)
      .send({ title: `Title ${version + 1}`, content: `v${version + 1} content`, changeSummary: `edit ${version}` });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
  }
  return document;
}

describe('document versions', () => {
  describe('GET /documents/:id/versions', () => {
    it('after three edits lists four versions, newest first, without content', async () => {
      const { member, viewer, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);

      const res = await (await api()).get(`/documents/${document.id}/versions`).set(auth(viewer));

      expect(res.status).to.equal(200);
      expect(res.body.nextCursor).to.equal(null);
      expect(res.body.data.map((v: { versionNumber: number }) => v.versionNumber)).to.deep.equal([4, 3, 2, 1]);
      expect(res.body.data.map((v: { title: string }) => v.title)).to.deep.equal(['Title 4', 'Title 3', 'Title 2', document.title]);
      expect(res.body.data.map((v: { changeSummary: string | null }) => v.changeSummary)).to.deep.equal(['edit 3', 'edit 2', 'edit 1', null]);
      expect(res.body.data[0]).to.have.all.keys('id', 'documentId', 'versionNumber', 'title', 'changeSummary', 'authorId', 'createdAt');
      expect(res.body.data[0]).to.include({ documentId: document.id, authorId: member.id });
    });

    it('visits every version exactly once across pages', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);

      const pages = await allPages<{ versionNumber: number }>(async (cursor) =>
        (await api()).get(`/documents/${document.id}/versions`).set(auth(member)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.map((v) => v.versionNumber))).to.deep.equal([[4, 3, 2], [1]]);
    });

    it('answers 404, identical to an unknown document, to another tenant', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);
      const { owner: stranger } = await aTenant();

      const hidden = await (await api()).get(`/documents/${document.id}/versions`).set(auth(stranger));
      const unknown = await (await api()).get(`/documents/${randomId()}/versions`).set(auth(stranger));

      expectSameNotFound(hidden, unknown);
    });

    it('refuses a garbage cursor and a huge limit with 400', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      for (const query of [{ cursor: 'not-a-cursor' }, { cursor: Buffer.from('["4"]').toString('base64url') }, { limit: '201' }]) {
        expectProblem(await (await api()).get(`/documents/${document.id}/versions`).set(auth(member)).query(query), 400);
      }
    });
  });

  describe('GET /documents/:id/versions/:number', () => {
    it('answers one version with its content', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);

      const res = await (await api()).get(`/documents/${document.id}/versions/2`).set(auth(member));

      expect(res.status).to.equal(200);
      expect(res.body).to.include({ documentId: document.id, versionNumber: 2, title: 'Title 2', content: 'v2 content', changeSummary: 'edit 1' });
    });

    it('answers 400 for a number that is not a positive integer', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      for (const number of ['abc', '-1', '0', '1.5', '01', '99999999999', '1e3']) {
        const res = await (await api()).get(`/documents/${document.id}/versions/${number}`).set(auth(member));
        expectProblem(res, 400);
        expect(errorPaths(res), number).to.deep.equal(['path.number']);
      }
    });

    it('answers 404 for a version that does not exist', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      expectProblem(await (await api()).get(`/documents/${document.id}/versions/2`).set(auth(member)), 404);
    });

    it('answers 404, identical to an unknown document, to another tenant', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);
      const { owner: stranger } = await aTenant();

      expectSameNotFound(
        await (await api()).get(`/documents/${document.id}/versions/1`).set(auth(stranger)),
        await (await api()).get(`/documents/${randomId()}/versions/1`).set(auth(stranger)));
    });
  });

  describe('POST /documents/:id/versions/:number/restore', () => {
    it('writes the old title and content as a new version', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);

      const res = await (await api()).post(`/documents/${document.id}/versions/1/restore`).set(auth(member));

      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.headers.etag).to.equal('"5"');
      expect(res.body).to.include({ version: 5, title: document.title, content: 'v1 content' });
      const { rows } = await owner().query(
        `SELECT version_number, title, content, change_summary FROM document_versions WHERE document_id = $1 ORDER BY version_number DESC LIMIT 1`,
        [document.id]);
      expect(rows[0]).to.deep.equal({ version_number: 5, title: document.title, content: 'v1 content', change_summary: 'Restored from version 1' });
      expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(5);
    });

    it('changes nothing when the version restored is what the document already holds', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);
      const current = await (await api()).get(`/documents/${document.id}`).set(auth(member));
      const events = () => count(`SELECT 1 FROM audit_events WHERE row_id = $1`, [document.id]);
      const eventsBefore = await events();

      const res = await (await api()).post(`/documents/${document.id}/versions/${current.body.version}/restore`).set(auth(member));

      expect(res.status).to.equal(200);
      expect(res.headers.etag).to.equal(current.headers.etag);
      expect(res.body).to.deep.equal(current.body);
      expect(await events()).to.equal(eventsBefore);
    });

    it('keeps each version\'s own summary through a restore and a publish', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);

      expect((await (await api()).post(`/documents/${document.id}/versions/2/restore`).set(auth(member))).status).to.equal(200);
      expect((await (await api()).post(`/documents/${document.id}/publish`).set(auth(member))).status).to.equal(200);
      expect((await (await api()).post(`/documents/${document.id}/publish`).set(auth(member))).status).to.equal(200);

      const res = await (await api()).get(`/documents/${document.id}/versions`).set(auth(member));
      expect(res.body.data.map((v: { changeSummary: string | null }) => v.changeSummary))
        .to.deep.equal(['Published', 'Restored from version 2', 'edit 3', 'edit 2', 'edit 1', null]);
    });

    it('checks If-Match when it is given: 412 when stale, 200 when current', async () => {
      const { member, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);
      const restore = async (ifMatch: string) =>
        (await api()).post(`/documents/${document.id}/versions/2/restore`).set(auth(member)).set('If-Match', ifMatch);

      expectProblem(await restore('"3"'), 412);
      expect((await owner().query(`SELECT version FROM documents WHERE id = $1`, [document.id])).rows[0].version).to.equal(4);
      expectProblem(await restore('garbage'), 400);

      const res = await restore('"4"');
      expect(res.status).to.equal(200);
      expect(res.body).to.include({ version: 5, content: 'v2 content' });
    });

    it('answers 404 for an unknown version and 400 for a bad number', async () => {
      const { member, project } = await aTenant();
      const document = await aDocument(project, member);

      expectProblem(await (await api()).post(`/documents/${document.id}/versions/9/restore`).set(auth(member)), 404);
      expectProblem(await (await api()).post(`/documents/${document.id}/versions/zero/restore`).set(auth(member)), 400);
    });

    it('answers 403 to a viewer and 404 (like an unknown id) to another tenant, changing nothing', async () => {
      const { member, viewer, project } = await aTenant();
      const document = await aDocumentEditedThreeTimes(project, member);
      const { owner: stranger } = await aTenant();

      expectProblem(await (await api()).post(`/documents/${document.id}/versions/1/restore`).set(auth(viewer)), 403);
      expectSameNotFound(
        await (await api()).post(`/documents/${document.id}/versions/1/restore`).set(auth(stranger)),
        await (await api()).post(`/documents/${randomId()}/versions/1/restore`).set(auth(stranger)));
      expect(await count(`SELECT 1 FROM document_versions WHERE document_id = $1`, [document.id])).to.equal(4);
    });
  });
});
