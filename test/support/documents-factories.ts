import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { api, testApp } from './app';
import { auth, type TestUser } from './factories';

/**
 * Helpers for the document and attachment tests: the files under UPLOAD_DIR and
 * attachments made through the API.
 */
// The problem+json, counting and paging assertions are shared with the tenancy tests.
export { randomId, expectProblem, expectSameNotFound, errorPaths, count, allPages } from './tenancy-factories';

export async function uploadDir(): Promise<string> {
  return (await testApp()).deps.config.uploadDir;
}

/** Every file under UPLOAD_DIR (kept and temporary), relative to it. */
export async function filesOnDisk(): Promise<string[]> {
  const root = await uploadDir();
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name))).sort();
}

export type ParentKind = 'tasks' | 'documents' | 'projects';

/** Uploads through the API as `user`; expects a 201 and returns the attachment. */
export async function anAttachment(parent: ParentKind, parentId: string, user: TestUser,
  file: { content?: string | Buffer; filename?: string; contentType?: string } = {}) {
  const res = await (await api()).post(`/${parent}/${parentId}/attachments`).set(auth(user))
    .attach('file', Buffer.from(file.content ?? 'hello, file'), {
      filename: file.filename ?? 'notes.txt', contentType: file.contentType ?? 'text/plain',
    });
  expect(res.status, JSON.stringify(res.body)).to.equal(201);
  return res.body as { id: string; filename: string; size: number; mimeType: string; projectId: string };
}
