import { z } from 'zod';
import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import { uuid } from '../http/validate';
import { ENTITIES } from './schemas';

/**
 * A project's activity, from audit_events (written by triggers; RLS lets whoever can see
 * the project read its events). Keyset by the log's sequence number, newest first; the
 * cursor names the last event by its id, because the sequence is shared by every tenant and
 * would let one count the others' writes.
 */
export interface ActivityEvent {
  id: string;
  actorId: string | null;
  entity: string;
  tableName: string;
  rowId: string;
  operation: 'INSERT' | 'UPDATE' | 'DELETE';
  changedFields: string[];
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  createdAt: Date;
}

type EventRow = Omit<ActivityEvent, 'entity'>;

const lastEventId = z.tuple([uuid]);

const camel = (column: string) => column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

// Where a file lives on the server is for the server: no response shows it.
const INTERNAL_COLUMNS = new Set(['storage_path']);

// Times the log recorded as PostgreSQL writes them (`...T03:39:41.102784+00:00`).
const isTimeColumn = (column: string) => column.endsWith('_at') || column === 'due_date';

/** The API's form of a recorded time: ISO 8601 in UTC with milliseconds, as everywhere else. */
function apiTime(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? value : time.toISOString();
}

/** The audit log records column names and PostgreSQL's values; the API speaks camelCase and ISO times. */
function camelKeys(row: Record<string, unknown> | null): Record<string, unknown> | null {
  return row && Object.fromEntries(Object.entries(row)
    .filter(([key]) => !INTERNAL_COLUMNS.has(key))
    .map(([key, value]) => [camel(key), isTimeColumn(key) ? apiTime(value) : value]));
}

function present(row: EventRow): ActivityEvent {
  return {
    id: row.id,
    actorId: row.actorId,
    entity: ENTITIES[row.tableName as keyof typeof ENTITIES] ?? row.tableName,
    tableName: row.tableName,
    rowId: row.rowId,
    operation: row.operation,
    changedFields: row.changedFields.filter((field) => !INTERNAL_COLUMNS.has(field)).map(camel),
    before: camelKeys(row.before),
    after: camelKeys(row.after),
    createdAt: row.createdAt,
  };
}

export async function listProjectActivity(db: Db, projectId: string, pageSize: number, after?: string): Promise<Page<ActivityEvent>> {
  const key = decodeCursor(after, lastEventId);
  const project = await db.query(`SELECT 1 FROM projects WHERE id = $1`, [projectId]);
  if (project.length === 0) throw HttpError.notFound('Project not found.');
  const rows: EventRow[] = await db.query(
    `SELECT e.id, e.actor_id AS "actorId", e.table_name AS "tableName", e.row_id AS "rowId",
            e.operation, e.changed_fields AS "changedFields", e.before, e.after, e.created_at AS "createdAt"
       FROM audit_events e
      WHERE e.project_id = $1
        AND ($2::uuid IS NULL OR e.seq < (SELECT c.seq FROM audit_events c WHERE c.id = $2::uuid AND c.project_id = $1))
      ORDER BY e.seq DESC
      LIMIT $3`,
    [projectId, key?.[0] ?? null, pageSize + 1],
  );
  return toPage(rows, pageSize, present, (row) => [row.id]);
}
