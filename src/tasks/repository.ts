import { z } from 'zod';
import { cursorTime, jsonSelectList, selectList } from '../db/columns';
import { containing } from '../db/like';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, toPageJson, type Page, type PageJson } from '../http/pagination';
import { Project } from '../projects/entity';
import { WorkspaceMember } from '../workspaces/entity';
import { Task, TaskDependency } from './entity';
import {
  TaskPriority, type AddDependency, type CreateTask, type ListTasksQuery, type TaskSort, type UpdateTask,
} from './schemas';

/**
 * Tasks, subtasks and dependencies, on the request's EntityManager. Every statement runs in
 * the tenant transaction: RLS decides what exists and who may write; the WHEREs here only say
 * what the route wants. Writes that touch no row are told apart afterwards: visible -> 403,
 * invisible -> 404, the same 404 as a random id. The four hand-written statements (the page,
 * a task by id, creating a task, completing one) are listed with their reasons in
 * docs/database.md.
 */
export function tasks(em: TenantManager): TaskRepository {
  return new TaskRepository(em);
}

type ListQuery = z.output<typeof ListTasksQuery>;
type UpdateBody = z.output<typeof UpdateTask>;


const taskNotFound = () => HttpError.notFound('Task not found.');
const projectNotFound = () => HttpError.notFound('Project not found.');

/**
 * One keyset order: ORDER BY (key, id) and, after a cursor, WHERE (key, id) beyond it.
 * A due date that is NULL sorts last both ways, as if it were +/-infinity; the cursor
 * keeps the NULL itself, so the comparison stays exact.
 */
interface Order {
  column: string;
  type: 'timestamptz' | 'task_priority';
  descending: boolean;
  nullsAs?: 'infinity' | '-infinity';
}

const ORDERS: Record<TaskSort, Order> = {
  '-createdAt': { column: 'created_at', type: 'timestamptz', descending: true },
  createdAt: { column: 'created_at', type: 'timestamptz', descending: false },
  '-updatedAt': { column: 'updated_at', type: 'timestamptz', descending: true },
  updatedAt: { column: 'updated_at', type: 'timestamptz', descending: false },
  dueDate: { column: 'due_date', type: 'timestamptz', descending: false, nullsAs: 'infinity' },
  '-dueDate': { column: 'due_date', type: 'timestamptz', descending: true, nullsAs: '-infinity' },
  priority: { column: 'priority', type: 'task_priority', descending: false },
  '-priority': { column: 'priority', type: 'task_priority', descending: true },
};

/** The SQL fragments of an order on the tasks (t); $9 and $10 are the cursor's key and id. */
function orderSql({ column, type, descending, nullsAs }: Order) {
  const key = (expression: string) => (nullsAs ? `coalesce(${expression}, '${nullsAs}')` : expression);
  const direction = descending ? 'DESC' : 'ASC';
  return {
    tasksOrderBy: `${key(`t.${column}`)} ${direction}, t.id ${direction}`,
    // The cursor's values go in as InitPlans, hidden from the planner: sized from them with the
    // table-wide histogram, a deep page looked short, and under RLS's filter that chose reading
    // the rest of the project and sorting it over an index scan that stops after one page.
    afterCursor: `(${key(`t.${column}`)}, t.id) ${descending ? '<' : '>'} (${key(`(SELECT $9::${type})`)}, (SELECT $10::uuid))`,
    keyText: type === 'timestamptz' ? cursorTime(`t.${column}`) : `t.${column}::text`,
  };
}

/** The cursor names its order, so a cursor from another order is a 400, not a wrong page. */
function buildCursorShape(sort: TaskSort) {
  const { type, nullsAs } = ORDERS[sort];
  const key = type === 'timestamptz' ? z.iso.datetime() : TaskPriority;
  return z.tuple([z.literal(sort), nullsAs ? key.nullable() : key, z.uuid()]);
}
// Built once per order, not per request: this is the hottest endpoint.
const CURSOR_SHAPES = new Map((Object.keys(ORDERS) as TaskSort[]).map((sort) => [sort, buildCursorShape(sort)]));
const cursorShape = (sort: TaskSort) => CURSOR_SHAPES.get(sort)!;
const DEPENDENCY_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);

/** A list row: the task as JSON text, and its place in the order for the cursor. */
interface TaskListRow {
  task: string;
  sortKey: string | null;
  id: string;
}

