import { Client } from 'pg';
import { owner } from '../support/db';
import {
  aDocument, aProject, aTask, aUser, aWorkspace, addProjectMember, addWorkspaceMember, type TestUser,
} from '../support/factories';

/**
 * The RLS matrix: every tenant table x SELECT/INSERT/UPDATE/DELETE x actor, executed as
 * the application role with app.current_user_id set as a request would set it. Each
 * statement targets the tenant's rows (a private project); each runs in a transaction
 * that is rolled back, so the cases are independent. One definition for the primary
 * (test/rls/matrix.test.ts) and for the SELECT column on a standby (test/replica/replica.test.ts).
 */
export type Actor = 'anonymous' | 'otherTenant' | 'bystander' | 'viewer' | 'member' | 'admin' | 'owner';
export type Command = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';
export const ACTORS: Actor[] = ['anonymous', 'otherTenant', 'bystander', 'viewer', 'member', 'admin', 'owner'];
export const COMMANDS: Command[] = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'];

export interface Fixture {
  users: Record<Exclude<Actor, 'anonymous'>, TestUser>;
  extra: TestUser;
  workspaceId: string;
  project: { id: string; workspaceId: string };
  taskA: string;
  taskB: string;
  taskC: string;
  dependencyId: string;
  documentId: string;
  versionId: string;
  attachmentId: string;
  auditId: string;
}

export type Statement = (f: Fixture, me: string | null) => [sql: string, params: unknown[]];
export interface Case { statement: Statement; allowed: Actor[] }
export type TableCases = Record<Command, Case>;

const everyone: Actor[] = ['otherTenant', 'bystander', 'viewer', 'member', 'admin', 'owner'];
const projectReaders: Actor[] = ['viewer', 'member', 'admin', 'owner'];
const projectWriters: Actor[] = ['member', 'admin', 'owner'];
const projectAdmins: Actor[] = ['admin', 'owner'];
const workspaceMembers: Actor[] = ['bystander', 'viewer', 'member', 'admin', 'owner'];
const nobody: Actor[] = [];

