import { z } from 'zod';
import { problemResponses, registry, security } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, uuid } from '../http/validate';
import { AUDIT_OPERATIONS } from './entity';

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

export const ActivityEvent = z.object({
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

registry.registerPath({
  method: 'get', path: '/projects/{id}/activity', tags: ['Projects'], security,
  summary: 'Who changed what in a project, newest first',
  request: { params: IdParams, query: ActivityQuery },
  responses: {
    200: {
      description: 'A page of events',
      content: {
        'application/json': {
          schema: z.object({ data: z.array(ActivityEvent), nextCursor: z.string().nullable() }).openapi('ActivityPage'),
        },
      },
    },
    ...problemResponses,
  },
});
