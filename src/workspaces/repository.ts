import { z } from 'zod';
import { cursorTime, selectList } from '../db/columns';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import { Workspace, WorkspaceMember, type WorkspaceRole } from './entity';
import type { AddWorkspaceMember, CreateWorkspace, UpdateWorkspace } from './schemas';

/**
 * Workspaces and their members, on the request's EntityManager. Every statement runs in the
 * tenant transaction: RLS decides what exists and who may write; the WHEREs here only say
 * what the route wants. Writes that touch no row are told apart afterwards: visible -> 403,
 * invisible -> 404. The hand-written statements (deleting a workspace with its files, finding
 * a user to add) are listed with their reasons in docs/database.md.
 */
export function workspaces(em: TenantManager): WorkspaceRepository {
  return new WorkspaceRepository(em);
}

const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

// My own membership of the workspace w, which carries my role in it.
const MINE = 'mine.workspaceId = w.id AND mine.userId = app_current_user_id()';

const notFound = () => HttpError.notFound('Workspace not found.');
const memberNotFound = () => HttpError.notFound('Member not found.');

export class WorkspaceRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(Workspace);
  }

  private get members() {
    return this.em.getRepository(WorkspaceMember);
  }

  /** The workspaces I belong to, newest first, each with my membership. */
  async pageOfMine(pageSize: number, cursor?: string): Promise<Page<Workspace>> {
    const after = decodeCursor(cursor, timeAndId);
    const query = this.rows.createQueryBuilder('w')
      .innerJoinAndMapOne('w.myMembership', WorkspaceMember, 'mine', MINE)
      .addSelect(cursorTime('w.created_at'), 'sortKey')
      .orderBy('w.createdAt', 'DESC').addOrderBy('w.id', 'DESC')
      .limit(pageSize + 1);
    if (after) query.where('(w.created_at, w.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await query.getRawAndEntities();
    const sortKeys = new Map(raw.map((row: { w_id: string; sortKey: string }) => [row.w_id, row.sortKey]));
    return toPage(entities, pageSize, (workspace) => workspace, (workspace) => [sortKeys.get(workspace.id), workspace.id]);
  }

  /** A workspace I can see, with my membership (none when I see it without being a member). */
  async byId(id: string): Promise<Workspace> {
    const workspace = await this.rows.createQueryBuilder('w')
      .leftJoinAndMapOne('w.myMembership', WorkspaceMember, 'mine', MINE)
      .where('w.id = :id', { id })
      .getOne();
    if (!workspace) throw notFound();
    return workspace;
  }

  async create(body: z.output<typeof CreateWorkspace>): Promise<Workspace> {
    // A taken slug, maybe another tenant's, is a 409 that names nobody (src/errors.ts).
    // Typed as a plain record: TypeORM's deep-partial type cannot take jsonb's `unknown` values.
    const values: Record<string, unknown> = { name: body.name, slug: body.slug, ownerId: () => 'app_current_user_id()', settings: body.settings ?? {} };
    const result = await this.rows.createQueryBuilder('w')
      .insert()
      .values(values)
      .returning(selectList(this.rows.metadata, 'w'))
      .updateEntity(false)
      .execute();
    const workspace = this.rows.create(result.raw[0] as Workspace);
    // The insert trigger made me an owner member in the same transaction.
    workspace.myMembership = this.members.create({ workspaceId: workspace.id, userId: workspace.ownerId, role: 'owner' });
    return workspace;
  }

  /** After a write touched no row: visible means "not allowed" (403), invisible means 404. */
  private async refusedOrMissing(id: string): Promise<HttpError> {
    return (await this.rows.existsBy({ id })) ? HttpError.forbidden() : notFound();
  }

  async update(id: string, body: z.output<typeof UpdateWorkspace>): Promise<Workspace> {
    const changes: Record<string, unknown> = { ...body }; // jsonb's `unknown`, as in create()
    const result = await this.rows.createQueryBuilder()
      .update()
      .set(changes)
      .where({ id })
      .updateEntity(false)
      .execute();
    if (result.affected === 0) throw await this.refusedOrMissing(id);
    return this.byId(id);
  }

  /**
   * Answers the files of the workspace's attachments, gone with it, to remove after COMMIT: all
   * of them, also of private projects the owner is not in (app_workspace_attachment_files()).
   */
  async delete(id: string): Promise<string[]> {
    const [deleted] = await this.rows.query(
      `WITH files AS (SELECT app_workspace_attachment_files($1) AS paths),
            gone AS (DELETE FROM workspaces WHERE id = $1 RETURNING id)
       SELECT (SELECT paths FROM files) AS files FROM gone`, [id]);
    if (!deleted) throw await this.refusedOrMissing(id);
    return deleted.files;
  }

  // --- members ----------------------------------------------------------------------------

  /** Memberships with the user's email and username (users visible to me: we share the workspace). */
  private membersWithUser() {
    return this.members.createQueryBuilder('wm')
      .innerJoin('wm.user', 'u')
      .addSelect(['u.id', 'u.email', 'u.username']);
  }

  async pageOfMembers(workspaceId: string, pageSize: number, cursor?: string): Promise<Page<WorkspaceMember>> {
    const after = decodeCursor(cursor, timeAndId);
    if (!(await this.rows.existsBy({ id: workspaceId }))) throw notFound();
    const query = this.membersWithUser()
      .addSelect(cursorTime('wm.joined_at'), 'sortKey')
      .where('wm.workspaceId = :workspaceId', { workspaceId })
      .orderBy('wm.joinedAt').addOrderBy('wm.userId')
      .limit(pageSize + 1);
    if (after) query.andWhere('(wm.joined_at, wm.user_id) > (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await query.getRawAndEntities();
    const sortKeys = new Map(raw.map((row: { wm_id: string; sortKey: string }) => [row.wm_id, row.sortKey]));
    return toPage(entities, pageSize, (member) => member, (member) => [sortKeys.get(member.id), member.userId]);
  }

  private async member(workspaceId: string, userId: string): Promise<WorkspaceMember> {
    const member = await this.membersWithUser()
      .where('wm.workspaceId = :workspaceId AND wm.userId = :userId', { workspaceId, userId })
      .getOne();
    if (!member) throw memberNotFound();
    return member;
  }

  async addMember(workspaceId: string, body: z.output<typeof AddWorkspaceMember>): Promise<WorkspaceMember> {
    const role = (await this.byId(workspaceId)).myMembership?.role;
    if (role !== 'owner' && role !== 'admin') throw HttpError.forbidden('Only workspace owners and admins add members.');
    // The application role cannot list users: a SECURITY DEFINER function answers admins only,
    // with NULL both for an unknown email and an inactive user.
    const [found]: Array<{ userId: string | null }> = await this.em.query(
      `SELECT app_find_user_for_workspace($1, $2) AS "userId"`, [workspaceId, body.email]);
    if (!found?.userId) throw HttpError.notFound('No active user has that email address.');
    // RLS refuses (42501 -> 403) an admin adding an owner; an existing member is a 23505 (409).
    await this.members.createQueryBuilder('wm')
      .insert()
      .values({ workspaceId, userId: found.userId, role: body.role })
      .updateEntity(false)
      .execute();
    return this.member(workspaceId, found.userId);
  }

  private async memberRefusedOrMissing(workspaceId: string, userId: string): Promise<HttpError> {
    return (await this.members.existsBy({ workspaceId, userId })) ? HttpError.forbidden() : memberNotFound();
  }

  async updateMember(workspaceId: string, userId: string, role: WorkspaceRole): Promise<WorkspaceMember> {
    // The last owner's demotion is refused by a trigger (PM409 -> 409).
    const result = await this.members.createQueryBuilder()
      .update()
      .set({ role })
      .where({ workspaceId, userId })
      .updateEntity(false)
      .execute();
    if (result.affected === 0) throw await this.memberRefusedOrMissing(workspaceId, userId);
    return this.member(workspaceId, userId);
  }

  async removeMember(workspaceId: string, userId: string): Promise<void> {
    // The last owner leaving is refused by a trigger (409); so is removing someone who
    // still owns a project (the projects' owner membership, 409).
    const result = await this.members.createQueryBuilder()
      .delete()
      .where({ workspaceId, userId })
      .execute();
    if (result.affected === 0) throw await this.memberRefusedOrMissing(workspaceId, userId);
  }
}
