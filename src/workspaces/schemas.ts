import { z } from 'zod';
import { created, json, jsonBody, noContent, page, problemResponses, registry, security } from '../http/openapi';
import { email } from '../auth/schemas';
import { cursor, limit } from '../http/pagination';
import { IdParams, name, uuid } from '../http/validate';
import { WORKSPACE_ROLES, type Workspace, type WorkspaceMember } from './entity';

/** Request and response shapes of /workspaces and their members; also the OpenAPI source. */
export const WorkspaceRole = z.enum(WORKSPACE_ROLES);

// The same rule as the table's CHECK, so the database never sees a bad slug.
export const slug = z.string().max(63).regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'Lowercase letters, digits and inner hyphens, 1-63 characters.');

/** A JSON object (never an array or a scalar), stored as jsonb. */
export const settings = z.record(z.string().max(255), z.unknown());

export const CreateWorkspace = z.object({
  name: name(255),
  slug,
  settings: settings.optional(),
}).strict().openapi('CreateWorkspace');

export const UpdateWorkspace = z.object({
  name: name(255).optional(),
  slug: slug.optional(),
  settings: settings.optional(),
}).strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'Send at least one field to change.',
    when: (payload) => payload.issues.length === 0, // an unknown field is error enough
  })
  .openapi('UpdateWorkspace');

export const ListQuery = z.object({ limit, cursor }).strict();

export const MemberParams = z.object({ id: uuid, userId: uuid }).strict();

export const AddWorkspaceMember = z.object({
  email, // lower-cased, as registration stores it and login looks it up
  role: WorkspaceRole.default('member'),
}).strict().openapi('AddWorkspaceMember');

export const UpdateWorkspaceMember = z.object({ role: WorkspaceRole }).strict().openapi('UpdateWorkspaceMember');

export const WorkspaceResponse = z.object({
  id: uuid,
  name: z.string(),
  slug: z.string(),
  ownerId: uuid,
  settings: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  archivedAt: z.iso.datetime().nullable(),
  role: WorkspaceRole.nullable().optional().describe('My role in the workspace.'),
}).openapi('Workspace');

export const WorkspaceMemberResponse = z.object({
  id: uuid.describe('The membership.'),
  userId: uuid,
  email: z.string().optional(),
  username: z.string(),
  role: WorkspaceRole,
  joinedAt: z.iso.datetime(),
  createdAt: z.iso.datetime().describe('When the membership began (= joinedAt).'),
}).openapi('WorkspaceMember');

/** A workspace as the API answers it, with my role: the one way a Workspace entity becomes JSON (decision 0013). */
export function workspaceJson(workspace: Workspace): z.input<typeof WorkspaceResponse> {
  return {
    id: workspace.id,
    name: workspace.name,
    slug: workspace.slug,
    ownerId: workspace.ownerId,
    settings: workspace.settings,
    createdAt: workspace.createdAt.toISOString(),
    updatedAt: workspace.updatedAt.toISOString(),
    archivedAt: workspace.archivedAt?.toISOString() ?? null,
    role: workspace.myMembership?.role ?? null,
  };
}

/** A membership with its user's email and username; createdAt is when it began (= joinedAt). */
export function workspaceMemberJson(member: WorkspaceMember): z.input<typeof WorkspaceMemberResponse> {
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

const tags = ['Workspaces'];

registry.registerPath({
  method: 'get', path: '/workspaces', tags, security, summary: 'The workspaces I belong to',
  request: { query: ListQuery },
  responses: { 200: json(page(WorkspaceResponse, 'WorkspacePage'), 'A page of workspaces'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/workspaces', tags, security, summary: 'Create a workspace (I become its owner)',
  request: { body: jsonBody(CreateWorkspace) },
  responses: { 201: created(WorkspaceResponse, 'The new workspace'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/workspaces/{id}', tags, security, summary: 'A workspace I belong to, with my role',
  request: { params: IdParams },
  responses: { 200: json(WorkspaceResponse, 'The workspace'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/workspaces/{id}', tags, security, summary: 'Change a workspace (owners and admins)',
  request: { params: IdParams, body: jsonBody(UpdateWorkspace) },
  responses: { 200: json(WorkspaceResponse, 'The changed workspace'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/workspaces/{id}', tags, security, summary: 'Delete a workspace and everything in it (owners)',
  request: { params: IdParams },
  responses: { 204: noContent, ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/workspaces/{id}/members', tags, security, summary: 'The members of a workspace',
  request: { params: IdParams, query: ListQuery },
  responses: { 200: json(page(WorkspaceMemberResponse, 'WorkspaceMemberPage'), 'A page of members'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/workspaces/{id}/members', tags, security,
  summary: 'Add an existing user by email (owners and admins; only owners add owners)',
  request: { params: IdParams, body: jsonBody(AddWorkspaceMember) },
  responses: { 201: json(WorkspaceMemberResponse, 'The new member'), ...problemResponses },
});
registry.registerPath({
  method: 'patch', path: '/workspaces/{id}/members/{userId}', tags, security,
  summary: 'Change a member\'s role (the last owner cannot be demoted)',
  request: { params: MemberParams, body: jsonBody(UpdateWorkspaceMember) },
  responses: { 200: json(WorkspaceMemberResponse, 'The member'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/workspaces/{id}/members/{userId}', tags, security,
  summary: 'Remove a member, or leave (the last owner cannot leave)',
  request: { params: MemberParams },
  responses: { 204: noContent, ...problemResponses },
});
