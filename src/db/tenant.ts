import type { PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { HttpError, isRetryableDatabaseError, isUnavailableError } from '../errors';

interface PostgresRunner {
  releasePostgresConnection(error?: Error): Promise<void>;
}

/**
 * What a route's database work receives: statements inside the tenant transaction, and
 * nothing that could begin or end one (no manager.transaction(), no save()).
 */
export type Db = Pick<EntityManager, 'query' | 'queryRunner'>;

/**
 * Who a transaction runs as: a user id, a user whose API token is re-checked in the same
 * statement (so a token cache can never outlive a revocation), or null for anonymous.
 */
export type Actor = string | { id: string; tokenHash?: string } | null;

export type WithTenant = <T>(actor: Actor, work: (db: Db) => Promise<T>) => Promise<T>;

// Makes the user id transaction-local (is_local = true: gone at COMMIT or ROLLBACK, so the next
// client of the server connection, through pgBouncer transaction pooling, starts anonymous), and
// checks in the same statement that the user is active and the API token still live.
const IDENTITY = `SELECT set_config('app.current_user_id', $1, true) AS user_id,
                         app_user_is_active(nullif($1, '')::uuid) AS active,
                         $2::text IS NULL OR app_token_user($2::text) = nullif($1, '')::uuid AS token_live`;

interface Identity {
  active: boolean;
  token_live: boolean;
}

/**
 * The request lifecycle's heart: every piece of a request's database work runs in one
 * transaction on a pooled connection whose first statement sets `app.current_user_id`.
 * BEGIN, that statement and the work's first statement are queued on the connection in this
 * order before anything is awaited: the pool's connections are pipelined (src/db/options.ts),
 * so a one-statement request costs two round trips, this one and COMMIT. The identity is
 * checked once everything has settled and before anything is answered; a failed check rolls
 * the work back. Serialization failures and deadlocks are retried once. The caller responds
 * only after this resolves, after COMMIT.
 */
export function tenantTransactions(dataSource: DataSource): WithTenant {
  return async function withTenant<T>(actor: Actor, work: (db: Db) => Promise<T>): Promise<T> {
    const userId = typeof actor === 'string' ? actor : actor?.id ?? null;
    const tokenHash = typeof actor === 'object' ? actor?.tokenHash ?? null : null;
    for (let attempt = 1; ; attempt += 1) {
      const runner = dataSource.createQueryRunner();
      let connection: PoolClient | undefined;
      let open = false;
      let broken: Error | undefined;
      try {
        connection = (await runner.connect()) as PoolClient;
        open = true;
        const begin = connection.query('BEGIN');
        const identity = connection.query<Identity>(IDENTITY, [userId ?? '', tokenHash]);
        const working = (async () => work(runner.manager))();
        const [begun, checked, worked] = await Promise.allSettled([begin, identity, working]);
        if (begun.status === 'rejected') throw begun.reason;
        if (checked.status === 'rejected') throw checked.reason;
        const { active, token_live: tokenLive } = checked.value.rows[0];
        if (userId && !active) throw HttpError.unauthorized('This account is not active.');
        if (!tokenLive) throw HttpError.invalidBearer();
        if (worked.status === 'rejected') throw worked.reason;
        open = false; // COMMIT ends the transaction block whether it commits or fails
        await connection.query('COMMIT');
        return worked.value;
      } catch (error) {
        if (isUnavailableError(error)) {
          // A lost or stuck connection: a ROLLBACK would only wait behind it; destroying it rolls back.
          broken = error as Error;
        } else if (runner.isReleased) {
          // TypeORM released the runner when its connection died between two queries: the next one threw.
          throw HttpError.unavailable();
        } else if (open && connection) {
          await connection.query('ROLLBACK').catch((rollbackError: Error) => {
            broken = rollbackError;
          });
        }
        if (attempt === 1 && isRetryableDatabaseError(error)) continue;
        throw error;
      } finally {
        // A connection that failed to roll back is destroyed, never handed to the next request.
        await (runner as unknown as PostgresRunner).releasePostgresConnection(broken);
      }
    }
  };
}

/**
 * One statement outside a request transaction (the bearer-token look-up, readiness), on a
 * pooled connection that is destroyed rather than reused when it was lost or is stuck (a
 * query timeout leaves the query pending on it).
 */
export async function queryOnce<T>(dataSource: DataSource, sql: string, params: unknown[] = []): Promise<T[]> {
  const runner = dataSource.createQueryRunner();
  let broken: Error | undefined;
  try {
    return await runner.query(sql, params);
  } catch (error) {
    if (isUnavailableError(error)) broken = error as Error;
    throw error;
  } finally {
    await (runner as unknown as PostgresRunner).releasePostgresConnection(broken);
  }
}

/**
 * The rows of any statement. TypeORM's query() answers UPDATE and DELETE with
 * [rows, affectedCount] instead of the rows, so `... RETURNING` goes through here.
 */
export async function rows<T>(db: Db, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await db.queryRunner!.query(sql, params, true);
  return result.records as T[];
}
