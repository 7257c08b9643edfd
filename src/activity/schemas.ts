import { z } from 'zod';
import { problemResponses, registry, security } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, uuid } from '../http/validate';
import { AUDIT_OPERATIONS, type AuditEvent } from './entity';

/** The project's activity feed, read from the audit log; also the OpenAPI source. */
export const ActivityQuery = z.object({ limit, cursor }).strict();

export const ENTITIES = {
  projects: 'project',
  project_members: 'projectMember',
  tasks: 'task',
  task_dependencies: 'taskDependency',
  documents: 'document',
  file_attachments: 'attachment',
  workspaces: 'workspace',
  workspace_members: 'workspaceMember',
} as const;

export const ActivityEventResponse = z.object({
  id: uuid,
  actorId: uuid.nullable().describe('Who made the change; null when no user was set (a migration or seed).'),
  entity: z.string().describe('What kind of row changed: project, projectMember, task, taskDependency, document, attachment.'),
  tableName: z.string(),
  rowId: uuid,
  operation: z.enum(AUDIT_OPERATIONS),
  changedFields: z.array(z.string()).describe('For an UPDATE, the fields that changed (camelCase).'),
  before: z.record(z.string(), z.unknown()).nullable().describe('The changed fields before (UPDATE) or the whole row (DELETE).'),
  after: z.record(z.string(), z.unknown()).nullable().describe('The changed fields after (UPDATE) or the whole row (INSERT).'),
  createdAt: z.iso.datetime(),
}).openapi('ActivityEvent');

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

/** An audit event as the API answers it: the one way an AuditEvent entity becomes JSON (decision 0013). */
export function activityEventJson(event: AuditEvent): z.input<typeof ActivityEventResponse> {
  return {
    id: event.id,
    actorId: event.actorId,
    entity: ENTITIES[event.tableName as keyof typeof ENTITIES] ?? event.tableName,
    tableName: event.tableName,
    rowId: event.rowId,
    operation: event.operation,
    changedFields: event.changedFields.filter((field) => !INTERNAL_COLUMNS.has(field)).map(camel),
    before: camelKeys(event.before),
    after: camelKeys(event.after),
    createdAt: event.createdAt.toISOString(),
  };
}

registry.registerPath({
  method: 'get', path: '/projects/{id}/activity', tags: ['Projects'], security,
  summary: 'Who changed what in a project, newest first',
  request: { params: IdParams, query: ActivityQuery },
  responses: {
    200: {
      description: 'A page of events',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(ActivityEventResponse), nextCursor: z.string().nullable() }).openapi('ActivityPage'),
        },
      },
    },
    ...problemResponses,
  },
});
