import { z } from 'zod';
import { created, json, jsonBody, noContent, page, problemResponses, registry, security, securityOrAnonymous } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, name, text, uuid } from '../http/validate';
import { DEPENDENCY_TYPES, TASK_PRIORITIES, TASK_STATUSES, type Task, type TaskDependency } from './entity';

/** Request and response shapes of tasks, subtasks and dependencies; also the OpenAPI source. */
export const TaskStatus = z.enum(TASK_STATUSES);
export const TaskPriority = z.enum(TASK_PRIORITIES);
export const DependencyType = z.enum(DEPENDENCY_TYPES);

/** The orders a task list can be read in; `-` is descending. Due dates without a value come last. */
export const TASK_SORTS = [
  '-createdAt', 'createdAt', '-updatedAt', 'updatedAt', 'dueDate', '-dueDate', 'priority', '-priority',
] as const;
export type TaskSort = (typeof TASK_SORTS)[number];

const METADATA_MAX_BYTES = 16_384;

const description = text(20_000);
// A date-time with its zone, or a bare date (taken as midnight UTC, whatever the server's zone).
const dueDateMessage = 'Must be an ISO-8601 date-time with a time zone, or a date (YYYY-MM-DD).';
// PostgreSQL takes zone offsets up to +/-15:59; the same rule for POST, PATCH and filters.
const OFFSET = /([+-])(\d{2}):?(\d{2})$/;
const withinPostgresOffsets = (value: string) => Number(OFFSET.exec(value)?.[2] ?? 0) <= 15;
const dueDate = z.union([
  z.iso.datetime({ offset: true, message: dueDateMessage })
    .refine(withinPostgresOffsets, 'The time zone offset must be between -15:59 and +15:59.'),
  z.iso.date({ message: dueDateMessage }).transform((day) => `${day}T00:00:00Z`),
], { error: dueDateMessage });
// Whole hours, as the table stores them (integer, > 0).
const hours = z.number().int().min(1).max(100_000);
const tags = z.array(name(50)).max(50);
/** A JSON object (never an array or a scalar), stored as jsonb: bounded, and without NUL (jsonb refuses \u0000). */
const metadata = z.record(z.string().max(255), z.unknown())
  .refine((value) => Buffer.byteLength(JSON.stringify(value)) <= METADATA_MAX_BYTES, `Must be at most ${METADATA_MAX_BYTES} bytes as JSON.`)
  .refine((value) => !JSON.stringify(value).includes('\\u0000'), 'Must not contain NUL characters.');

export const CreateTask = z.object({
  title: name(255),
  description: description.nullable().optional(),
  status: TaskStatus.optional(),
  priority: TaskPriority.optional(),
  assigneeId: uuid.nullable().optional(),
  parentTaskId: uuid.nullable().optional(),
  dueDate: dueDate.nullable().optional(),
  estimatedHours: hours.nullable().optional(),
  actualHours: hours.nullable().optional(),
  tags: tags.optional(),
  metadata: metadata.optional(),
}).strict().openapi('CreateTask');

// workspaceId, projectId and creatorId are not here: .strict() answers 400 naming them.
export const UpdateTask = z.object({
  title: name(255).optional(),
  description: description.nullable().optional(),
  status: TaskStatus.optional(),
  priority: TaskPriority.optional(),
  assigneeId: uuid.nullable().optional(),
  parentTaskId: uuid.nullable().optional(),
  dueDate: dueDate.nullable().optional(),
  estimatedHours: hours.nullable().optional(),
  actualHours: hours.nullable().optional(),
  tags: tags.optional(),
  metadata: metadata.optional(),
}).strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'Send at least one field to change.',
    when: (payload) => payload.issues.length === 0, // an unknown field is error enough
  })
  .openapi('UpdateTask');

export const ListTasksQuery = z.object({
  status: TaskStatus.optional(),
  priority: TaskPriority.optional(),
  assigneeId: uuid.optional(),
  tag: name(50).optional(),
  dueBefore: dueDate.optional(),
  parentTaskId: uuid.optional(),
  q: text(200).optional(),
  sort: z.enum(TASK_SORTS).default('-createdAt'),
  limit,
  cursor,
}).strict();

export const ListSubtasksQuery = z.object({ sort: z.enum(TASK_SORTS).default('-createdAt'), limit, cursor }).strict();
export const ListQuery = z.object({ limit, cursor }).strict();

export const AddDependency = z.object({
  dependsOnTaskId: uuid,
  dependencyType: DependencyType.optional(),
}).strict().openapi('AddDependency');

export const DependencyParams = z.object({ id: uuid, dependsOnTaskId: uuid }).strict();

