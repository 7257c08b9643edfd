import { Store, type SessionData } from 'express-session';
import { Client, Pool } from 'pg';
import { sessionKey, type RegistryStore } from '../../src/auth/session';

/**
 * Sessions in PostgreSQL, for a demo on a machine without Redis (one process, so nothing
 * else needs sharing). Rows are keyed like the Redis store keys them: by the SHA-256 of the
 * session id, which is what user_sessions.session_token holds. Each call is one autocommit
 * statement: nothing relies on session state. The table is not tenant data (no RLS): like
 * Redis, it is infrastructure only the app's login role reaches.
 */
export const SESSION_TABLE = 'demo_sessions';

/** Creates the table as the owner, lets the app's login role use it, drops expired rows. Idempotent. */
export async function prepareSessionTable(ownerUrl: string, appRole: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE IF NOT EXISTS ${SESSION_TABLE} (
        token       varchar(64) PRIMARY KEY,
        data        jsonb NOT NULL,
        expires_at  timestamptz NOT NULL
      )`);
    await client.query(`CREATE INDEX IF NOT EXISTS idx_${SESSION_TABLE}_expires_at ON ${SESSION_TABLE} (expires_at)`);
    await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${SESSION_TABLE} TO ${client.escapeIdentifier(appRole)}`);
    await client.query(`DELETE FROM ${SESSION_TABLE} WHERE expires_at < now()`);
  } finally {
    await client.end();
  }
}

export class PgSessionStore extends Store implements RegistryStore {
  private readonly pool: Pool;

  constructor(appUrl: string, private readonly idleMs: number) {
    super();
    this.pool = new Pool({ connectionString: appUrl, max: 2 });
    // pool.end() resolves before the last socket closes, so stopping the cluster right after
    // can still end a backend under an idle client: without a listener that error would crash
    // the process. A lost connection is otherwise reported by the next query that needs it.
    this.pool.on('error', () => undefined);
  }

  override get(sid: string, callback: (error: unknown, session?: SessionData | null) => void): void {
    // Reading slides the idle expiry, as the Redis store's GETEX does.
    this.pool.query(
      `UPDATE ${SESSION_TABLE} SET expires_at = now() + make_interval(secs => $2)
        WHERE token = $1 AND expires_at > now() RETURNING data`,
      [sessionKey(sid), this.idleMs / 1000],
    ).then((result) => callback(null, result.rows[0]?.data ?? null), (error: unknown) => callback(error));
  }

  override set(sid: string, session: SessionData, callback?: (error?: unknown) => void): void {
    this.pool.query(
      `INSERT INTO ${SESSION_TABLE} (token, data, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (token) DO UPDATE SET data = EXCLUDED.data, expires_at = EXCLUDED.expires_at`,
      [sessionKey(sid), JSON.stringify(session), this.idleMs / 1000],
    ).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  override destroy(sid: string, callback?: (error?: unknown) => void): void {
    this.endSessions([sessionKey(sid)]).then(() => callback?.(), (error: unknown) => callback?.(error));
  }

  /** Ends sessions by their registry tokens (user_sessions.session_token). */
  async endSessions(tokens: string[]): Promise<void> {
    if (tokens.length > 0) await this.pool.query(`DELETE FROM ${SESSION_TABLE} WHERE token = ANY ($1)`, [tokens]);
  }

  /** Which of these registry tokens still have a live session. */
  async liveSessionTokens(tokens: string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query(
      `SELECT token FROM ${SESSION_TABLE} WHERE token = ANY ($1) AND expires_at > now()`, [tokens],
    );
    return new Set(rows.map((row: { token: string }) => row.token));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
