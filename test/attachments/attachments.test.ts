import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import supertest from 'supertest';
import { api, postDeclaringLength, startTestApp } from '../support/app';
import { owner } from '../support/db';
import { aDocument, aProject, aTenant, auth } from '../support/factories';
import {
  anAttachment, count, errorPaths, expectProblem, expectSameNotFound, filesOnDisk, randomId, uploadDir, type ParentKind,
} from '../support/documents-factories';

const ATTACHMENT_FIELDS = ['id', 'workspaceId', 'projectId', 'entityType', 'entityId', 'filename', 'size', 'mimeType', 'uploaderId', 'createdAt'];

const attachmentsOf = (entityId: string) => count(`SELECT 1 FROM file_attachments WHERE entity_id = $1`, [entityId]);
const rowOf = async (id: string) => (await owner().query(`SELECT * FROM file_attachments WHERE id = $1`, [id])).rows[0];

/** A tenant with a task, a document and the project: one parent of each kind. */
async function aTenantWithParents(options: { visibility?: 'private' | 'internal' | 'public' } = {}) {
  const tenant = await aTenant(options);
  const document = await aDocument(tenant.project, tenant.owner);
  const parents: Array<[ParentKind, string]> = [['tasks', tenant.task.id], ['documents', document.id], ['projects', tenant.project.id]];
  return { ...tenant, document, parents };
}

/** A multipart body written by hand, for names and shapes supertest would not send. */
function rawMultipart(filename: string, content = 'x', fieldName = 'file') {
  const boundary = 'xxBOUNDARYxx';
  const body = `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${filename}"\r\n` +
    `Content-Type: text/plain\r\n\r\n${content}\r\n--${boundary}--\r\n`;
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(body, 'utf8') };
}

