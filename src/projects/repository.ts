import { z } from 'zod';
import { Raw, type QueryDeepPartialEntity } from 'typeorm';
import { cursorTime, jsonSelectList, selectList } from '../db/columns';
import { containing } from '../db/like';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, toPageJson, type Page, type PageJson } from '../http/pagination';
import { User } from '../users/entity';
import { Workspace, WorkspaceMember } from '../workspaces/entity';
import { Project, ProjectMember, type ProjectRole } from './entity';
import type { AddProjectMember, CreateProject, ListProjectsQuery, UpdateProject } from './schemas';

/**
 * Projects and their members, on the request's EntityManager. Every statement runs in the
 * tenant transaction: RLS decides what exists and who may change it; the WHEREs here only say
 * what the route wants. Writes that touch no row are told apart afterwards: visible -> 403,
 * invisible -> 404, the same 404 as a random id. The two hand-written statements (my projects'
 * page, deleting a project) are listed with their reasons in docs/database.md.
 */
export function projects(em: TenantManager): ProjectRepository {
  return new ProjectRepository(em);
}

const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

const projectNotFound = () => HttpError.notFound('Project not found.');
const memberNotFound = () => HttpError.notFound('Member not found.');

/** A list row: the project as JSON text, and its place in the order for the cursor. */
interface ListedProject {
  project: string;
  createdKey: string;
  id: string;
}

