import { randomBytes } from 'node:crypto';
import { hash } from '@node-rs/argon2';
import { newApiToken } from '../../src/auth/tokens';
import { owner } from './db';

/**
 * Factories build data directly as the owner role (fast, and independent of the API under
 * test). Every name is unique, so tests own their rows and never depend on each other.
 */
export const TEST_PASSWORD = 'correct-horse-battery-staple';
let passwordHash: Promise<string> | undefined;
const hashOnce = () => (passwordHash ??= hash(TEST_PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }));

const unique = () => randomBytes(5).toString('hex');

export interface TestUser {
  id: string;
  email: string;
  username: string;
  password: string;
  /** A live API token: `auth(user)` makes the header. */
  token: string;
}

export type WorkspaceRole = 'owner' | 'admin' | 'member' | 'guest';
export type ProjectRole = 'owner' | 'admin' | 'member' | 'viewer';
export type Visibility = 'private' | 'internal' | 'public';

export function auth(user: TestUser): { Authorization: string } {
  return { Authorization: `Bearer ${user.token}` };
}

export async function aUser(overrides: { status?: string; email?: string } = {}): Promise<TestUser> {
  const tag = unique();
  const email = overrides.email ?? `user-${tag}@example.test`;
  const username = `user_${tag}`;
  const { rows } = await owner().query(
    `INSERT INTO users (email, username, password_hash, first_name, last_name, status)
     VALUES ($1, $2, $3, 'Test', $4, $5) RETURNING id`,
    [email, username, await hashOnce(), tag, overrides.status ?? 'active'],
  );
  const id = rows[0].id as string;
  return { id, email, username, password: TEST_PASSWORD, token: await tokenFor(id) };
}

export async function tokenFor(userId: string, expiresAt: Date | null = null): Promise<string> {
  const { token, hash: tokenHash, prefix } = newApiToken();
  await owner().query(
    `INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, expires_at) VALUES ($1, 'test', $2, $3, $4)`,
    [userId, tokenHash, prefix, expiresAt],
  );
  return token;
}

export async function aWorkspace(ownerUser: TestUser): Promise<{ id: string; slug: string; name: string }> {
  const slug = `ws-${unique()}`;
  const { rows } = await owner().query(
    `INSERT INTO workspaces (name, slug, owner_id) VALUES ($1, $2, $3) RETURNING id, slug, name`,
    [`Workspace ${slug}`, slug, ownerUser.id],
  );
  return rows[0];
}

export async function addWorkspaceMember(workspaceId: string, user: TestUser, role: WorkspaceRole = 'member'): Promise<void> {
  await owner().query(
    `INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)
     ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [workspaceId, user.id, role],
  );
}

export async function aProject(workspaceId: string, ownerUser: TestUser, options: { visibility?: Visibility; name?: string } = {}) {
  const { rows } = await owner().query(
    `INSERT INTO projects (workspace_id, name, owner_id, visibility) VALUES ($1, $2, $3, $4)
     RETURNING id, workspace_id AS "workspaceId", name, visibility`,
    [workspaceId, options.name ?? `Project ${unique()}`, ownerUser.id, options.visibility ?? 'private'],
  );
  return rows[0] as { id: string; workspaceId: string; name: string; visibility: Visibility };
}

export async function addProjectMember(project: { id: string; workspaceId: string }, user: TestUser, role: ProjectRole): Promise<void> {
  await addWorkspaceMember(project.workspaceId, user, 'member').catch(() => undefined);
  await owner().query(
    `INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'member') ON CONFLICT DO NOTHING`,
    [project.workspaceId, user.id],
  );
  await owner().query(
    `INSERT INTO project_members (workspace_id, project_id, user_id, role) VALUES ($1, $2, $3, $4)
     ON CONFLICT (project_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
    [project.workspaceId, project.id, user.id, role],
  );
}

export async function aTask(project: { id: string; workspaceId: string }, creator: TestUser, overrides: Record<string, unknown> = {}) {
  const { rows } = await owner().query(
    `INSERT INTO tasks (workspace_id, project_id, title, creator_id, status, priority, tags, parent_task_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, title`,
    [project.workspaceId, project.id, overrides.title ?? `Task ${unique()}`, creator.id,
      overrides.status ?? 'pending', overrides.priority ?? 'medium', overrides.tags ?? [], overrides.parentTaskId ?? null],
  );
  return rows[0] as { id: string; title: string };
}

export async function aDocument(project: { id: string; workspaceId: string }, author: TestUser, content = 'First draft') {
  const { rows } = await owner().query(
    `INSERT INTO documents (workspace_id, project_id, title, content, author_id) VALUES ($1, $2, $3, $4, $5)
     RETURNING id, title, version`,
    [project.workspaceId, project.id, `Doc ${unique()}`, content, author.id],
  );
  return rows[0] as { id: string; title: string; version: number };
}

/**
 * One tenant in a line: a workspace whose owner owns a private project, with a project
 * admin, member and viewer, a workspace member who is not in the project, and a task.
 */
export async function aTenant(options: { visibility?: Visibility } = {}) {
  const ownerUser = await aUser();
  const workspace = await aWorkspace(ownerUser);
  const [admin, member, viewer, bystander] = await Promise.all([aUser(), aUser(), aUser(), aUser()]);
  await addWorkspaceMember(workspace.id, bystander, 'member');
  const project = await aProject(workspace.id, ownerUser, { visibility: options.visibility });
  await addProjectMember(project, admin, 'admin');
  await addProjectMember(project, member, 'member');
  await addProjectMember(project, viewer, 'viewer');
  const task = await aTask(project, ownerUser);
  return { workspace, owner: ownerUser, admin, member, viewer, bystander, project, task };
}
