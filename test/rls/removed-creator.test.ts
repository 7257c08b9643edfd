import { expect } from 'chai';
import { api } from '../support/app';
import { asAppUser, owner } from '../support/db';
import { aTenant, auth, type TestUser } from '../support/factories';

/**
 * Making something gives no lasting right to it: a member who created a task, a document and
 * an attachment, and is then removed from the project (or, apart, from the workspace), reads
 * none of them at their very next request, through the API or straight through RLS.
 */
interface Made {
  taskId: string;
  documentId: string;
  attachmentId: string;
}

async function makeEverything(member: TestUser, projectId: string): Promise<Made> {
  const task = await (await api()).post(`/projects/${projectId}/tasks`).set(auth(member)).send({ title: 'Mine' });
  expect(task.status, JSON.stringify(task.body)).to.equal(201);
  const document = await (await api()).post(`/projects/${projectId}/documents`).set(auth(member)).send({ title: 'My notes', content: 'secret' });
  expect(document.status, JSON.stringify(document.body)).to.equal(201);
  const attachment = await (await api()).post(`/tasks/${task.body.id}/attachments`).set(auth(member))
    .attach('file', Buffer.from('my file'), { filename: 'mine.txt', contentType: 'text/plain' });
  expect(attachment.status, JSON.stringify(attachment.body)).to.equal(201);
  return { taskId: task.body.id, documentId: document.body.id, attachmentId: attachment.body.id };
}

async function expectReadsNothing(member: TestUser, projectId: string, made: Made): Promise<void> {
  const read = async (path: string) => (await api()).get(path).set(auth(member));
  for (const path of [
    `/tasks/${made.taskId}`, `/documents/${made.documentId}`, `/documents/${made.documentId}/versions`,
    `/attachments/${made.attachmentId}`, `/attachments/${made.attachmentId}/content`,
    `/projects/${projectId}/tasks`, `/projects/${projectId}/documents`,
  ]) {
    const res = await read(path);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).to.equal(404);
  }
  // Nor may they delete what they made.
  expect((await (await api()).delete(`/tasks/${made.taskId}`).set(auth(member))).status).to.equal(404);
  expect((await (await api()).delete(`/attachments/${made.attachmentId}`).set(auth(member))).status).to.equal(404);

  // The policies themselves, not only the routes.
  const visible = await asAppUser(member.id, async (db) => (await db.query(
    `SELECT (SELECT count(*) FROM tasks WHERE id = $1)::int AS tasks,
            (SELECT count(*) FROM documents WHERE id = $2)::int AS documents,
            (SELECT count(*) FROM document_versions WHERE document_id = $2)::int AS versions,
            (SELECT count(*) FROM file_attachments WHERE id = $3)::int AS attachments`,
    [made.taskId, made.documentId, made.attachmentId])).rows[0]);
  expect(visible).to.deep.equal({ tasks: 0, documents: 0, versions: 0, attachments: 0 });

  const { rows } = await owner().query(
    `SELECT (SELECT count(*) FROM tasks WHERE id = $1 AND creator_id = $4)::int
          + (SELECT count(*) FROM documents WHERE id = $2 AND author_id = $4)::int
          + (SELECT count(*) FROM file_attachments WHERE id = $3 AND uploader_id = $4)::int AS kept`,
    [made.taskId, made.documentId, made.attachmentId, member.id]);
  expect(rows[0].kept, 'the rows are still there, still theirs').to.equal(3);
}

describe('a creator removed from the project or the workspace', () => {
  it('reads none of the tasks, documents and attachments they made once removed from the project', async () => {
    const { member, project } = await aTenant();
    const made = await makeEverything(member, project.id);
    await owner().query(`DELETE FROM project_members WHERE project_id = $1 AND user_id = $2`, [project.id, member.id]);
    await expectReadsNothing(member, project.id, made);
  });

  it('reads none of them once removed from the workspace', async () => {
    const { member, project, workspace } = await aTenant();
    const made = await makeEverything(member, project.id);
    await owner().query(`DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, member.id]);
    await expectReadsNothing(member, project.id, made);
  });
});
