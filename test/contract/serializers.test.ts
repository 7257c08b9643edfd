import { expect } from 'chai';
import type { z } from 'zod';
import { attachments } from '../../src/attachments/repository';
import { AttachmentResponse, attachmentJson } from '../../src/attachments/schemas';
import { accounts } from '../../src/auth/repository';
import { UserResponse, userJson } from '../../src/auth/schemas';
import type { Actor, TenantManager } from '../../src/db/tenant';
import { documents } from '../../src/documents/repository';
import { DocumentResponse, DocumentVersionResponse, documentJson, documentVersionJson } from '../../src/documents/schemas';
import { projects } from '../../src/projects/repository';
import { ProjectResponse, projectJson } from '../../src/projects/schemas';
import { tasks } from '../../src/tasks/repository';
import { TaskResponse, taskJson } from '../../src/tasks/schemas';
import { profiles } from '../../src/users/repository';
import { ProfileResponse, profileJson } from '../../src/users/schemas';
import { workspaces } from '../../src/workspaces/repository';
import { WorkspaceResponse, workspaceJson } from '../../src/workspaces/schemas';
import { api, testApp } from '../support/app';
import { anAttachment } from '../support/documents-factories';
import { aDocument, aTenant, auth, type TestUser } from '../support/factories';

/**
 * Decision 0013: an entity becomes JSON through its resource's one serializer. Each case reads
 * a real row through the resource's repository, as a request would, and checks that the
 * serializer's output is exactly its response schema (the OpenAPI source: no missing, extra or
 * mistyped field) and exactly what the route answers.
 */
async function asUser<T>(user: TestUser, work: (em: TenantManager) => Promise<T>): Promise<T> {
  const actor: Actor = { id: user.id, readOnly: true };
  return (await testApp()).deps.withTenant(actor, work);
}

function expectExactly(schema: z.ZodObject, json: unknown, answered: unknown): void {
  expect(schema.strict().safeParse(json).error?.issues ?? []).to.deep.equal([]);
  expect(answered).to.deep.equal(JSON.parse(JSON.stringify(json)));
}

describe('serializers: a serialized entity is its response schema and the route\'s answer', () => {
  let tenant: Awaited<ReturnType<typeof aTenant>>;
  before(async () => {
    tenant = await aTenant();
  });
  const get = async (path: string) => {
    const res = await (await api()).get(path).set(auth(tenant.owner));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body;
  };

  it('presents a task', async () => {
    const task = await asUser(tenant.owner, (em) => tasks(em).byId(tenant.task.id));
    expectExactly(TaskResponse, taskJson(task), await get(`/tasks/${task.id}`));
  });

  it('presents a project', async () => {
    const project = await asUser(tenant.owner, (em) => projects(em).byId(tenant.project.id));
    expectExactly(ProjectResponse, projectJson(project), await get(`/projects/${project.id}`));
  });

  it('presents a workspace', async () => {
    const workspace = await asUser(tenant.owner, (em) => workspaces(em).byId(tenant.workspace.id));
    expectExactly(WorkspaceResponse, workspaceJson(workspace), await get(`/workspaces/${workspace.id}`));
  });

  it('presents a document and one of its versions', async () => {
    const { id } = await aDocument(tenant.project, tenant.owner);
    const document = await asUser(tenant.owner, (em) => documents(em).byId(id));
    expectExactly(DocumentResponse, documentJson(document), await get(`/documents/${id}`));
    const version = await asUser(tenant.owner, (em) => documents(em).version(id, 1));
    expectExactly(DocumentVersionResponse, documentVersionJson(version), await get(`/documents/${id}/versions/1`));
  });

  it('presents an attachment', async () => {
    const { id } = await anAttachment('tasks', tenant.task.id, tenant.owner);
    const attachment = await asUser(tenant.owner, (em) => attachments(em).byId(id));
    expectExactly(AttachmentResponse, attachmentJson(attachment), await get(`/attachments/${id}`));
  });

  it('presents the signed-in user, never a password hash', async () => {
    const me = await asUser(tenant.owner, (em) => accounts(em).me());
    expectExactly(UserResponse, userJson(me), await get('/auth/me'));
    expect(JSON.stringify(userJson(me))).not.to.match(/password|argon2/i);
  });

  it('presents a profile', async () => {
    await get('/users/me/profile'); // the first read creates it
    const profile = await asUser(tenant.owner, (em) => profiles(em).mine());
    expectExactly(ProfileResponse, profileJson(profile), await get('/users/me/profile'));
  });
});