export const TaskResponse = z.object({
  id: uuid,
  workspaceId: uuid,
  projectId: uuid,
  parentTaskId: uuid.nullable(),
  title: z.string(),
  description: z.string().nullable(),
  status: TaskStatus,
  priority: TaskPriority,
  assigneeId: uuid.nullable(),
  creatorId: uuid,
  dueDate: z.iso.datetime().nullable(),
  estimatedHours: z.number().int().nullable(),
  actualHours: z.number().int().nullable(),
  tags: z.array(z.string()),
  metadata: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  completedAt: z.iso.datetime().nullable(),
}).openapi('Task');

export const DependencyResponse = z.object({
  id: uuid,
  workspaceId: uuid,
  taskId: uuid,
  dependsOnTaskId: uuid,
  dependencyType: DependencyType,
  createdAt: z.iso.datetime(),
  dependsOnTask: z.object({ id: uuid, title: z.string(), status: TaskStatus }).nullable()
    .describe('The task depended on; null when it is in a project hidden from you.'),
}).openapi('TaskDependency');

const isoOrNull = (time: Date | null) => time?.toISOString() ?? null;

/** A task as the API answers it: the one way a Task entity becomes JSON (decision 0013). */
export function taskJson(task: Task): z.input<typeof TaskResponse> {
  return {
    id: task.id,
    workspaceId: task.workspaceId,
    projectId: task.projectId,
    parentTaskId: task.parentTaskId,
    title: task.title,
    description: task.description,
    status: task.status,
    priority: task.priority,
    assigneeId: task.assigneeId,
    creatorId: task.creatorId,
    dueDate: isoOrNull(task.dueDate),
    estimatedHours: task.estimatedHours,
    actualHours: task.actualHours,
    tags: task.tags,
    metadata: task.metadata,
    createdAt: task.createdAt.toISOString(),
    updatedAt: task.updatedAt.toISOString(),
    completedAt: isoOrNull(task.completedAt),
  };
}

/** A dependency with the task it depends on, or null where RLS hides that task. */
export function dependencyJson(dependency: TaskDependency): z.input<typeof DependencyResponse> {
  const { dependsOn } = dependency;
  return {
    id: dependency.id,
    workspaceId: dependency.workspaceId,
    taskId: dependency.taskId,
    dependsOnTaskId: dependency.dependsOnTaskId,
    dependencyType: dependency.dependencyType,
    createdAt: dependency.createdAt.toISOString(),
    dependsOnTask: dependsOn ? { id: dependsOn.id, title: dependsOn.title, status: dependsOn.status } : null,
  };
}

const openTags = ['Tasks'];
const TaskPage = page(TaskResponse, 'TaskPage');

registry.registerPath({
  method: 'get', path: '/projects/{id}/tasks', tags: openTags, security: securityOrAnonymous,
  summary: 'The tasks of a project I can see (anonymous for a public project), filtered and sorted',
  request: { params: IdParams, query: ListTasksQuery },
  responses: { 200: json(TaskPage, 'A page of tasks'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/projects/{id}/tasks', tags: openTags, security,
  summary: 'Create a task (project members and above); the assignee must belong to the workspace',
  request: { params: IdParams, body: jsonBody(CreateTask) },
  responses: { 201: created(TaskResponse, 'The new task'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/tasks/{id}', tags: openTags, security: securityOrAnonymous, summary: 'A task',
  request: { params: IdParams },
  responses: { 200: json(TaskResponse, 'The task'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/tasks/{id}', tags: openTags, security,
  summary: 'Change a task (project members and above); status done stamps completedAt',
  request: { params: IdParams, body: jsonBody(UpdateTask) },
  responses: { 200: json(TaskResponse, 'The changed task'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/tasks/{id}', tags: openTags, security,
  summary: 'Delete a task (project admins, or its creator); 409 while it has subtasks',
  request: { params: IdParams },
  responses: { 204: noContent, ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/tasks/{id}/complete', tags: openTags, security,
  summary: 'Mark a task done (complete_task, under row-level security)',
  request: { params: IdParams },
  responses: { 200: json(TaskResponse, 'The completed task'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/tasks/{id}/subtasks', tags: openTags, security: securityOrAnonymous, summary: 'The subtasks of a task',
  request: { params: IdParams, query: ListSubtasksQuery },
  responses: { 200: json(TaskPage, 'A page of subtasks'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/tasks/{id}/dependencies', tags: openTags, security: securityOrAnonymous, summary: 'The tasks this task depends on',
  request: { params: IdParams, query: ListQuery },
  responses: { 200: json(page(DependencyResponse, 'TaskDependencyPage'), 'A page of dependencies'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/tasks/{id}/dependencies', tags: openTags, security,
  summary: 'Make this task depend on another of the same workspace; 409 if it would close a cycle',
  request: { params: IdParams, body: jsonBody(AddDependency) },
  responses: { 201: json(DependencyResponse, 'The new dependency'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/tasks/{id}/dependencies/{dependsOnTaskId}', tags: openTags, security,
  summary: 'Remove a dependency',
  request: { params: DependencyParams },
  responses: { 204: noContent, ...problemResponses },
});
