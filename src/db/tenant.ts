import { DataSource, EntityManager } from 'typeorm';
import { HttpError, isRetryableDatabaseError, isUnavailableError } from '../errors';

interface PostgresRunner {
  releasePostgresConnection(error?: Error): Promise<void>;
}

/** What a route's database work receives: an EntityManager bound to the tenant transaction. */
export type Db = EntityManager;

/**
 * Who a transaction runs as: a user id, a user whose API token is re-checked in the same
 * statement (so a token cache can never outlive a revocation), or null for anonymous.
 */
export type Actor = string | { id: string; tokenHash?: string } | null;

export type WithTenant = <T>(actor: Actor, work: (db: Db) => Promise<T>) => Promise<T>;

/**
 * The request lifecycle's heart: every piece of a request's database work runs in one
 * transaction on a pooled connection that first makes `app.current_user_id`
 * transaction-local (is_local = true), so it vanishes at COMMIT or ROLLBACK and the next
 * client of that connection, through pgBouncer transaction pooling, starts anonymous.
 * The same round trip checks that the user is still active (and the API token still live),
 * so a suspended user's session or a revoked token stops working at the next request. Serialization failures and
 * deadlocks are retried once. The caller responds only after this resolves, after COMMIT.
 */
export function tenantTransactions(dataSource: DataSource): WithTenant {
  return async function withTenant<T>(actor: Actor, work: (db: Db) => Promise<T>): Promise<T> {
    const userId = typeof actor === 'string' ? actor : actor?.id ?? null;
    const tokenHash = typeof actor === 'object' ? actor?.tokenHash ?? null : null;
    for (let attempt = 1; ; attempt += 1) {
      const runner = dataSource.createQueryRunner();
      let broken: Error | undefined;
      try {
        await runner.connect();
        await runner.startTransaction();
        const [identity] = await runner.query(
          `SELECT set_config('app.current_user_id', $1, true) AS user_id,
                  app_user_is_active(nullif($1, '')::uuid) AS active,
                  $2::text IS NULL OR app_token_user($2::text) = nullif($1, '')::uuid AS token_live`,
          [userId ?? '', tokenHash],
        );
        if (userId && !identity.active) throw HttpError.unauthorized('This account is not active.');
        if (!identity.token_live) {
          throw HttpError.invalidBearer();
        }
        const result = await work(runner.manager);
        await runner.commitTransaction();
        return result;
      } catch (error) {
        if (isUnavailableError(error)) {
          // A lost or stuck connection: a ROLLBACK would only wait behind it; destroying it rolls back.
          broken = error as Error;
        } else if (runner.isReleased) {
          // TypeORM released the runner when its connection died between two queries: the next one threw.
          throw HttpError.unavailable();
        } else if (runner.isTransactionActive) {
          await runner.rollbackTransaction().catch((rollbackError: Error) => {
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
