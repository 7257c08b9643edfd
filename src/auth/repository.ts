import { z } from 'zod';
import { In } from 'typeorm';
import { cursorTime, selectList } from '../db/columns';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import { User } from '../users/entity';
import { ApiToken, UserSession } from './entity';
import type { CreateApiToken, Register } from './schemas';

/**
 * Accounts: registration, who I am, logins and the session registry, API tokens, password,
 * on the request's EntityManager. Before a user is known (register, login) only the narrow
 * SECURITY DEFINER functions are called; everything else runs under RLS as the user, who sees
 * only their own sessions and tokens (migration 3). "My" is app_current_user_id(): the identity
 * the transaction runs as. The hand-written statements (the definer functions) are listed in
 * docs/database.md.
 */
export function accounts(em: TenantManager): AccountRepository {
  return new AccountRepository(em);
}

const timeAndId = z.tuple([z.iso.datetime(), z.uuid()]);

// A session of mine that has not ended (the list does not show the others either).
const MY_LIVE_SESSION = 's.userId = app_current_user_id() AND s.isActive AND s.expiresAt > now()';

export class AccountRepository {
  constructor(private readonly em: TenantManager) {}

  private get users() {
    return this.em.getRepository(User);
  }

  private get sessions() {
    return this.em.getRepository(UserSession);
  }

  private get tokens() {
    return this.em.getRepository(ApiToken);
  }

  // --- users ------------------------------------------------------------------------------

  /**
   * The application role cannot INSERT users: app_register_user() does, and returns the id.
   * A taken email or username is a 409 that says neither which nor whose (src/errors.ts).
   */
  async register(account: Omit<z.output<typeof Register>, 'password'>, passwordHash: string): Promise<string> {
    const [row] = await this.em.query(`SELECT app_register_user($1, $2, $3, $4, $5) AS id`,
      [account.email, account.username, passwordHash, account.firstName ?? null, account.lastName ?? null]);
    return row.id;
  }

  async me(): Promise<User> {
    const me = await this.users.createQueryBuilder('u').where('u.id = app_current_user_id()').getOne();
    if (!me) throw HttpError.unauthorized();
    return me;
  }

  /** At most one user, for an exact (lower-cased) email; the only way to read a password hash. */
  async loginCandidate(email: string): Promise<Pick<User, 'id' | 'passwordHash' | 'status'> | undefined> {
    const [candidate] = await this.em.query(
      `SELECT c.user_id AS "id", c.password_hash AS "passwordHash", c.status FROM app_login_candidate($1) c`, [email]);
    return candidate;
  }

  /** My current hash: my email under RLS, then the hash through app_login_candidate(). */
  async myPasswordHash(): Promise<string | null> {
    const [row] = await this.em.query(
      `SELECT c.password_hash AS "passwordHash"
         FROM users u CROSS JOIN LATERAL app_login_candidate(u.email) c
        WHERE u.id = app_current_user_id()`);
    return row?.passwordHash ?? null;
  }

  /** Sets my new hash and ends my other sessions' registry rows; returns their tokens. */
  async setMyPassword(passwordHash: string, keepToken: string | null): Promise<string[]> {
    await this.users.createQueryBuilder()
      .update()
      .set({ passwordHash })
      .where('id = app_current_user_id()')
      .updateEntity(false)
      .execute();
    const ended = await this.sessions.createQueryBuilder()
      .update()
      .set({ isActive: false })
      .where('user_id = app_current_user_id() AND is_active AND session_token IS DISTINCT FROM :keepToken', { keepToken })
      .returning(selectList(this.sessions.metadata, 'user_sessions'))
      .updateEntity(false)
      .execute();
    return (ended.raw as UserSession[]).map((session) => session.sessionToken);
  }

  // --- the session registry ----------------------------------------------------------------

  /**
   * One registry row per login, and my last_login_at; returns me. `previousToken` is the
   * session this login replaced (passport regenerated it): ended too, if it was mine.
   */
  async recordLogin(
    login: Pick<UserSession, 'sessionToken' | 'expiresAt' | 'ipAddress' | 'userAgent'>, previousToken: string | null,
  ): Promise<User> {
    if (previousToken) await this.deactivateSessions([previousToken]); // RLS: a no-op for another user's
    await this.sessions.createQueryBuilder('s')
      .insert()
      .values({ ...login, userId: () => 'app_current_user_id()' })
      .updateEntity(false)
      .execute();
    const result = await this.users.createQueryBuilder()
      .update()
      .set({ lastLoginAt: () => 'now()' })
      .where('id = app_current_user_id()')
      .returning(selectList(this.users.metadata, 'users'))
      .updateEntity(false)
      .execute();
    return this.users.create((result.raw as User[])[0]);
  }

