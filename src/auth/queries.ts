import { z } from 'zod';
import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';

/**
 * Identity reads and writes. Before a user is known (register, login) only the narrow
 * SECURITY DEFINER functions are called; everything else runs under RLS as the user, who
 * sees only their own sessions and tokens (migration 3).
 */
export interface Me {
  id: string;
  email: string;
  username: string;
  firstName: string | null;
  lastName: string | null;
  status: string;
  createdAt: Date;
  updatedAt: Date;
  lastLoginAt: Date | null;
}

const ME = `
  id, email, username, first_name AS "firstName", last_name AS "lastName", status,
  created_at AS "createdAt", updated_at AS "updatedAt", last_login_at AS "lastLoginAt"`;

// Keys rendered to the microsecond: a JS Date would round to milliseconds and skip rows.
const createdKey = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS "createdKey"`;
const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

// TypeORM answers a bare UPDATE/DELETE ... RETURNING with [rows, count]; a CTE gives plain rows.

// --- users ------------------------------------------------------------------------------

export interface NewUser {
  email: string;
  username: string;
  passwordHash: string;
  firstName?: string;
  lastName?: string;
}

/** The application role cannot INSERT users: app_register_user() does, and returns the id. */
/** A taken email or username is a 409 that says neither which nor whose (src/errors.ts). */
export async function registerUser(db: Db, user: NewUser): Promise<string> {
  const [row] = await db.query(`SELECT app_register_user($1, $2, $3, $4, $5) AS id`,
    [user.email, user.username, user.passwordHash, user.firstName ?? null, user.lastName ?? null]);
  return row.id;
}

export async function getMe(db: Db): Promise<Me> {
  const [me] = await db.query(`SELECT ${ME} FROM users WHERE id = app_current_user_id()`);
  if (!me) throw HttpError.unauthorized();
  return me;
}

export interface LoginCandidate {
  userId: string;
  passwordHash: string;
  status: string;
}

/** At most one row, for an exact (lower-cased) email; the only way to read a password hash. */
export async function loginCandidate(db: Db, email: string): Promise<LoginCandidate | undefined> {
  const [row] = await db.query(
    `SELECT user_id AS "userId", password_hash AS "passwordHash", status FROM app_login_candidate($1)`, [email]);
  return row;
}

/** My current hash: my email under RLS, then the hash through app_login_candidate(). */
export async function myPasswordHash(db: Db): Promise<string | null> {
  const [row] = await db.query(
    `SELECT c.password_hash AS "passwordHash"
       FROM users u CROSS JOIN LATERAL app_login_candidate(u.email) c
      WHERE u.id = app_current_user_id()`);
  return row?.passwordHash ?? null;
}

/** Sets my new hash and ends my other sessions' registry rows; returns their tokens. */
export async function setMyPassword(db: Db, passwordHash: string, keepToken: string | null): Promise<string[]> {
  await db.query(`UPDATE users SET password_hash = $1 WHERE id = app_current_user_id()`, [passwordHash]);
  const rows: Array<{ token: string }> = await db.query(
    `WITH ended AS (
       UPDATE user_sessions SET is_active = false
        WHERE user_id = app_current_user_id() AND is_active AND session_token IS DISTINCT FROM $1
        RETURNING session_token)
     SELECT session_token AS token FROM ended`, [keepToken]);
  return rows.map((row) => row.token);
}

// --- the session registry ------------------------------------------------------------------

export interface LoginRecord {
  sessionToken: string;
  /** The session this login replaced (passport regenerated it), if it was mine. */
  previousToken: string | null;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
}

/** One registry row per login, and the user's last_login_at; returns the user. */
export async function recordLogin(db: Db, login: LoginRecord): Promise<Me> {
  if (login.previousToken) await deactivateSessions(db, [login.previousToken]); // RLS: a no-op for another user's
  await db.query(
    `INSERT INTO user_sessions (user_id, session_token, expires_at, ip_address, user_agent)
     VALUES (app_current_user_id(), $1, $2, $3, $4)`,
    [login.sessionToken, login.expiresAt, login.ipAddress, login.userAgent]);
  const [me] = await db.query<Me>(
    `UPDATE users SET last_login_at = now() WHERE id = app_current_user_id() RETURNING ${ME}`);
  return me;
}

export interface SessionRow {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  ipAddress: string | null;
  userAgent: string | null;
  current: boolean;
  sessionToken: string;
}

/** My unexpired, active sessions, newest first (keyset on created_at, id). */
export async function listMySessions(db: Db, pageSize: number, after: string | undefined, currentToken: string | null): Promise<Page<SessionRow>> {
  const key = decodeCursor(after, timeAndId);
  const rows: Array<SessionRow & { createdKey: string }> = await db.query(
    `SELECT id, created_at AS "createdAt", expires_at AS "expiresAt", host(ip_address) AS "ipAddress",
            user_agent AS "userAgent", session_token IS NOT DISTINCT FROM $3 AS current,
            session_token AS "sessionToken", ${createdKey}
       FROM user_sessions
      WHERE user_id = app_current_user_id() AND is_active AND expires_at > now()
        AND ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
      ORDER BY created_at DESC, id DESC
      LIMIT $4`,
    [key?.[0] ?? null, key?.[1] ?? null, currentToken, pageSize + 1]);
  return toPage(rows, pageSize, ({ createdKey: _key, ...row }) => row, (row) => [row.createdKey, row.id]);
}

/**
 * The registry token of one of my live sessions; another user's session is a 404 like a
 * random id, and so is one already ended (the list does not show it either).
 */
export async function mySessionToken(db: Db, id: string): Promise<string> {
  const [row] = await db.query(
    `SELECT session_token AS token FROM user_sessions WHERE id = $1 AND is_active AND expires_at > now()`, [id]);
  if (!row) throw HttpError.notFound('Session not found.');
  return row.token;
}

export async function deactivateSessions(db: Db, tokens: string[]): Promise<void> {
  if (tokens.length === 0) return;
  await db.query(
    `UPDATE user_sessions SET is_active = false WHERE session_token = ANY ($1::text[])`, [tokens]);
}

/** The tokens of my other live sessions (the ones a password change ends). */
export async function myOtherSessionTokens(db: Db, keepToken: string | null): Promise<string[]> {
  const rows: Array<{ token: string }> = await db.query(
    `SELECT session_token AS token FROM user_sessions
      WHERE user_id = app_current_user_id() AND is_active AND session_token IS DISTINCT FROM $1`, [keepToken]);
  return rows.map((row) => row.token);
}

// --- API tokens ------------------------------------------------------------------------------

export interface ApiTokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: Date;
  expiresAt: Date | null;
}

const TOKEN = `id, name, token_prefix AS prefix, created_at AS "createdAt", expires_at AS "expiresAt"`;

export async function createApiToken(
  db: Db, token: { name: string; hash: string; prefix: string; expiresInDays?: number },
): Promise<ApiTokenView> {
  const [row] = await db.query(
    `INSERT INTO api_tokens (user_id, name, token_hash, token_prefix, expires_at)
     VALUES (app_current_user_id(), $1, $2, $3, CASE WHEN $4::int IS NULL THEN NULL ELSE now() + make_interval(days => $4::int) END)
     RETURNING ${TOKEN}`,
    [token.name, token.hash, token.prefix, token.expiresInDays ?? null]);
  return row;
}

export async function listMyApiTokens(db: Db, pageSize: number, after?: string): Promise<Page<ApiTokenView>> {
  const key = decodeCursor(after, timeAndId);
  const rows: Array<ApiTokenView & { createdKey: string }> = await db.query(
    `SELECT ${TOKEN}, ${createdKey}
       FROM api_tokens
      WHERE user_id = app_current_user_id()
        AND ($1::timestamptz IS NULL OR (created_at, id) < ($1::timestamptz, $2::uuid))
      ORDER BY created_at DESC, id DESC
      LIMIT $3`,
    [key?.[0] ?? null, key?.[1] ?? null, pageSize + 1]);
  return toPage(rows, pageSize, ({ createdKey: _key, ...row }) => row, (row) => [row.createdKey, row.id]);
}

/** Revocation is deletion: the next request with the token finds nothing. */
export async function deleteMyApiToken(db: Db, id: string): Promise<void> {
  const deleted = await db.query(`DELETE FROM api_tokens WHERE id = $1 RETURNING id`, [id]);
  if (deleted.length === 0) throw HttpError.notFound('Token not found.');
}
