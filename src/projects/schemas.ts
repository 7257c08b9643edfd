import { z } from 'zod';
import { created, json, jsonBody, noContent, page, problemResponses, registry, security, securityOrAnonymous } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, name, text, uuid } from '../http/validate';
import { PROJECT_ROLES, PROJECT_STATUSES, PROJECT_VISIBILITIES, type Project, type ProjectMember } from './entity';

/** Request and response shapes of /projects and their members; also the OpenAPI source. */
export const ProjectStatus = z.enum(PROJECT_STATUSES);
export const ProjectVisibility = z.enum(PROJECT_VISIBILITIES);
export const ProjectRole = z.enum(PROJECT_ROLES);

const settings = z.record(z.string().max(255), z.unknown());
const description = text(10_000);

export const CreateProject = z.object({
  workspaceId: uuid,
  name: name(255),
  description: description.nullable().optional(),
  visibility: ProjectVisibility.optional(),
  settings: settings.optional(),
}).strict().openapi('CreateProject');

export const UpdateProject = z.object({
  name: name(255).optional(),
  description: description.nullable().optional(),
  status: ProjectStatus.optional(),
  visibility: ProjectVisibility.optional(),
  settings: settings.optional(),
}).strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'Send at least one field to change.',
    when: (payload) => payload.issues.length === 0, // an unknown field is error enough
  })
  .openapi('UpdateProject');

export const ListProjectsQuery = z.object({
  workspaceId: uuid.optional(),
  status: ProjectStatus.optional(),
  visibility: ProjectVisibility.optional(),
  q: text(255).optional(),
  limit,
  cursor,
}).strict();

export const ListQuery = z.object({ limit, cursor }).strict();

export const MemberParams = z.object({ id: uuid, userId: uuid }).strict();

export const AddProjectMember = z.object({
  userId: uuid,
  role: ProjectRole.default('member'),
}).strict().openapi('AddProjectMember');

export const UpdateProjectMember = z.object({ role: ProjectRole }).strict().openapi('UpdateProjectMember');

export const ProjectResponse = z.object({
  id: uuid,
  workspaceId: uuid,
  name: z.string(),
  description: z.string().nullable(),
  ownerId: uuid,
  status: ProjectStatus,
  visibility: ProjectVisibility,
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  archivedAt: z.iso.datetime().nullable(),
}).openapi('Project');

export const ProjectMemberResponse = z.object({
  id: uuid.describe('The membership.'),
  userId: uuid,
  email: z.string(),
  username: z.string(),
  role: ProjectRole,
  joinedAt: z.iso.datetime(),
  createdAt: z.iso.datetime().describe('When the membership began (= joinedAt).'),
}).openapi('ProjectMember');

/** A project as the API answers it: the one way a Project entity becomes JSON (decision 0013). */
export function projectJson(project: Project): z.input<typeof ProjectResponse> {
  return {
    id: project.id,
    workspaceId: project.workspaceId,
    name: project.name,
    description: project.description,
    ownerId: project.ownerId,
    status: project.status,
    visibility: project.visibility,
    settings: project.settings,
    createdAt: project.createdAt.toISOString(),
    updatedAt: project.updatedAt.toISOString(),
    archivedAt: project.archivedAt?.toISOString() ?? null,
  };
}

/** A membership with its user's email and username (the repository loads `user` with them). */
export function projectMemberJson(member: ProjectMember): z.input<typeof ProjectMemberResponse> {
  return {
    id: member.id,
    userId: member.userId,
    email: member.user.email,
    username: member.user.username,
    role: member.role,
    joinedAt: member.joinedAt.toISOString(),
    createdAt: member.joinedAt.toISOString(),
  };
}

const tags = ['Projects'];

registry.registerPath({
  method: 'get', path: '/projects', tags, security,
  summary: 'Projects in my workspaces or that I am a member of',
  request: { query: ListProjectsQuery },
  responses: { 200: json(page(ProjectResponse, 'ProjectPage'), 'A page of projects, newest first'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/projects', tags, security, summary: 'Create a project in a workspace I belong to',
  request: { body: jsonBody(CreateProject) },
  responses: { 201: created(ProjectResponse, 'The new project'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/projects/{id}', tags, security: securityOrAnonymous,
  summary: 'A project (public projects need no authentication)',
  request: { params: IdParams },
  responses: { 200: json(ProjectResponse, 'The project'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/projects/{id}', tags, security, summary: 'Change a project (project owners and admins)',
  request: { params: IdParams, body: jsonBody(UpdateProject) },
  responses: { 200: json(ProjectResponse, 'The changed project'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/projects/{id}', tags, security, summary: 'Delete a project (its owner)',
  request: { params: IdParams },
  responses: { 204: noContent, ...problemResponses },
});
for (const action of ['archive', 'restore'] as const) {
  registry.registerPath({
    method: 'post', path: `/projects/{id}/${action}`, tags, security,
    summary: action === 'archive' ? 'Archive a project (owners and admins)' : 'Restore an archived project (owners and admins)',
    request: { params: IdParams },
    responses: { 200: json(ProjectResponse, 'The project'), ...problemResponses },
  });
}
registry.registerPath({
  method: 'get', path: '/projects/{id}/members', tags, security, summary: 'The members of a project',
  request: { params: IdParams, query: ListQuery },
  responses: { 200: json(page(ProjectMemberResponse, 'ProjectMemberPage'), 'A page of members'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/projects/{id}/members', tags, security,
  summary: 'Add a member of the project\'s workspace (project owners and admins; only owners grant owner)',
  request: { params: IdParams, body: jsonBody(AddProjectMember) },
  responses: { 201: json(ProjectMemberResponse, 'The new member'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/projects/{id}/members/{userId}', tags, security,
  summary: 'Change a member\'s role. Owners are equals; when the project\'s owner steps down, it passes to the longest-standing other owner (the transfer); without one, 409',
  request: { params: MemberParams, body: jsonBody(UpdateProjectMember) },
  responses: { 200: json(ProjectMemberResponse, 'The member'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/projects/{id}/members/{userId}', tags, security,
  summary: 'Remove a member, or leave. When the project\'s owner goes, it passes to the longest-standing other owner; without one, 409',
  request: { params: MemberParams },
  responses: { 204: noContent, ...problemResponses },
});