  /** My unexpired, active sessions, newest first (keyset on created_at, id). */
  async pageOfMySessions(pageSize: number, cursor?: string): Promise<Page<UserSession>> {
    const after = decodeCursor(cursor, timeAndId);
    const query = this.sessions.createQueryBuilder('s')
      .addSelect(cursorTime('s.created_at'), 'sortKey')
      .where(MY_LIVE_SESSION)
      .orderBy('s.createdAt', 'DESC').addOrderBy('s.id', 'DESC')
      .limit(pageSize + 1);
    if (after) query.andWhere('(s.created_at, s.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await query.getRawAndEntities();
    const sortKeys = new Map(raw.map((row: { s_id: string; sortKey: string }) => [row.s_id, row.sortKey]));
    return toPage(entities, pageSize, (session) => session, (session) => [sortKeys.get(session.id), session.id]);
  }

  /**
   * The registry token of one of my live sessions; another user's session is a 404 like a
   * random id, and so is one already ended (the list does not show it either).
   */
  async mySessionToken(id: string): Promise<string> {
    const session = await this.sessions.createQueryBuilder('s')
      .select(['s.id', 's.sessionToken'])
      .where(MY_LIVE_SESSION)
      .andWhere('s.id = :id', { id })
      .getOne();
    if (!session) throw HttpError.notFound('Session not found.');
    return session.sessionToken;
  }

  async deactivateSessions(tokens: string[]): Promise<void> {
    if (tokens.length === 0) return;
    await this.sessions.createQueryBuilder()
      .update()
      .set({ isActive: false })
      .where({ sessionToken: In(tokens) })
      .updateEntity(false)
      .execute();
  }

  /** The tokens of my other live sessions (the ones a password change ends). */
  async myOtherSessionTokens(keepToken: string | null): Promise<string[]> {
    const others = await this.sessions.createQueryBuilder('s')
      .select(['s.id', 's.sessionToken'])
      .where('s.userId = app_current_user_id() AND s.isActive AND s.sessionToken IS DISTINCT FROM :keepToken', { keepToken })
      .getMany();
    return others.map((session) => session.sessionToken);
  }

  // --- API tokens ----------------------------------------------------------------------------

  async createApiToken(body: z.output<typeof CreateApiToken>, tokenHash: string, tokenPrefix: string): Promise<ApiToken> {
    const result = await this.tokens.createQueryBuilder('t')
      .insert()
      .values({
        userId: () => 'app_current_user_id()',
        name: body.name,
        tokenHash,
        tokenPrefix,
        // Counted from the transaction's now(), as created_at is.
        expiresAt: body.expiresInDays === undefined ? null : () => 'now() + make_interval(days => CAST(:expiresInDays AS int))',
      })
      .setParameter('expiresInDays', body.expiresInDays ?? null)
      .returning(selectList(this.tokens.metadata, 't'))
      .updateEntity(false)
      .execute();
    return this.tokens.create((result.raw as ApiToken[])[0]);
  }

  /** My tokens, newest first (keyset on created_at, id). */
  async pageOfMyApiTokens(pageSize: number, cursor?: string): Promise<Page<ApiToken>> {
    const after = decodeCursor(cursor, timeAndId);
    const query = this.tokens.createQueryBuilder('t')
      .addSelect(cursorTime('t.created_at'), 'sortKey')
      .where('t.userId = app_current_user_id()')
      .orderBy('t.createdAt', 'DESC').addOrderBy('t.id', 'DESC')
      .limit(pageSize + 1);
    if (after) query.andWhere('(t.created_at, t.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await query.getRawAndEntities();
    const sortKeys = new Map(raw.map((row: { t_id: string; sortKey: string }) => [row.t_id, row.sortKey]));
    return toPage(entities, pageSize, (token) => token, (token) => [sortKeys.get(token.id), token.id]);
  }

  /** Revocation is deletion: the next request with the token finds nothing. */
  async deleteMyApiToken(id: string): Promise<void> {
    const result = await this.tokens.createQueryBuilder().delete().where({ id }).execute();
    if (result.affected === 0) throw HttpError.notFound('Token not found.');
  }
}