describe('attachments', () => {
  describe('POST /tasks|documents|projects/:id/attachments', () => {
    it('stores a file attached to a task, a document and a project, by a generated id', async () => {
      const { member, project, parents } = await aTenantWithParents();

      for (const [kind, id] of parents) {
        const res = await (await api()).post(`/${kind}/${id}/attachments`).set(auth(member))
          .attach('file', Buffer.from(`contents of ${kind}`), { filename: 'report.pdf', contentType: 'application/pdf' });

        expect(res.status, JSON.stringify(res.body)).to.equal(201);
        expect(res.body).to.have.all.keys(ATTACHMENT_FIELDS);
        expect(res.body).to.include({
          workspaceId: project.workspaceId, projectId: project.id, entityType: kind.slice(0, -1), entityId: id,
          filename: 'report.pdf', size: `contents of ${kind}`.length, mimeType: 'application/pdf', uploaderId: member.id,
        });
        const row = await rowOf(res.body.id);
        expect(row.filename).to.not.equal('report.pdf');
        expect(row.storage_path).to.equal(`files/${row.filename}`);
        expect(row.original_filename).to.equal('report.pdf');
        expect(Number(row.file_size)).to.equal(`contents of ${kind}`.length);
      }
    });

    it('keeps the file on disk under UPLOAD_DIR and leaves no temporary file', async () => {
      const { member, task } = await aTenantWithParents();
      const before = await filesOnDisk();

      const attachment = await anAttachment('tasks', task.id, member, { content: 'on disk' });

      const row = await rowOf(attachment.id);
      const after = await filesOnDisk();
      expect(after.filter((f) => !before.includes(f))).to.deep.equal([row.storage_path]);
      expect(existsSync(path.join(await uploadDir(), row.storage_path))).to.equal(true);
    });

    it('never uses the client\'s name on disk, and cleans it for display', async () => {
      const { member, task } = await aTenantWithParents();
      const cases: Array<[string, string]> = [
        ['../../etc/passwd', 'passwd'],
        ['C:\\Users\\me\\secret.txt', 'secret.txt'],
        ['résumé ✓.pdf', 'résumé ✓.pdf'],
        ['evil%22%0D%0ASet-Cookie: a=b.txt', 'evil"Set-Cookie: a=b.txt'],
        [`${'a'.repeat(300)}.txt`, 'a'.repeat(255)],
      ];
      for (const [sent, shown] of cases) {
        const raw = rawMultipart(sent);
        const res = await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(member)).set('Content-Type', raw.contentType).send(raw.body);
        expect(res.status, `${sent}: ${JSON.stringify(res.body)}`).to.equal(201);
        expect(res.body.filename, sent).to.equal(shown);
        const row = await rowOf(res.body.id);
        expect(row.filename).to.match(/^[0-9a-f-]{36}$/);
      }
      expect(existsSync(path.join(await uploadDir(), '..', 'etc'))).to.equal(false);
    });

    it('keeps a sane MIME type and stores anything else as application/octet-stream', async () => {
      const { member, task } = await aTenantWithParents();

      const png = await anAttachment('tasks', task.id, member, { contentType: 'image/png' });
      const tooLong = await anAttachment('tasks', task.id, member, { contentType: `application/${'x'.repeat(120)}` });
      const oddCharacters = await anAttachment('tasks', task.id, member, { contentType: 'text/x~y|z' });

      expect(png.mimeType).to.equal('image/png');
      expect(tooLong.mimeType).to.equal('application/octet-stream');
      expect(oddCharacters.mimeType).to.equal('application/octet-stream');
    });

    it('answers 403 to a viewer, writing no row and no file', async () => {
      const { viewer, parents } = await aTenantWithParents();
      const before = await filesOnDisk();

      for (const [kind, id] of parents) {
        const res = await (await api()).post(`/${kind}/${id}/attachments`).set(auth(viewer)).attach('file', Buffer.from('x'), 'x.txt');
        expectProblem(res, 403);
        expect(await attachmentsOf(id)).to.equal(0);
      }
      expect(await filesOnDisk()).to.deep.equal(before);
    });

    it('answers 404, identical to an unknown id, to a bystander of a private project and to another tenant', async () => {
      const { bystander, parents } = await aTenantWithParents();
      const { owner: stranger } = await aTenant();
      const before = await filesOnDisk();

      for (const user of [bystander, stranger]) {
        for (const [kind, id] of parents) {
          const hidden = await (await api()).post(`/${kind}/${id}/attachments`).set(auth(user)).attach('file', Buffer.from('x'), 'x.txt');
          const unknown = await (await api()).post(`/${kind}/${randomId()}/attachments`).set(auth(user)).attach('file', Buffer.from('x'), 'x.txt');
          expectSameNotFound(hidden, unknown);
          expect(await attachmentsOf(id)).to.equal(0);
        }
      }
      expect(await filesOnDisk()).to.deep.equal(before);
    });

    it('answers 401 without credentials, even for a public project', async () => {
      const { project } = await aTenantWithParents({ visibility: 'public' });

      const res = await (await api()).post(`/projects/${project.id}/attachments`).attach('file', Buffer.from('x'), 'x.txt');

      expectProblem(res, 401);
    });

    it('answers 413 to a file over the upload limit, leaving no row and no file', async () => {
      const { member, task } = await aTenantWithParents();
      const small = await startTestApp({ maxUploadBytes: 1024 });
      try {
        const before = await filesOnDisk();

        const res = await supertest(small.app).post(`/tasks/${task.id}/attachments`).set(auth(member))
          .attach('file', Buffer.alloc(64 * 1024, 'a'), 'big.bin');
        const exact = await supertest(small.app).post(`/tasks/${task.id}/attachments`).set(auth(member))
          .attach('file', Buffer.alloc(1024, 'a'), 'exact.bin');

        expectProblem(res, 413);
        expect(exact.status, 'a file of exactly the limit is accepted').to.equal(201);
        expect(await attachmentsOf(task.id)).to.equal(1);
        const added = (await filesOnDisk()).filter((f) => !before.includes(f));
        expect(added).to.deep.equal([(await rowOf(exact.body.id)).storage_path]);
      } finally {
        await small.close();
      }
    });

    it('answers 413 at once to an upload declared far over the limit, without waiting for it', async () => {
      const { member, task } = await aTenantWithParents();
      const small = await startTestApp({ maxUploadBytes: 1024 });
      try {
        const res = await postDeclaringLength(small.app, `/tasks/${task.id}/attachments`,
          { ...auth(member), 'content-type': 'multipart/form-data; boundary=x' }, 99_999_999);
        expect(res.status).to.equal(413);
        expect(res.headers.connection).to.equal('close');
        expect(await attachmentsOf(task.id)).to.equal(0);
      } finally {
        await small.close();
      }
    });

    it('answers 415 to a body that is not multipart', async () => {
      const { member, task } = await aTenantWithParents();

      expectProblem(await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(member)).send({ file: 'inline' }), 415);
      expectProblem(await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(member)).set('Content-Type', 'application/octet-stream')
        .send(Buffer.from('raw bytes')), 415);
      expectProblem(await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(member)), 415);
      expect(await attachmentsOf(task.id)).to.equal(0);
    });

    it('refuses multipart bodies without exactly one non-empty file in `file` with 400, leaving no row and no file', async () => {
      const { member, task } = await aTenantWithParents();
      const before = await filesOnDisk();
      const client = await api();
      const post = () => client.post(`/tasks/${task.id}/attachments`).set(auth(member));

      const noFile = await post().field('note', 'no file here');
      expectProblem(noFile, 400);
      expect(errorPaths(noFile)).to.include('body.note');
      const onlyAField = await post().set('Content-Type', 'multipart/form-data; boundary=abc').send('--abc--\r\n');
      expectProblem(onlyAField, 400);
      expect(errorPaths(onlyAField)).to.deep.equal(['body.file']);
      const wrongField = await post().attach('upload', Buffer.from('x'), 'x.txt');
      expectProblem(wrongField, 400);
      expect(wrongField.body.errors).to.deep.equal([{ path: 'body.upload', message: 'Send one file, in the field "file".' }]);
      const textNotFile = await post().field('file', 'just text');
      expect(textNotFile.body.errors).to.deep.equal([{ path: 'body.file', message: 'Send a file (a part with a file name), not a text field.' }]);
      const twoFiles = await post().attach('file', Buffer.from('x'), 'a.txt').attach('file', Buffer.from('y'), 'b.txt');
      expectProblem(twoFiles, 400);
      expect(errorPaths(twoFiles)).to.deep.equal(['body.file']);
      expectProblem(await post().attach('file', Buffer.alloc(0), 'empty.txt'), 400);
      const raw = rawMultipart('cut.txt');
      expectProblem(await post().set('Content-Type', raw.contentType).send(raw.body.subarray(0, raw.body.length - 20)), 400);
      expectProblem(await post().set('Content-Type', 'multipart/form-data').send('no boundary'), 400);

      expect(await attachmentsOf(task.id)).to.equal(0);
      expect(await filesOnDisk()).to.deep.equal(before);
    });

    it('answers 400 for a parent id that is not a uuid', async () => {
      const { member } = await aTenantWithParents();

      const res = await (await api()).post('/tasks/nope/attachments').set(auth(member)).attach('file', Buffer.from('x'), 'x.txt');

      expectProblem(res, 400);
      expect(errorPaths(res)).to.deep.equal(['path.id']);
    });
  });

  describe('GET /attachments/:id and /attachments/:id/content', () => {
    it('answers the metadata to anyone who can see the project, a viewer included', async () => {
      const { member, viewer, document } = await aTenantWithParents();
      const attachment = await anAttachment('documents', document.id, member, { filename: 'spec.md', contentType: 'text/markdown' });

      const res = await (await api()).get(`/attachments/${attachment.id}`).set(auth(viewer));

      expect(res.status).to.equal(200);
      expect(res.body).to.have.all.keys(ATTACHMENT_FIELDS);
      expect(res.body).to.include({ id: attachment.id, entityType: 'document', entityId: document.id, filename: 'spec.md', mimeType: 'text/markdown' });
    });

    it('streams the file with its type, length, a safe attachment disposition and nosniff', async () => {
      const { member, viewer, task } = await aTenantWithParents();
      const content = Buffer.from([0, 1, 2, 250, 251, 252, 10, 13]);
      const attachment = await anAttachment('tasks', task.id, member, { content, filename: 'résumé "final".bin', contentType: 'application/x-thing' });

      const res = await (await api()).get(`/attachments/${attachment.id}/content`).set(auth(viewer))
        .buffer(true).parse((response, done) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => done(null, Buffer.concat(chunks)));
        });

      expect(res.status).to.equal(200);
      expect(Buffer.compare(res.body as Buffer, content)).to.equal(0);
      expect(res.headers['content-type']).to.equal('application/x-thing');
      expect(res.headers['content-length']).to.equal(String(content.length));
      expect(res.headers['x-content-type-options']).to.equal('nosniff');
      expect(res.headers['content-disposition']).to.equal(
        `attachment; filename="r_sum_ _final_.bin"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.bin`);
    });

    it('cannot be made to inject headers through the file name', async () => {
      const { member, task } = await aTenantWithParents();
      const raw = rawMultipart('evil%22%0D%0ASet-Cookie: stolen=1%0D%0AX-Evil: 1.txt');
      const uploaded = await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(member)).set('Content-Type', raw.contentType).send(raw.body);
      expect(uploaded.status).to.equal(201);

      const res = await (await api()).get(`/attachments/${uploaded.body.id}/content`).set(auth(member));

      expect(res.status).to.equal(200);
      expect(res.headers['set-cookie']).to.equal(undefined);
      expect(res.headers['x-evil']).to.equal(undefined);
      const disposition = res.headers['content-disposition'] as string;
      expect(disposition).to.not.match(/[\r\n]/);
      expect(disposition.match(/"/g)).to.have.lengthOf(2);
    });

    it('serves a public project\'s attachments to anonymous readers', async () => {
      const { member, project } = await aTenantWithParents({ visibility: 'public' });
      const attachment = await anAttachment('projects', project.id, member, { content: 'public words' });

      const meta = await (await api()).get(`/attachments/${attachment.id}`);
      const content = await (await api()).get(`/attachments/${attachment.id}/content`);

      expect(meta.status).to.equal(200);
      expect(content.status).to.equal(200);
      expect(content.text).to.equal('public words');
    });

    it('answers 404, identical to an unknown id, to another tenant, a bystander and anonymous', async () => {
      const { member, bystander, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, member);
      const { owner: stranger } = await aTenant();

      for (const headers of [auth(stranger), auth(bystander), {}]) {
        for (const suffix of ['', '/content']) {
          expectSameNotFound(
            await (await api()).get(`/attachments/${attachment.id}${suffix}`).set(headers),
            await (await api()).get(`/attachments/${randomId()}${suffix}`).set(headers));
        }
      }
    });

    it('answers 404 problem+json, not 500, when the file has gone from disk', async () => {
      const { member, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, member);
      const row = await rowOf(attachment.id);
      await rm(path.join(await uploadDir(), row.storage_path));

      expectProblem(await (await api()).get(`/attachments/${attachment.id}/content`).set(auth(member)), 404);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const { member } = await aTenantWithParents();

      expectProblem(await (await api()).get('/attachments/1%27%20OR%201=1/content').set(auth(member)), 400);
    });
  });

  describe('DELETE /attachments/:id', () => {
    it('lets the uploader delete it: 204, row and file gone', async () => {
      const { member, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, member);
      const file = path.join(await uploadDir(), (await rowOf(attachment.id)).storage_path);

      const res = await (await api()).delete(`/attachments/${attachment.id}`).set(auth(member));

      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      expect(await rowOf(attachment.id)).to.equal(undefined);
      expect(existsSync(file)).to.equal(false);
    });

    it('lets a project admin delete anyone\'s attachment', async () => {
      const { member, admin, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, member);

      expect((await (await api()).delete(`/attachments/${attachment.id}`).set(auth(admin))).status).to.equal(204);
    });

    it('answers 403 to another member and to a viewer, keeping row and file', async () => {
      const { member, viewer, owner: projectOwner, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, projectOwner);
      const file = path.join(await uploadDir(), (await rowOf(attachment.id)).storage_path);

      for (const user of [member, viewer]) {
        expectProblem(await (await api()).delete(`/attachments/${attachment.id}`).set(auth(user)), 403);
      }
      expect(await rowOf(attachment.id)).to.not.equal(undefined);
      expect(existsSync(file)).to.equal(true);
    });

    it('answers 404, identical to an unknown id, to another tenant, keeping row and file', async () => {
      const { member, task } = await aTenantWithParents();
      const attachment = await anAttachment('tasks', task.id, member);
      const { owner: stranger } = await aTenant();

      expectSameNotFound(
        await (await api()).delete(`/attachments/${attachment.id}`).set(auth(stranger)),
        await (await api()).delete(`/attachments/${randomId()}`).set(auth(stranger)));
      expect(await rowOf(attachment.id)).to.not.equal(undefined);
    });
  });

  describe('the OpenAPI document', () => {
    it('describes every attachment route', async () => {
      const res = await (await api()).get('/openapi.json');

      expect(res.status).to.equal(200);
      for (const parent of ['tasks', 'documents', 'projects']) {
        expect(res.body.paths[`/${parent}/{id}/attachments`].post.requestBody.content).to.have.keys('multipart/form-data');
      }
      expect(res.body.paths['/attachments/{id}']).to.have.keys('get', 'delete');
      expect(res.body.paths['/attachments/{id}/content']).to.have.keys('get');
    });
  });

  describe('when the parent goes', () => {
    it('deleting a document through the API deletes its attachment rows', async () => {
      const { member, project } = await aTenantWithParents();
      const document = await aDocument(project, member);
      await anAttachment('documents', document.id, member);
      await anAttachment('documents', document.id, member);

      expect((await (await api()).delete(`/documents/${document.id}`).set(auth(member))).status).to.equal(204);

      expect(await attachmentsOf(document.id)).to.equal(0);
    });

    const filesOf = async (ids: string[]) => {
      const { rows } = await owner().query(`SELECT storage_path FROM file_attachments WHERE id = ANY ($1::uuid[])`, [ids]);
      const root = await uploadDir();
      return rows.map((row: { storage_path: string }) => path.join(root, row.storage_path));
    };

    it('removes the files of the attachments of a deleted task, document and project', async () => {
      const { owner: ownerUser, member, task, document, project } = await aTenantWithParents();
      const onTask = await filesOf([(await anAttachment('tasks', task.id, member)).id]);
      const onDocument = await filesOf([(await anAttachment('documents', document.id, member)).id]);
      const onProject = await filesOf([(await anAttachment('projects', project.id, member)).id]);
      const kept = await aTenantWithParents();
      const elsewhere = await filesOf([(await anAttachment('tasks', kept.task.id, kept.member)).id]);
      expect([...onTask, ...onDocument, ...onProject, ...elsewhere].every((file) => existsSync(file))).to.equal(true);

      expect((await (await api()).delete(`/tasks/${task.id}`).set(auth(ownerUser))).status).to.equal(204);
      expect(onTask.map(existsSync)).to.deep.equal([false]);
      expect(onDocument.map(existsSync)).to.deep.equal([true]);
      expect((await (await api()).delete(`/documents/${document.id}`).set(auth(ownerUser))).status).to.equal(204);
      expect(onDocument.map(existsSync)).to.deep.equal([false]);
      expect((await (await api()).delete(`/projects/${project.id}`).set(auth(ownerUser))).status).to.equal(204);
      expect(onProject.map(existsSync)).to.deep.equal([false]);
      expect(elsewhere.map(existsSync), 'another tenant\'s file').to.deep.equal([true]);
    });

    it('removes every attachment file of a deleted workspace, also of a private project its owner is not in', async () => {
      const { workspace, owner: ownerUser, member, task } = await aTenantWithParents();
      const secret = await aProject(workspace.id, member, { visibility: 'private' });
      const files = await filesOf([
        (await anAttachment('tasks', task.id, member)).id, (await anAttachment('projects', secret.id, member)).id,
      ]);

      expect((await (await api()).delete(`/workspaces/${workspace.id}`).set(auth(ownerUser))).status).to.equal(204);

      expect(files.map(existsSync)).to.deep.equal([false, false]);
    });

    it('keeps the files when the delete is refused', async () => {
      const { viewer, task, member } = await aTenantWithParents();
      const files = await filesOf([(await anAttachment('tasks', task.id, member)).id]);

      expectProblem(await (await api()).delete(`/tasks/${task.id}`).set(auth(viewer)), 403);

      expect(files.map(existsSync)).to.deep.equal([true]);
    });
  });
});