/** What a new or changed task refers to, looked up under RLS (FKs are checked without it). */
interface References {
  assigneeOk: boolean;
  parentOk: boolean;
}

/**
 * Foreign keys are checked by PostgreSQL without RLS, so references are looked up under
 * RLS first: another tenant's user or task answers exactly like one that does not exist.
 */
function refuseBadReferences(refs: References): void {
  if (!refs.assigneeOk) {
    throw HttpError.validation([{ path: 'body.assigneeId', message: 'assigneeId is not a member of this workspace.' }]);
  }
  if (!refs.parentOk) {
    throw HttpError.validation([{ path: 'body.parentTaskId', message: 'parentTaskId is not a task of this project.' }]);
  }
}

export class TaskRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(Task);
  }

  private get dependencies() {
    return this.em.getRepository(TaskDependency);
  }

  /**
   * The hottest endpoint: one statement reads one keyset page of the project's tasks, each
   * rendered as JSON text by PostgreSQL (decision 0006). `t.project_id = $1` keeps RLS's
   * ANY(...) test cheap and lets idx_tasks_project_created serve the default order; the
   * optional filters fold away when their parameter is NULL (the statement is planned with
   * its values). Only an empty page asks whether the project is visible at all (404): joining
   * projects on every call would evaluate its policy too, twice the database time of the page.
   */
  async pageOfProject(projectId: string, query: ListQuery): Promise<PageJson> {
    const after = decodeCursor(query.cursor, cursorShape(query.sort));
    const order = orderSql(ORDERS[query.sort]);
    const rows: TaskListRow[] = await this.em.query(
      `SELECT row_to_json(task)::text AS task, ${order.keyText} AS "sortKey", t.id
         FROM tasks t
              CROSS JOIN LATERAL (SELECT ${jsonSelectList(this.rows.metadata, 't')}) task
        WHERE t.project_id = $1
          AND ($2::task_status IS NULL OR t.status = $2::task_status)
          AND ($3::task_priority IS NULL OR t.priority = $3::task_priority)
          AND ($4::uuid IS NULL OR t.assignee_id = $4::uuid)
          AND ($5::text IS NULL OR t.tags @> ARRAY[$5::text])
          AND ($6::timestamptz IS NULL OR t.due_date < $6::timestamptz)
          AND ($7::uuid IS NULL OR t.parent_task_id = $7::uuid)
          AND ($8::text IS NULL OR t.title ILIKE $8::text)
          AND ($10::uuid IS NULL OR ${order.afterCursor})
        ORDER BY ${order.tasksOrderBy}
        LIMIT $11`,
      [
        projectId, query.status ?? null, query.priority ?? null, query.assigneeId ?? null, query.tag ?? null,
        query.dueBefore ?? null, query.parentTaskId ?? null, query.q === undefined ? null : containing(query.q),
        after?.[1] ?? null, after?.[2] ?? null, query.limit + 1,
      ],
    );
    if (rows.length === 0 && !(await this.em.getRepository(Project).existsBy({ id: projectId }))) throw projectNotFound();
    return toPageJson(rows, query.limit, (row) => row.task, (row) => [query.sort, row.sortKey, row.id]);
  }

  async pageOfSubtasks(parentId: string, query: Pick<ListQuery, 'sort' | 'limit' | 'cursor'>): Promise<PageJson> {
    const parent = await this.rows.findOne({ select: { id: true, projectId: true }, where: { id: parentId } });
    if (!parent) throw taskNotFound();
    return this.pageOfProject(parent.projectId, { ...query, parentTaskId: parentId });
  }

  /** Through app_task(), which keeps its statement's plan per server connection (decision 0011). */
  async byId(id: string): Promise<Task> {
    const [row] = await this.em.query(`SELECT ${selectList(this.rows.metadata, 't')} FROM app_task($1) t`, [id]);
    if (!row) throw taskNotFound();
    return this.rows.create(row as Task);
  }

  /** After a write touched no row: visible means "not allowed" (403), invisible means 404. */
  private async refusedOrMissing(id: string): Promise<HttpError> {
    return (await this.rows.existsBy({ id })) ? HttpError.forbidden() : taskNotFound();
  }

  /**
   * One statement on the happy path: the row is inserted from the project it belongs to, only
   * when the references hold (INSERT ... SELECT, which the query builder cannot write). When
   * nothing was inserted, a second look says why (404 for the project, 400 naming the
   * reference), exactly as a check before the insert would have.
   */
  async create(projectId: string, body: z.output<typeof CreateTask>): Promise<Task> {
    // RLS WITH CHECK refuses a viewer or a non-member (42501 -> 403); creator_id is whoever RLS knows.
    const [row] = await this.em.query(
      `INSERT INTO tasks AS t
              (workspace_id, project_id, parent_task_id, title, description, status, priority, assignee_id,
               creator_id, due_date, estimated_hours, actual_hours, tags, metadata, completed_at)
       SELECT p.workspace_id, p.id, $2, $3, $4, coalesce($5::task_status, 'pending'), coalesce($6::task_priority, 'medium'), $7,
              app_current_user_id(), $8, $9, $10, $11::text[], $12::jsonb,
              CASE WHEN $5::task_status = 'done' THEN now() END
         FROM projects p
        WHERE p.id = $1
          AND ($7::uuid IS NULL OR EXISTS (
                SELECT 1 FROM workspace_members m WHERE m.workspace_id = p.workspace_id AND m.user_id = $7::uuid))
          AND ($2::uuid IS NULL OR EXISTS (
                SELECT 1 FROM tasks parent WHERE parent.id = $2::uuid AND parent.project_id = p.id))
       RETURNING ${selectList(this.rows.metadata, 't')}`,
      [
        projectId, body.parentTaskId ?? null, body.title, body.description ?? null, body.status ?? null,
        body.priority ?? null, body.assigneeId ?? null, body.dueDate ?? null, body.estimatedHours ?? null,
        body.actualHours ?? null, body.tags ?? [], JSON.stringify(body.metadata ?? {}),
      ],
    );
    if (row) return this.rows.create(row as Task);

    const project = await this.em.getRepository(Project).findOne({ select: { id: true, workspaceId: true }, where: { id: projectId } });
    if (!project) throw projectNotFound();
    refuseBadReferences({
      assigneeOk: !body.assigneeId || await this.isWorkspaceMember(project.workspaceId, body.assigneeId),
      parentOk: !body.parentTaskId || await this.rows.existsBy({ id: body.parentTaskId, projectId }),
    });
    // The references held a moment ago: something changed between the two statements.
    throw HttpError.conflict('The project or a referenced task or member changed meanwhile; retry.');
  }

  private isWorkspaceMember(workspaceId: string, userId: string): Promise<boolean> {
    return this.em.getRepository(WorkspaceMember).existsBy({ workspaceId, userId });
  }

  async update(id: string, body: UpdateBody): Promise<Task> {
    if (body.parentTaskId === id) {
      throw HttpError.validation([{ path: 'body.parentTaskId', message: 'A task cannot be its own parent.' }]);
    }
    // Only a new assignee or parent needs looking up first; otherwise the UPDATE says it all.
    // A parent that would close a cycle is refused by the database (prevent_parent_cycle: PM409 -> 409).
    if (body.assigneeId || body.parentTaskId) {
      const current = await this.rows.findOne({ select: { id: true, workspaceId: true, projectId: true }, where: { id } });
      if (!current) throw taskNotFound();
      refuseBadReferences({
        assigneeOk: !body.assigneeId || await this.isWorkspaceMember(current.workspaceId, body.assigneeId),
        parentOk: !body.parentTaskId || await this.rows.existsBy({ id: body.parentTaskId, projectId: current.projectId }),
      });
    }

    const changes: Record<string, unknown> = { ...body };
    if (body.status !== undefined) {
      // Moving to done stamps completed_at (kept if it was done already); moving away clears it.
      changes.completedAt = () => `CASE WHEN CAST(:status AS task_status) <> 'done' THEN NULL
                                        WHEN status = 'done' THEN coalesce(completed_at, now())
                                        ELSE now() END`;
    }
    const result = await this.rows.createQueryBuilder()
      .update()
      .set(changes)
      .where('id = :id', { id, status: body.status ?? null })
      .returning(selectList(this.rows.metadata, 'tasks'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as Task[];
    if (!row) throw await this.refusedOrMissing(id);
    return this.rows.create(row);
  }

  /** Deletes the task; answers the files of the attachments that went with it, to remove after COMMIT. */
  async delete(id: string): Promise<string[]> {
    // A task with subtasks is still referenced by them: 23503 on delete -> 409.
    const [deleted] = await this.rows.query(
      `WITH files AS (SELECT storage_path FROM file_attachments WHERE entity_type = 'task' AND entity_id = $1),
            gone AS (DELETE FROM tasks WHERE id = $1 RETURNING id)
       SELECT ARRAY(SELECT storage_path FROM files) AS files FROM gone`, [id]);
    if (!deleted) throw await this.refusedOrMissing(id);
    return deleted.files;
  }

  /**
   * complete_task() is SECURITY INVOKER and returns void: RLS silently skips a task the
   * user may not change. It stamps updated_at with now(), the transaction's start, which
   * tells a task it changed from one it did not.
   */
  async complete(id: string): Promise<Task> {
    await this.em.query(`SELECT complete_task($1)`, [id]);
    const { entities: [task], raw: [row] } = await this.rows.createQueryBuilder('t')
      .addSelect('t.updated_at = now()', 'changed')
      .where('t.id = :id', { id })
      .getRawAndEntities();
    if (!task) throw taskNotFound();
    if (!row.changed) throw HttpError.forbidden();
    return task;
  }

  // --- dependencies -------------------------------------------------------------------------

  /** The dependency's task depended on is null when it is in a project hidden from the user (RLS on the join). */
  async pageOfDependencies(taskId: string, pageSize: number, cursor?: string): Promise<Page<TaskDependency>> {
    const after = decodeCursor(cursor, DEPENDENCY_CURSOR);
    if (!(await this.rows.existsBy({ id: taskId }))) throw taskNotFound();
    const query = this.dependencies.createQueryBuilder('d')
      .leftJoinAndSelect('d.dependsOn', 'dependsOn')
      .addSelect(cursorTime('d.created_at'), 'sortKey')
      .where('d.taskId = :taskId', { taskId })
      .orderBy('d.createdAt').addOrderBy('d.id')
      .limit(pageSize + 1);
    if (after) query.andWhere('(d.created_at, d.id) > (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await query.getRawAndEntities();
    const sortKeys = new Map(raw.map((row: { d_id: string; sortKey: string }) => [row.d_id, row.sortKey]));
    return toPage(entities, pageSize, (dependency) => dependency, (dependency) => [sortKeys.get(dependency.id), dependency.id]);
  }

  async addDependency(taskId: string, body: z.output<typeof AddDependency>): Promise<TaskDependency> {
    if (body.dependsOnTaskId === taskId) {
      throw HttpError.conflict('A task cannot depend on itself: that would be a cycle.'); // SPEC: a cycle is a 409
    }
    const task = await this.rows.findOne({ select: { id: true, workspaceId: true }, where: { id: taskId } });
    if (!task) throw taskNotFound();
    const dependsOn = await this.rows.findOneBy({ id: body.dependsOnTaskId, workspaceId: task.workspaceId });
    // Another tenant's task, a hidden one and a random id all answer this same 404.
    if (!dependsOn) throw HttpError.notFound('The task to depend on was not found.');

    // The cycle trigger (PM409 -> 409) serialises per workspace; RLS WITH CHECK refuses viewers
    // (403); a dependency that exists already is a 409 (src/errors.ts).
    const result = await this.dependencies.createQueryBuilder('d')
      .insert()
      .values({ workspaceId: task.workspaceId, taskId, dependsOnTaskId: body.dependsOnTaskId, dependencyType: body.dependencyType ?? 'blocks' })
      .returning(selectList(this.dependencies.metadata, 'd'))
      .updateEntity(false)
      .execute();
    const dependency = this.dependencies.create(result.raw[0] as TaskDependency);
    dependency.dependsOn = dependsOn;
    return dependency;
  }

  async removeDependency(taskId: string, dependsOnTaskId: string): Promise<void> {
    const result = await this.dependencies.createQueryBuilder()
      .delete()
      .where('task_id = :taskId AND depends_on_task_id = :dependsOnTaskId', { taskId, dependsOnTaskId })
      .returning('id')
      .execute();
    if ((result.raw as unknown[]).length > 0) return;
    const visible = await this.dependencies.existsBy({ taskId, dependsOnTaskId });
    throw visible ? HttpError.forbidden() : HttpError.notFound('Dependency not found.');
  }
}
