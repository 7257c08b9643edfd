import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { owner } from '../support/db';
import type { TestUser } from '../support/factories';

/** Helpers for the task tests: problem+json assertions, row counts and arranged tasks (as the owner role). */
export const randomId = (): string => randomUUID();

export function expectProblem(res: Response, status: number): Record<string, unknown> {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status });
  for (const field of ['type', 'title', 'detail']) expect(res.body[field]).to.be.a('string');
  return res.body;
}

/** A hidden row's 404 and a random id's 404 differ only in `instance` (the path asked for). */
export function expectSameNotFound(hidden: Response, unknown: Response): void {
  const { instance: _a, ...a } = expectProblem(hidden, 404);
  const { instance: _b, ...b } = expectProblem(unknown, 404);
  expect(a).to.deep.equal(b);
}

export function errorPaths(res: Response): string[] {
  return ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);
}

export async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await owner().query(`SELECT count(*)::int AS n FROM (${sql}) AS counted`, params);
  return rows[0].n as number;
}

/** Everything a task request could have written, so a failed request can be shown to have written nothing. */
export async function footprint(): Promise<Record<string, number>> {
  const { rows } = await owner().query(
    `SELECT (SELECT count(*) FROM tasks)::int AS tasks,
            (SELECT count(*) FROM task_dependencies)::int AS dependencies,
            (SELECT max(updated_at) FROM tasks)::text AS "lastUpdate",
            (SELECT count(*) FROM audit_events WHERE table_name IN ('tasks', 'task_dependencies'))::int AS audit`,
  );
  return rows[0];
}

export interface ArrangedTask {
  title?: string;
  createdAt?: string;
  dueDate?: string | null;
  priority?: 'low' | 'medium' | 'high' | 'urgent';
  status?: string;
  tags?: string[];
  assigneeId?: string | null;
  parentTaskId?: string | null;
}

/** Inserts tasks in one statement (rows without createdAt share one now(): ties on purpose). */
export async function arrangeTasks(project: { id: string; workspaceId: string }, creator: TestUser, tasks: ArrangedTask[]) {
  const { rows } = await owner().query(
    `INSERT INTO tasks (workspace_id, project_id, creator_id, title, created_at, updated_at, due_date, priority, status,
                        tags, assignee_id, parent_task_id)
     SELECT $1, $2, $3, x.title, coalesce(x.created_at, now()), coalesce(x.created_at, now()), x.due_date,
            coalesce(x.priority, 'medium')::task_priority, coalesce(x.status, 'pending')::task_status,
            coalesce(x.tags, '{}'), x.assignee_id, x.parent_task_id
       FROM jsonb_to_recordset($4::jsonb) AS x(title text, created_at timestamptz, due_date timestamptz, priority text,
                                              status text, tags text[], assignee_id uuid, parent_task_id uuid)
     RETURNING id, title`,
    [project.workspaceId, project.id, creator.id, JSON.stringify(tasks.map((t, i) => ({
      title: t.title ?? `Arranged ${i} ${randomUUID().slice(0, 8)}`,
      created_at: t.createdAt, due_date: t.dueDate ?? null, priority: t.priority, status: t.status,
      tags: t.tags, assignee_id: t.assigneeId ?? null, parent_task_id: t.parentTaskId ?? null,
    })))],
  );
  return rows as Array<{ id: string; title: string }>;
}

export const inDays = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString();
