import { z } from 'zod';
import { containing } from '../db/like';
import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import type { AddProjectMember, CreateProject, ListProjectsQuery, UpdateProject } from './schemas';

/**
 * Projects and their members. Every statement runs in the request's tenant transaction:
 * RLS decides what exists and who may change it; the WHEREs here only say what the route wants.
 */
type ProjectRole = 'owner' | 'admin' | 'member' | 'viewer';
type ProjectStatus = 'active' | 'completed' | 'archived' | 'cancelled';

export interface Project {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  ownerId: string;
  status: ProjectStatus;
  visibility: 'private' | 'internal' | 'public';
  settings: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  archivedAt: Date | null;
}

export interface ProjectMember {
  id: string;
  userId: string;
  email: string;
  username: string;
  role: ProjectRole;
  joinedAt: Date;
  createdAt: Date;
}

const COLUMNS = `
  p.id, p.workspace_id AS "workspaceId", p.name, p.description, p.owner_id AS "ownerId", p.status,
  p.visibility, p.settings, p.created_at AS "createdAt", p.updated_at AS "updatedAt",
  p.archived_at AS "archivedAt"`;

// Keys are rendered to the microsecond: a JS Date would round to milliseconds and skip rows.
const createdKey = `to_char(p.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;
const joinedKey = `to_char(pm.joined_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "joinedKey"`;
const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

const notFound = () => HttpError.notFound('Project not found.');

export async function listProjects(db: Db, query: z.output<typeof ListProjectsQuery>): Promise<Page<Project>> {
  const key = decodeCursor(query.cursor, timeAndId);
  // Public projects of other tenants are readable by id, but a list shows only my
  // workspaces' projects (a project member is always a workspace member, by foreign key).
  const rows: Array<Project & { createdKey: string }> = await db.query(
    `SELECT ${COLUMNS}, ${createdKey}
       FROM projects p
      WHERE p.workspace_id = ANY ((SELECT app_workspace_ids())::uuid[])
        AND ($1::uuid IS NULL OR p.workspace_id = $1::uuid)
        AND ($2::project_status IS NULL OR p.status = $2::project_status)
        AND ($3::project_visibility IS NULL OR p.visibility = $3::project_visibility)
        AND ($4::text IS NULL OR p.name ILIKE $4::text ESCAPE '\\')
        AND ($5::timestamptz IS NULL OR (p.created_at, p.id) < ($5::timestamptz, $6::uuid))
      ORDER BY p.created_at DESC, p.id DESC
      LIMIT $7`,
    [query.workspaceId ?? null, query.status ?? null, query.visibility ?? null,
      query.q === undefined ? null : containing(query.q), key?.[0] ?? null, key?.[1] ?? null, query.limit + 1],
  );
  return toPage(rows, query.limit, ({ createdKey: _, ...project }) => project, (row) => [row.createdKey, row.id]);
}

export async function createProject(db: Db, body: z.output<typeof CreateProject>): Promise<Project> {
  // A workspace I am not in answers exactly like one that does not exist.
  const workspace = await db.query(`SELECT 1 FROM workspaces WHERE id = $1`, [body.workspaceId]);
  if (workspace.length === 0) throw HttpError.notFound('Workspace not found.');
  // The insert trigger makes me the project's owner member in the same transaction.
  const [project]: Project[] = await db.query(
    `INSERT INTO projects AS p (workspace_id, name, description, owner_id, visibility, settings)
     VALUES ($1, $2, $3, app_current_user_id(), COALESCE($4::project_visibility, 'private'), $5::jsonb)
     RETURNING ${COLUMNS}`,
    [body.workspaceId, body.name, body.description ?? null, body.visibility ?? null, JSON.stringify(body.settings ?? {})],
  );
  return project;
}

export async function getProject(db: Db, id: string): Promise<Project> {
  const [project]: Project[] = await db.query(`SELECT ${COLUMNS} FROM projects p WHERE p.id = $1`, [id]);
  if (!project) throw notFound();
  return project;
}

/** After a write touched no row: visible means "not allowed" (403), invisible means 404. */
async function refusedOrMissing(db: Db, id: string): Promise<HttpError> {
  const visible = await db.query(`SELECT 1 FROM projects WHERE id = $1`, [id]);
  return visible.length > 0 ? HttpError.forbidden() : notFound();
}

export async function updateProject(db: Db, id: string, body: z.output<typeof UpdateProject>): Promise<Project> {
  // Setting a status keeps archived_at consistent with it, as archive/restore do.
  const changed = await db.query(
    `UPDATE projects
       SET name = COALESCE($2::text, name),
           description = CASE WHEN $3::boolean THEN $4::text ELSE description END,
           status = COALESCE($5::project_status, status),
           archived_at = CASE WHEN $5::project_status IS NULL THEN archived_at
                              WHEN $5::project_status = 'archived' THEN COALESCE(archived_at, now())
                              ELSE NULL END,
           visibility = COALESCE($6::project_visibility, visibility),
           settings = COALESCE($7::jsonb, settings)
     WHERE id = $1
     RETURNING id`,
    [id, body.name ?? null, body.description !== undefined, body.description ?? null, body.status ?? null,
      body.visibility ?? null, body.settings === undefined ? null : JSON.stringify(body.settings)],
  );
  if (changed.length === 0) throw await refusedOrMissing(db, id);
  return getProject(db, id);
}

export async function setProjectArchived(db: Db, id: string, archived: boolean): Promise<Project> {
  const changed = await db.query(
    `UPDATE projects
       SET status = CASE WHEN $2 THEN 'archived'::project_status ELSE 'active'::project_status END,
           archived_at = CASE WHEN $2 THEN COALESCE(archived_at, now()) ELSE NULL END
     WHERE id = $1
     RETURNING id`,
    [id, archived],
  );
  if (changed.length === 0) throw await refusedOrMissing(db, id);
  return getProject(db, id);
}

/** Answers the files of the project's attachments, gone with it, to remove after COMMIT. */
export async function deleteProject(db: Db, id: string): Promise<string[]> {
  const [deleted] = await db.query<{ files: string[] }>(
    `WITH files AS (SELECT storage_path FROM file_attachments WHERE project_id = $1),
          gone AS (DELETE FROM projects WHERE id = $1 RETURNING id)
     SELECT ARRAY(SELECT storage_path FROM files) AS files FROM gone`, [id]);
  if (!deleted) throw await refusedOrMissing(db, id);
  return deleted.files;
}

// --- members ----------------------------------------------------------------------------

// The membership row: its id, and createdAt (= joinedAt) like every resource.
const MEMBER_COLUMNS = `pm.id, pm.user_id AS "userId", u.email, u.username, pm.role, pm.joined_at AS "joinedAt", pm.joined_at AS "createdAt"`;

export async function listProjectMembers(db: Db, projectId: string, pageSize: number, after?: string): Promise<Page<ProjectMember>> {
  const key = decodeCursor(after, timeAndId);
  await getProject(db, projectId);
  const rows: Array<ProjectMember & { joinedKey: string }> = await db.query(
    `SELECT ${MEMBER_COLUMNS}, ${joinedKey}
       FROM project_members pm
       JOIN users u ON u.id = pm.user_id
      WHERE pm.project_id = $1
        AND ($2::timestamptz IS NULL OR (pm.joined_at, pm.user_id) > ($2::timestamptz, $3::uuid))
      ORDER BY pm.joined_at, pm.user_id
      LIMIT $4`,
    [projectId, key?.[0] ?? null, key?.[1] ?? null, pageSize + 1],
  );
  return toPage(rows, pageSize, ({ joinedKey: _, ...member }) => member, (row) => [row.joinedKey, row.userId]);
}

async function getProjectMember(db: Db, projectId: string, userId: string): Promise<ProjectMember> {
  const [member]: ProjectMember[] = await db.query(
    `SELECT ${MEMBER_COLUMNS}
       FROM project_members pm
       JOIN users u ON u.id = pm.user_id
      WHERE pm.project_id = $1 AND pm.user_id = $2`,
    [projectId, userId],
  );
  if (!member) throw HttpError.notFound('Member not found.');
  return member;
}

export async function addProjectMember(db: Db, projectId: string, body: z.output<typeof AddProjectMember>): Promise<ProjectMember> {
  const project = await getProject(db, projectId);
  const [mine]: Array<{ role: ProjectRole }> = await db.query(
    `SELECT role FROM project_members WHERE project_id = $1 AND user_id = app_current_user_id()`,
    [projectId],
  );
  if (mine?.role !== 'owner' && mine?.role !== 'admin') throw HttpError.forbidden('Only project owners and admins add members.');
  // Checked under RLS first: a user outside the workspace answers like a nonexistent one
  // (the composite foreign key alone would tell them apart).
  const colleague = await db.query(
    `SELECT 1 FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`,
    [project.workspaceId, body.userId],
  );
  if (colleague.length === 0) throw HttpError.notFound('No member of this project\'s workspace has that id.');
  // RLS refuses (42501 -> 403) an admin granting owner; an existing member is a 23505 (409).
  await db.query(
    `INSERT INTO project_members (workspace_id, project_id, user_id, role) VALUES ($1, $2, $3, $4)`,
    [project.workspaceId, projectId, body.userId, body.role],
  );
  return getProjectMember(db, projectId, body.userId);
}

async function memberRefusedOrMissing(db: Db, projectId: string, userId: string): Promise<HttpError> {
  const visible = await db.query(
    `SELECT 1 FROM project_members WHERE project_id = $1 AND user_id = $2`, [projectId, userId]);
  return visible.length > 0 ? HttpError.forbidden() : HttpError.notFound('Member not found.');
}

export async function updateProjectMember(db: Db, projectId: string, userId: string, role: ProjectRole): Promise<ProjectMember> {
  // The project owner's demotion is refused by a trigger (PM409 -> 409).
  const changed = await db.query(
    `UPDATE project_members SET role = $3 WHERE project_id = $1 AND user_id = $2 RETURNING user_id`,
    [projectId, userId, role],
  );
  if (changed.length === 0) throw await memberRefusedOrMissing(db, projectId, userId);
  return getProjectMember(db, projectId, userId);
}

export async function removeProjectMember(db: Db, projectId: string, userId: string): Promise<void> {
  // The project owner leaving is refused by a trigger (PM409 -> 409).
  const removed = await db.query(
    `DELETE FROM project_members WHERE project_id = $1 AND user_id = $2 RETURNING user_id`,
    [projectId, userId],
  );
  if (removed.length === 0) throw await memberRefusedOrMissing(db, projectId, userId);
}