export const MATRIX: Record<string, TableCases> = {
  users: {
    SELECT: { statement: (f) => ['SELECT id FROM users WHERE id = $1', [f.users.owner.id]], allowed: workspaceMembers },
    INSERT: { statement: () => [`INSERT INTO users (email, username, password_hash) VALUES ('x@y.test', 'xyz_new', 'h')`, []], allowed: nobody },
    UPDATE: { statement: (f) => [`UPDATE users SET first_name = 'Changed' WHERE id = $1`, [f.users.owner.id]], allowed: ['owner'] },
    DELETE: { statement: (f) => ['DELETE FROM users WHERE id = $1', [f.users.owner.id]], allowed: nobody },
  },
  user_profiles: {
    SELECT: { statement: (f) => ['SELECT id FROM user_profiles WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
    INSERT: { statement: (f) => ['INSERT INTO user_profiles (user_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING id', [f.extra.id]], allowed: nobody },
    UPDATE: { statement: (f) => [`UPDATE user_profiles SET bio = 'x' WHERE user_id = $1`, [f.users.owner.id]], allowed: ['owner'] },
    DELETE: { statement: (f) => ['DELETE FROM user_profiles WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
  },
  user_sessions: {
    SELECT: { statement: (f) => ['SELECT id FROM user_sessions WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
    INSERT: { statement: (f) => [`INSERT INTO user_sessions (user_id, session_token, expires_at) VALUES ($1, md5(random()::text), now() + interval '1 day')`, [f.users.owner.id]], allowed: ['owner'] },
    UPDATE: { statement: (f) => ['UPDATE user_sessions SET is_active = false WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
    DELETE: { statement: (f) => ['DELETE FROM user_sessions WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
  },
  api_tokens: {
    SELECT: { statement: (f) => ['SELECT id FROM api_tokens WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
    INSERT: { statement: (f) => [`INSERT INTO api_tokens (user_id, name, token_hash, token_prefix) VALUES ($1, 'n', md5(random()::text), 'pm_')`, [f.users.owner.id]], allowed: ['owner'] },
    UPDATE: { statement: (f) => [`UPDATE api_tokens SET name = 'renamed' WHERE user_id = $1`, [f.users.owner.id]], allowed: nobody },
    DELETE: { statement: (f) => ['DELETE FROM api_tokens WHERE user_id = $1', [f.users.owner.id]], allowed: ['owner'] },
  },
  workspaces: {
    SELECT: { statement: (f) => ['SELECT id FROM workspaces WHERE id = $1', [f.workspaceId]], allowed: workspaceMembers },
    // Creating a workspace of one's own is open to every signed-in user.
    INSERT: { statement: (_f, me) => [`INSERT INTO workspaces (name, slug, owner_id) VALUES ('New', 'new-' || md5(random()::text), $1)`, [me]], allowed: everyone },
    UPDATE: { statement: (f) => [`UPDATE workspaces SET name = 'Renamed' WHERE id = $1`, [f.workspaceId]], allowed: ['owner'] },
    DELETE: { statement: (f) => ['DELETE FROM workspaces WHERE id = $1', [f.workspaceId]], allowed: ['owner'] },
  },
  workspace_members: {
    SELECT: { statement: (f) => ['SELECT id FROM workspace_members WHERE workspace_id = $1', [f.workspaceId]], allowed: workspaceMembers },
    INSERT: { statement: (f) => [`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'member')`, [f.workspaceId, f.users.otherTenant.id]], allowed: ['owner'] },
    UPDATE: { statement: (f) => [`UPDATE workspace_members SET role = 'guest' WHERE workspace_id = $1 AND user_id = $2`, [f.workspaceId, f.users.bystander.id]], allowed: ['owner'] },
    DELETE: { statement: (f) => ['DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2', [f.workspaceId, f.extra.id]], allowed: ['owner'] },
  },
  projects: {
    SELECT: { statement: (f) => ['SELECT id FROM projects WHERE id = $1', [f.project.id]], allowed: projectReaders },
    // Any member of the workspace may create a project in it.
    INSERT: { statement: (f, me) => [`INSERT INTO projects (workspace_id, name, owner_id) VALUES ($1, 'New', $2)`, [f.workspaceId, me]], allowed: workspaceMembers },
    UPDATE: { statement: (f) => [`UPDATE projects SET name = 'Renamed' WHERE id = $1`, [f.project.id]], allowed: projectAdmins },
    DELETE: { statement: (f) => ['DELETE FROM projects WHERE id = $1', [f.project.id]], allowed: ['owner'] },
  },
  project_members: {
    SELECT: { statement: (f) => ['SELECT id FROM project_members WHERE project_id = $1', [f.project.id]], allowed: projectReaders },
    INSERT: { statement: (f) => [`INSERT INTO project_members (workspace_id, project_id, user_id, role) VALUES ($1, $2, $3, 'viewer')`, [f.workspaceId, f.project.id, f.users.bystander.id]], allowed: projectAdmins },
    UPDATE: { statement: (f) => [`UPDATE project_members SET role = 'member' WHERE project_id = $1 AND user_id = $2`, [f.project.id, f.extra.id]], allowed: projectAdmins },
    DELETE: { statement: (f) => ['DELETE FROM project_members WHERE project_id = $1 AND user_id = $2', [f.project.id, f.extra.id]], allowed: projectAdmins },
  },
  tasks: {
    SELECT: { statement: (f) => ['SELECT id FROM tasks WHERE id = $1', [f.taskA]], allowed: projectReaders },
    INSERT: { statement: (f, me) => [`INSERT INTO tasks (workspace_id, project_id, title, creator_id) VALUES ($1, $2, 'New', $3)`, [f.workspaceId, f.project.id, me]], allowed: projectWriters },
    UPDATE: { statement: (f) => [`UPDATE tasks SET title = 'Renamed' WHERE id = $1`, [f.taskA]], allowed: projectWriters },
    // Members delete only what they created; the owner created this one.
    DELETE: { statement: (f) => ['DELETE FROM tasks WHERE id = $1', [f.taskA]], allowed: projectAdmins },
  },
  task_dependencies: {
    SELECT: { statement: (f) => ['SELECT id FROM task_dependencies WHERE id = $1', [f.dependencyId]], allowed: projectReaders },
    INSERT: { statement: (f) => [`INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)`, [f.workspaceId, f.taskA, f.taskC]], allowed: projectWriters },
    UPDATE: { statement: (f) => [`UPDATE task_dependencies SET dependency_type = 'relates_to' WHERE id = $1`, [f.dependencyId]], allowed: nobody },
    DELETE: { statement: (f) => ['DELETE FROM task_dependencies WHERE id = $1', [f.dependencyId]], allowed: projectWriters },
  },
  documents: {
    SELECT: { statement: (f) => ['SELECT id FROM documents WHERE id = $1', [f.documentId]], allowed: projectReaders },
    INSERT: { statement: (f, me) => [`INSERT INTO documents (workspace_id, project_id, title, author_id) VALUES ($1, $2, 'New', $3)`, [f.workspaceId, f.project.id, me]], allowed: projectWriters },
    UPDATE: { statement: (f) => [`UPDATE documents SET content = 'Edited' WHERE id = $1`, [f.documentId]], allowed: projectWriters },
    DELETE: { statement: (f) => ['DELETE FROM documents WHERE id = $1', [f.documentId]], allowed: projectAdmins },
  },
  document_versions: {
    SELECT: { statement: (f) => ['SELECT id FROM document_versions WHERE id = $1', [f.versionId]], allowed: projectReaders },
    INSERT: { statement: (f, me) => [`INSERT INTO document_versions (workspace_id, document_id, version_number, title, content, author_id) VALUES ($1, $2, 99, 't', 'c', $3)`, [f.workspaceId, f.documentId, me]], allowed: nobody },
    UPDATE: { statement: (f) => [`UPDATE document_versions SET content = 'forged' WHERE id = $1`, [f.versionId]], allowed: nobody },
    DELETE: { statement: (f) => ['DELETE FROM document_versions WHERE id = $1', [f.versionId]], allowed: nobody },
  },
  file_attachments: {
    SELECT: { statement: (f) => ['SELECT id FROM file_attachments WHERE id = $1', [f.attachmentId]], allowed: projectReaders },
    INSERT: { statement: (f, me) => [`INSERT INTO file_attachments (workspace_id, project_id, entity_type, entity_id, filename, original_filename, file_size, mime_type, storage_path, uploader_id) VALUES ($1, $2, 'project', $2, 'f', 'f.txt', 1, 'text/plain', 'f', $3)`, [f.workspaceId, f.project.id, me]], allowed: projectWriters },
    UPDATE: { statement: (f) => [`UPDATE file_attachments SET original_filename = 'renamed' WHERE id = $1`, [f.attachmentId]], allowed: nobody },
    DELETE: { statement: (f) => ['DELETE FROM file_attachments WHERE id = $1', [f.attachmentId]], allowed: projectAdmins },
  },
  audit_events: {
    SELECT: { statement: (f) => ['SELECT id FROM audit_events WHERE id = $1', [f.auditId]], allowed: projectReaders },
    INSERT: { statement: (f, me) => [`INSERT INTO audit_events (workspace_id, table_name, row_id, operation, actor_id) VALUES ($1, 'tasks', $1, 'INSERT', $2)`, [f.workspaceId, me]], allowed: nobody },
    UPDATE: { statement: (f) => [`UPDATE audit_events SET operation = 'DELETE' WHERE id = $1`, [f.auditId]], allowed: nobody },
    DELETE: { statement: (f) => ['DELETE FROM audit_events WHERE id = $1', [f.auditId]], allowed: nobody },
  },
};

export async function buildFixture(): Promise<Fixture> {
  const [ownerUser, admin, member, viewer, bystander, otherTenant, extra] = await Promise.all(
    Array.from({ length: 7 }, () => aUser()),
  );
  const workspace = await aWorkspace(ownerUser);
  await addWorkspaceMember(workspace.id, bystander, 'member');
  const project = await aProject(workspace.id, ownerUser, { visibility: 'private' });
  await addProjectMember(project, admin, 'admin');
  await addProjectMember(project, member, 'member');
  await addProjectMember(project, viewer, 'viewer');
  await addProjectMember(project, extra, 'viewer');
  const otherWorkspace = await aWorkspace(otherTenant);
  await aProject(otherWorkspace.id, otherTenant);

  const taskA = (await aTask(project, ownerUser)).id;
  const taskB = (await aTask(project, ownerUser)).id;
  const taskC = (await aTask(project, ownerUser)).id;
  const db = owner();
  const dependency = await db.query(
    `INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3) RETURNING id`,
    [workspace.id, taskA, taskB],
  );
  const document = await aDocument(project, ownerUser);
  const version = await db.query('SELECT id FROM document_versions WHERE document_id = $1', [document.id]);
  const attachment = await db.query(
    `INSERT INTO file_attachments (workspace_id, project_id, entity_type, entity_id, filename, original_filename,
       file_size, mime_type, storage_path, uploader_id)
     VALUES ($1, $2, 'task', $3, 'stored', 'a.txt', 3, 'text/plain', 'stored', $4) RETURNING id`,
    [workspace.id, project.id, taskA, ownerUser.id],
  );
  await db.query('INSERT INTO user_profiles (user_id) VALUES ($1)', [ownerUser.id]);
  await db.query(
    `INSERT INTO user_sessions (user_id, session_token, expires_at) VALUES ($1, md5(random()::text), now() + interval '1 day')`,
    [ownerUser.id],
  );
  const audit = await db.query(
    `SELECT id FROM audit_events WHERE project_id = $1 AND table_name = 'tasks' ORDER BY id LIMIT 1`, [project.id],
  );
  return {
    users: { owner: ownerUser, admin, member, viewer, bystander, otherTenant },
    extra,
    workspaceId: workspace.id,
    project,
    taskA,
    taskB,
    taskC,
    dependencyId: dependency.rows[0].id,
    documentId: document.id,
    versionId: version.rows[0].id,
    attachmentId: attachment.rows[0].id,
    auditId: audit.rows[0].id,
  };
}

/** The user id an actor's statements run as: null for anonymous. */
export function actorId(fixture: Fixture, actor: Actor): string | null {
  return actor === 'anonymous' ? null : fixture.users[actor].id;
}

/** Runs one statement as the application role and says whether it was allowed. */
export async function attempt(client: Client, userId: string | null, command: Command, [sql, params]: [string, unknown[]]): Promise<boolean> {
  await client.query('BEGIN');
  try {
    await client.query(`SELECT set_config('app.current_user_id', $1, true)`, [userId ?? '']);
    const result = await client.query(sql, params);
    return command === 'INSERT' ? true : (result.rowCount ?? 0) > 0;
  } catch (error) {
    // 42501: a policy's WITH CHECK or a missing (column) privilege refused it.
    if ((error as { code?: string }).code === '42501') return false;
    throw new Error(`${command} failed with ${(error as { code?: string }).code}: ${(error as Error).message}\n${sql}`, { cause: error });
  } finally {
    await client.query('ROLLBACK');
  }
}