export class ProjectRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(Project);
  }

  private get members() {
    return this.em.getRepository(ProjectMember);
  }

  /**
   * GET /projects, a hot route: one statement, each project rendered as JSON text by
   * PostgreSQL from the entity's columns, as the task lists are (decision 0006): measured,
   * it costs the app less CPU than building entities and serializing them (docs/database.md).
   * Public projects of other tenants are readable by id, but this page shows only my
   * workspaces' projects (a project member is always a workspace member, by foreign key); the
   * optional filters fold away when their parameter is NULL.
   */
  async pageOfMyWorkspaces(query: z.output<typeof ListProjectsQuery>): Promise<PageJson> {
    const after = decodeCursor(query.cursor, timeAndId);
    const rows: ListedProject[] = await this.em.query(
      `SELECT row_to_json(project)::text AS project, ${cursorTime('p.created_at')} AS "createdKey", p.id
         FROM projects p
              CROSS JOIN LATERAL (SELECT ${jsonSelectList(this.rows.metadata, 'p')}) project
        WHERE p.workspace_id = ANY ((SELECT app_workspace_ids())::uuid[])
          AND ($1::uuid IS NULL OR p.workspace_id = $1::uuid)
          AND ($2::project_status IS NULL OR p.status = $2::project_status)
          AND ($3::project_visibility IS NULL OR p.visibility = $3::project_visibility)
          AND ($4::text IS NULL OR p.name ILIKE $4::text ESCAPE '\\')
          AND ($5::timestamptz IS NULL OR (p.created_at, p.id) < ($5::timestamptz, $6::uuid))
        ORDER BY p.created_at DESC, p.id DESC
        LIMIT $7`,
      [query.workspaceId ?? null, query.status ?? null, query.visibility ?? null,
        query.q === undefined ? null : containing(query.q), after?.[0] ?? null, after?.[1] ?? null, query.limit + 1],
    );
    return toPageJson(rows, query.limit, (row) => row.project, (row) => [row.createdKey, row.id]);
  }

  async byId(id: string): Promise<Project> {
    const project = await this.rows.findOneBy({ id });
    if (!project) throw projectNotFound();
    return project;
  }

  async create(body: z.output<typeof CreateProject>): Promise<Project> {
    // A workspace I am not in answers exactly like one that does not exist.
    if (!(await this.em.getRepository(Workspace).existsBy({ id: body.workspaceId }))) {
      throw HttpError.notFound('Workspace not found.');
    }
    // The insert trigger makes me the project's owner member in the same transaction.
    const result = await this.rows.createQueryBuilder('p')
      .insert()
      .values({
        workspaceId: body.workspaceId,
        name: body.name,
        description: body.description ?? null,
        ownerId: () => 'app_current_user_id()',
        visibility: body.visibility ?? 'private',
        // jsonb of unknown values, which TypeORM's deep-partial type cannot describe.
        settings: (body.settings ?? {}) as QueryDeepPartialEntity<Project['settings']>,
      })
      .returning(selectList(this.rows.metadata, 'p'))
      .updateEntity(false)
      .execute();
    return this.rows.create(result.raw[0] as Project);
  }

  /** After a write touched no row: visible means "not allowed" (403), invisible means 404. */
  private async refusedOrMissing(id: string): Promise<HttpError> {
    return (await this.rows.existsBy({ id })) ? HttpError.forbidden() : projectNotFound();
  }

  async update(id: string, body: z.output<typeof UpdateProject>): Promise<Project> {
    const changes: Record<string, unknown> = { ...body };
    if (body.status !== undefined) {
      // Setting a status keeps archived_at consistent with it, as archive/restore do.
      changes.archivedAt = body.status === 'archived' ? () => 'coalesce(archived_at, now())' : null;
    }
    const result = await this.rows.createQueryBuilder()
      .update()
      .set(changes)
      .where('id = :id', { id })
      .returning(selectList(this.rows.metadata, 'projects'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as Project[];
    if (!row) throw await this.refusedOrMissing(id);
    return this.rows.create(row);
  }

  archive(id: string): Promise<Project> {
    return this.update(id, { status: 'archived' });
  }

  restore(id: string): Promise<Project> {
    return this.update(id, { status: 'active' });
  }

  /**
   * Deletes the project; answers the files of its attachments, gone with it, to remove after
   * COMMIT. A data-modifying CTE: the paths are read in the statement that deletes their rows.
   */
  async delete(id: string): Promise<string[]> {
    const [deleted] = await this.rows.query(
      `WITH files AS (SELECT storage_path FROM file_attachments WHERE project_id = $1),
            gone AS (DELETE FROM projects WHERE id = $1 RETURNING id)
       SELECT ARRAY(SELECT storage_path FROM files) AS files FROM gone`, [id]);
    if (!deleted) throw await this.refusedOrMissing(id);
    return deleted.files;
  }

  // --- members ----------------------------------------------------------------------------

  /** Members with their user's email and username, in the order they joined. */
  async pageOfMembers(projectId: string, pageSize: number, cursor?: string): Promise<Page<ProjectMember>> {
    const after = decodeCursor(cursor, timeAndId);
    if (!(await this.rows.existsBy({ id: projectId }))) throw projectNotFound();
    const query = this.members.createQueryBuilder('pm')
      .innerJoin('pm.user', 'u')
      .addSelect(['u.id', 'u.email', 'u.username'])
      .addSelect(cursorTime('pm.joined_at'), 'joinedKey')
      .where('pm.projectId = :projectId', { projectId })
      .orderBy('pm.joinedAt').addOrderBy('pm.userId')
      .limit(pageSize + 1);
    if (after) {
      query.andWhere('(pm.joined_at, pm.user_id) > (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    }
    const { entities, raw } = await query.getRawAndEntities();
    const joinedKeys = new Map(raw.map((row: { pm_id: string; joinedKey: string }) => [row.pm_id, row.joinedKey]));
    return toPage(entities, pageSize, (member) => member, (member) => [joinedKeys.get(member.id), member.userId]);
  }

  /** The user shown with a membership; visible, since a project member shares my workspace. */
  private async withUser(member: ProjectMember): Promise<ProjectMember> {
    const user = await this.em.getRepository(User).findOne({ select: { id: true, email: true, username: true }, where: { id: member.userId } });
    if (!user) throw memberNotFound();
    member.user = user;
    return member;
  }

  async addMember(projectId: string, body: z.output<typeof AddProjectMember>): Promise<ProjectMember> {
    const project = await this.rows.findOne({ select: { id: true, workspaceId: true }, where: { id: projectId } });
    if (!project) throw projectNotFound();
    const mine = await this.members.findOne({
      select: { id: true, role: true },
      where: { projectId, userId: Raw((column) => `${column} = app_current_user_id()`) },
    });
    if (mine?.role !== 'owner' && mine?.role !== 'admin') throw HttpError.forbidden('Only project owners and admins add members.');
    // Looked up under RLS first: a user outside the workspace answers like a nonexistent one
    // (the composite foreign key alone would tell them apart). Its user comes along for the answer.
    const colleague = await this.em.getRepository(WorkspaceMember).createQueryBuilder('wm')
      .innerJoin('wm.user', 'u')
      .select(['wm.id', 'u.id', 'u.email', 'u.username'])
      .where('wm.workspaceId = :workspaceId AND wm.userId = :userId', { workspaceId: project.workspaceId, userId: body.userId })
      .getOne();
    if (!colleague) throw HttpError.notFound('No member of this project\'s workspace has that id.');
    // RLS refuses (42501 -> 403) an admin granting owner; an existing member is a 23505 (409).
    const result = await this.members.createQueryBuilder('pm')
      .insert()
      .values({ workspaceId: project.workspaceId, projectId, userId: body.userId, role: body.role })
      .returning(selectList(this.members.metadata, 'pm'))
      .updateEntity(false)
      .execute();
    const member = this.members.create(result.raw[0] as ProjectMember);
    member.user = colleague.user;
    return member;
  }

  private async memberRefusedOrMissing(projectId: string, userId: string): Promise<HttpError> {
    return (await this.members.existsBy({ projectId, userId })) ? HttpError.forbidden() : memberNotFound();
  }

  async updateMember(projectId: string, userId: string, role: ProjectRole): Promise<ProjectMember> {
    // The project owner's demotion without another owner is refused by a trigger (PM409 -> 409).
    const result = await this.members.createQueryBuilder()
      .update()
      .set({ role })
      .where('project_id = :projectId AND user_id = :userId', { projectId, userId })
      .returning(selectList(this.members.metadata, 'project_members'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as ProjectMember[];
    if (!row) throw await this.memberRefusedOrMissing(projectId, userId);
    return this.withUser(this.members.create(row));
  }

  async removeMember(projectId: string, userId: string): Promise<void> {
    // The project owner leaving without another owner is refused by a trigger (PM409 -> 409).
    const result = await this.members.createQueryBuilder()
      .delete()
      .where('project_id = :projectId AND user_id = :userId', { projectId, userId })
      .returning('id')
      .execute();
    if ((result.raw as unknown[]).length > 0) return;
    throw await this.memberRefusedOrMissing(projectId, userId);
  }
}
