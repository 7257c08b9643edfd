import { z } from 'zod';
import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import type { AddWorkspaceMember, CreateWorkspace, UpdateWorkspace } from './schemas';

/**
 * Workspaces and their members. Every statement runs in the request's tenant transaction:
 * RLS decides what exists; the WHEREs here only say what the route wants.
 */
type WorkspaceRole = 'owner' | 'admin' | 'member' | 'guest';

export interface Workspace {
  id: string;
  name: string;
  slug: string;
  ownerId: string;
  settings: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
  role?: WorkspaceRole | null;
}

export interface WorkspaceMember {
  id: string;
  userId: string;
  email: string;
  username: string;
  role: WorkspaceRole;
  joinedAt: Date;
  createdAt: Date;
}

const COLUMNS = `
  w.id, w.name, w.slug, w.owner_id AS "ownerId", w.settings, w.created_at AS "createdAt",
  w.updated_at AS "updatedAt", w.archived_at AS "archivedAt"`;

// The key is rendered to the microsecond: a JS Date would round it to milliseconds and skip rows.
const createdKey = `to_char(w.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;
const joinedKey = `to_char(wm.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "joinedKey"`;
const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

const notFound = () => HttpError.notFound('Workspace not found.');

export async function listMyWorkspaces(db: Db, pageSize: number, after?: string): Promise<Page<Workspace>> {
  const key = decodeCursor(after, timeAndId);
  const rows: Array<Workspace & { createdKey: string }> = await db.query(
    `SELECT ${COLUMNS}, wm.role, ${createdKey}
       FROM workspaces w
       JOIN workspace_members wm ON wm.workspace_id = w.id AND wm.user_id = app_current_user_id()
      WHERE ($1::timestamptz IS NULL OR (w.created_at, w.id) < ($1::timestamptz, $2::uuid))
      ORDER BY w.created_at DESC, w.id DESC
      LIMIT $3`,
    [key?.[0] ?? null, key?.[1] ?? null, pageSize + 1],
  );
  return toPage(rows, pageSize, ({ createdKey: _, ...workspace }) => workspace, (row) => [row.createdKey, row.id]);
}

export async function createWorkspace(db: Db, body: z.output<typeof CreateWorkspace>): Promise<Workspace> {
  // The insert trigger makes the creator an owner member in the same transaction. A taken slug,
  // maybe another tenant's, is a 409 that names nobody (src/errors.ts).
  const [workspace]: Workspace[] = await db.query(
    `INSERT INTO workspaces AS w (name, slug, owner_id, settings)
     VALUES ($1, $2, app_current_user_id(), $3::jsonb)
     RETURNING ${COLUMNS}`,
    [body.name, body.slug, JSON.stringify(body.settings ?? {})],
  );
  return { ...workspace, role: 'owner' };
}

export async function getWorkspace(db: Db, id: string): Promise<Workspace> {
  const [workspace]: Workspace[] = await db.query(
    `SELECT ${COLUMNS}, wm.role
       FROM workspaces w
       LEFT JOIN workspace_members wm ON wm.workspace_id = w.id AND wm.user_id = app_current_user_id()
      WHERE w.id = $1`,
    [id],
  );
  if (!workspace) throw notFound();
  return workspace;
}

/** After a write touched no row: visible means "not allowed" (403), invisible means 404. */
async function refusedOrMissing(db: Db, id: string): Promise<HttpError> {
  const visible = await db.query(`SELECT 1 FROM workspaces WHERE id = $1`, [id]);
  return visible.length > 0 ? HttpError.forbidden() : notFound();
}

export async function updateWorkspace(db: Db, id: string, body: z.output<typeof UpdateWorkspace>): Promise<Workspace> {
  const changed: Array<{ id: string }> = await db.query(
    `UPDATE workspaces
       SET name = COALESCE($2, name),
           slug = COALESCE($3, slug),
           settings = COALESCE($4::jsonb, settings)
     WHERE id = $1
     RETURNING id`,
    [id, body.name ?? null, body.slug ?? null, body.settings === undefined ? null : JSON.stringify(body.settings)],
  );
  if (changed.length === 0) throw await refusedOrMissing(db, id);
  return getWorkspace(db, id);
}

/**
 * Answers the files of the workspace's attachments, gone with it, to remove after COMMIT: all
 * of them, also of private projects the owner is not in (app_workspace_attachment_files()).
 */
export async function deleteWorkspace(db: Db, id: string): Promise<string[]> {
  const [deleted] = await db.query<{ files: string[] }>(
    `WITH files AS (SELECT app_workspace_attachment_files($1) AS paths),
          gone AS (DELETE FROM workspaces WHERE id = $1 RETURNING id)
     SELECT (SELECT paths FROM files) AS files FROM gone`, [id]);
  if (!deleted) throw await refusedOrMissing(db, id);
  return deleted.files;
}

// --- members ----------------------------------------------------------------------------

// The membership row: its id, and createdAt (= joinedAt) like every resource.
const MEMBER_COLUMNS = `wm.id, wm.user_id AS "userId", u.email, u.username, wm.role, wm.joined_at AS "joinedAt", wm.joined_at AS "createdAt"`;

export async function listWorkspaceMembers(db: Db, workspaceId: string, pageSize: number, after?: string): Promise<Page<WorkspaceMember>> {
  const key = decodeCursor(after, timeAndId);
  await getWorkspace(db, workspaceId);
  const rows: Array<WorkspaceMember & { joinedKey: string }> = await db.query(
    `SELECT ${MEMBER_COLUMNS}, ${joinedKey}
       FROM workspace_members wm
       JOIN users u ON u.id = wm.user_id
      WHERE wm.workspace_id = $1
        AND ($2::timestamptz IS NULL OR (wm.joined_at, wm.user_id) > ($2::timestamptz, $3::uuid))
      ORDER BY wm.joined_at, wm.user_id
      LIMIT $4`,
    [workspaceId, key?.[0] ?? null, key?.[1] ?? null, pageSize + 1],
  );
  return toPage(rows, pageSize, ({ joinedKey: _, ...member }) => member, (row) => [row.joinedKey, row.userId]);
}

async function getWorkspaceMember(db: Db, workspaceId: string, userId: string): Promise<WorkspaceMember | undefined> {
  const [member]: WorkspaceMember[] = await db.query(
    `SELECT ${MEMBER_COLUMNS}
       FROM workspace_members wm
       JOIN users u ON u.id = wm.user_id
      WHERE wm.workspace_id = $1 AND wm.user_id = $2`,
    [workspaceId, userId],
  );
  return member;
}

export async function addWorkspaceMember(db: Db, workspaceId: string, body: z.output<typeof AddWorkspaceMember>): Promise<WorkspaceMember> {
  const { role } = await getWorkspace(db, workspaceId);
  if (role !== 'owner' && role !== 'admin') throw HttpError.forbidden('Only workspace owners and admins add members.');
  // NULL both for an unknown email and an inactive user; the function answers only admins.
  const [found]: Array<{ userId: string | null }> = await db.query(
    `SELECT app_find_user_for_workspace($1, $2) AS "userId"`,
    [workspaceId, body.email],
  );
  if (!found?.userId) throw HttpError.notFound('No active user has that email address.');
  // RLS refuses (42501 -> 403) an admin adding an owner; an existing member is a 23505 (409).
  await db.query(
    `INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)`,
    [workspaceId, found.userId, body.role],
  );
  const member = await getWorkspaceMember(db, workspaceId, found.userId);
  if (!member) throw HttpError.notFound();
  return member;
}

async function memberRefusedOrMissing(db: Db, workspaceId: string, userId: string): Promise<HttpError> {
  const visible = await db.query(
    `SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`,
    [workspaceId, userId],
  );
  return visible.length > 0 ? HttpError.forbidden() : HttpError.notFound('Member not found.');
}

export async function updateWorkspaceMember(db: Db, workspaceId: string, userId: string, role: WorkspaceRole): Promise<WorkspaceMember> {
  // The last owner's demotion is refused by a trigger (PM409 -> 409).
  const changed = await db.query(
    `UPDATE workspace_members SET role = $3 WHERE workspace_id = $1 AND user_id = $2 RETURNING user_id`,
    [workspaceId, userId, role],
  );
  if (changed.length === 0) throw await memberRefusedOrMissing(db, workspaceId, userId);
  const member = await getWorkspaceMember(db, workspaceId, userId);
  if (!member) throw HttpError.notFound('Member not found.');
  return member;
}

export async function removeWorkspaceMember(db: Db, workspaceId: string, userId: string): Promise<void> {
  // The last owner leaving is refused by a trigger (409); so is removing someone who
  // still owns a project (the projects' owner membership, 409).
  const removed = await db.query(
    `DELETE FROM workspace_members WHERE workspace_id = $1 AND user_id = $2 RETURNING user_id`,
    [workspaceId, userId],
  );
  if (removed.length === 0) throw await memberRefusedOrMissing(db, workspaceId, userId);
}
