import { z } from 'zod';
import { json, jsonBody, noContent, page, problemResponses, registry, security } from '../http/openapi';
import { cursor, limit } from '../http/pagination';
import { IdParams, name, uuid } from '../http/validate';
import { USER_STATUSES, type User } from '../users/entity';
import type { ApiToken, UserSession } from './entity';

/** Request and response shapes of /auth; also the OpenAPI source. */

// The table's CHECK (chk_email_format), so the database never refuses what zod let through.
export const email = z.string().max(255)
  .regex(/^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'Must be an email address.')
  .transform((value) => value.toLowerCase());
export const username = z.string().min(3).max(50).regex(/^[A-Za-z0-9_.-]+$/, 'Letters, digits, "_", "." and "-" only.');
// OWASP: at least 12, at most 128 characters, never truncated (argon2 reads every byte).
export const password = z.string().min(12, 'At least 12 characters.').max(128, 'At most 128 characters.');

export const Register = z.object({
  email,
  username,
  password,
  firstName: name(100).optional(),
  lastName: name(100).optional(),
}).strict().openapi('Register');

export const Login = z.object({
  email,
  password: z.string().min(1).max(128),
}).strict().openapi('Login');

export const ChangePassword = z.object({
  currentPassword: z.string().min(1).max(128),
  newPassword: password,
}).strict().openapi('ChangePassword');

export const CreateApiToken = z.object({
  name: name(100),
  expiresInDays: z.number().int().min(1).max(3650).optional(),
}).strict().openapi('CreateApiToken');

export const ListQuery = z.object({ limit, cursor }).strict();

const time = z.iso.datetime();

export const UserResponse = z.object({
  id: uuid,
  email: z.string(),
  username: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  status: z.enum(USER_STATUSES),
  createdAt: time,
  updatedAt: time,
  lastLoginAt: time.nullable(),
}).openapi('User');

export const CsrfToken = z.object({ csrfToken: z.string() }).openapi('CsrfToken');

// The user's fields, the same user under `user`, and the CSRF token for the new session.
export const LoginResponse = UserResponse.extend({ user: UserResponse, csrfToken: z.string() }).openapi('LoginResult');

export const SessionResponse = z.object({
  id: uuid,
  createdAt: time,
  expiresAt: time.describe('The absolute end of the session; it ends earlier when idle.'),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  current: z.boolean().describe('The session this request came with.'),
}).openapi('Session');

export const ApiTokenResponse = z.object({
  id: uuid,
  name: z.string(),
  prefix: z.string().describe('The first characters of the token, to tell tokens apart.'),
  createdAt: time,
  expiresAt: time.nullable(),
}).openapi('ApiToken');

export const NewApiTokenResponse = ApiTokenResponse.extend({
  token: z.string().describe('Shown once: only its SHA-256 is stored.'),
}).openapi('NewApiToken');

const isoOrNull = (time: Date | null) => time?.toISOString() ?? null;

/** A user as the API answers it (never a hash): the one way a User entity becomes JSON (decision 0013). */
export function userJson(user: User): z.input<typeof UserResponse> {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    firstName: user.firstName,
    lastName: user.lastName,
    status: user.status,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
    lastLoginAt: isoOrNull(user.lastLoginAt),
  };
}

/** The user's fields at the top (SPEC: "200 with the user"), the same user under `user`, and the CSRF token. */
export function loginJson(me: User, csrfToken: string): z.input<typeof LoginResponse> {
  const user = userJson(me);
  return { ...user, user, csrfToken };
}

/** One of my sessions, never its registry token; `current` when it is the one this request came with. */
export function sessionJson(session: UserSession, currentToken: string | null): z.input<typeof SessionResponse> {
  return {
    id: session.id,
    createdAt: session.createdAt.toISOString(),
    expiresAt: session.expiresAt.toISOString(),
    ipAddress: session.ipAddress,
    userAgent: session.userAgent,
    current: session.sessionToken === currentToken,
  };
}

/** An API token as listed: never the token, nor its hash. */
export function apiTokenJson(token: ApiToken): z.input<typeof ApiTokenResponse> {
  return {
    id: token.id,
    name: token.name,
    prefix: token.tokenPrefix,
    createdAt: token.createdAt.toISOString(),
    expiresAt: isoOrNull(token.expiresAt),
  };
}

/** A new API token with the token itself, shown this once. */
export function newApiTokenJson(apiToken: ApiToken, token: string): z.input<typeof NewApiTokenResponse> {
  return { ...apiTokenJson(apiToken), token };
}

const tags = ['Auth'];

registry.registerPath({
  method: 'post', path: '/auth/register', tags, summary: 'Create an account',
  request: { body: jsonBody(Register) },
  responses: { 201: json(UserResponse, 'The new user'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/auth/login', tags,
  summary: 'Log in: sets a new session cookie (sid) and returns a CSRF token for it',
  description: 'Failed attempts are limited per IP and per account (429 with Retry-After).',
  request: { body: jsonBody(Login) },
  responses: { 200: json(LoginResponse, 'Logged in'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/auth/logout', tags, security, summary: 'End this session',
  responses: { 204: noContent, ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/auth/me', tags, security, summary: 'Who I am',
  responses: { 200: json(UserResponse, 'The signed-in user'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/auth/csrf', tags, summary: 'A CSRF token for the current session (X-CSRF-Token)',
  responses: { 200: json(CsrfToken, 'The token; also set as an HttpOnly cookie'), ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/auth/password', tags, security, summary: 'Change my password; ends my other sessions',
  request: { body: jsonBody(ChangePassword) },
  responses: { 204: noContent, ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/auth/sessions', tags, security, summary: 'My live sessions',
  request: { query: ListQuery },
  responses: { 200: json(page(SessionResponse, 'SessionPage'), 'A page of sessions, newest first'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/auth/sessions/{id}', tags, security, summary: 'End one of my sessions at once',
  request: { params: IdParams },
  responses: { 204: noContent, ...problemResponses },
});
registry.registerPath({
  method: 'post', path: '/auth/tokens', tags, security, summary: 'Create an API token (shown once)',
  request: { body: jsonBody(CreateApiToken) },
  responses: { 201: json(NewApiTokenResponse, 'The token, shown this once'), ...problemResponses },
});
registry.registerPath({
  method: 'get', path: '/auth/tokens', tags, security, summary: 'My API tokens (never the token itself)',
  request: { query: ListQuery },
  responses: { 200: json(page(ApiTokenResponse, 'ApiTokenPage'), 'A page of tokens, newest first'), ...problemResponses },
});
registry.registerPath({
  method: 'delete', path: '/auth/tokens/{id}', tags, security, summary: 'Revoke an API token at once',
  request: { params: IdParams },
  responses: { 204: noContent, ...problemResponses },
});
