import type { PoolClient } from 'pg';
import type { DataSource } from 'typeorm';
import { HttpError, isRetryableDatabaseError, isUnavailableError } from '../errors';
import { dbPoolWait } from '../ops/metrics';

interface PostgresRunner {
  releasePostgresConnection(error?: Error): Promise<void>;
}

/**
 * What a route's database work receives: statements in the tenant transaction, and nothing
 * that could begin or end one.
 */
export interface Db {
  /** The rows the statement answers (for a write, its RETURNING rows). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  query<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
}

/**
 * Who a transaction runs as: a user id, a user whose API token is re-checked in the same
 * statement (so a token cache can never outlive a revocation), or null for anonymous.
 */
export type Actor = string | { id: string; tokenHash?: string } | null;

/**
 * How work's statements are grouped into transactions (decision 0007):
 * - 'transaction' (the default): all of them in one. BEGIN, the identity statement and the
 *   first statement leave in one flight, COMMIT when work is done: two round trips.
 * - 'statement': each one in its own, BEGIN, identity, statement and COMMIT in one flight:
 *   one round trip. For work whose first statement does the whole job and whose later
 *   statements only read, to say why the first one found or wrote nothing.
 */
export type Scope = 'transaction' | 'statement';

export type WithTenant = <T>(actor: Actor, work: (db: Db) => Promise<T>, scope?: Scope) => Promise<T>;

// Makes the user id transaction-local (gone at COMMIT or ROLLBACK, so the next client of the
// server connection, through pgBouncer transaction pooling, starts anonymous), and raises when
// the account is not active or the API token not live: that aborts the transaction, so a
// COMMIT already on its way rolls back.
const IDENTITY = 'SELECT app_begin_request($1, $2)';

/**
 * The request lifecycle's heart: a request's database work runs on a pooled connection, in
 * transactions whose first statement sets `app.current_user_id`. The pool's connections are
 * pipelined (src/db/options.ts): statements queued together leave together. Every answer is
 * awaited, and a failed identity check wins over any other failure. Serialization failures
 * and deadlocks are retried once. The caller responds only after this resolves, after COMMIT.
 */
export function tenantTransactions(dataSource: DataSource): WithTenant {
  return async function withTenant<T>(actor: Actor, work: (db: Db) => Promise<T>, scope: Scope = 'transaction'): Promise<T> {
    const userId = typeof actor === 'string' ? actor : actor?.id ?? null;
    const identity = [userId, typeof actor === 'object' ? actor?.tokenHash ?? null : null];
    for (let attempt = 1; ; attempt += 1) {
      const runner = dataSource.createQueryRunner();
      let connection: PoolClient | undefined;
      let open = false;
      let broken: Error | undefined;
      try {
        const waiting = dbPoolWait.startTimer();
        connection = (await runner.connect()) as PoolClient;
        waiting();
        if (scope === 'statement') return await work(statementByStatement(connection, identity));
        open = true;
        const client = connection;
        const begun = client.query('BEGIN');
        const checked = client.query(IDENTITY, identity);
        const db: Db = { query: async (sql, params) => (await client.query(sql, params)).rows };
        const working = (async () => work(db))();
        const [, , worked] = await settled([begun, checked, working]);
        open = false; // COMMIT ends the transaction block whether it commits or fails
        await client.query('COMMIT');
        return worked as T;
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
        if (attempt === 1 && scope === 'transaction' && isRetryableDatabaseError(error)) continue;
        throw error;
      } finally {
        // A connection that failed to roll back is destroyed, never handed to the next request.
        await (runner as unknown as PostgresRunner).releasePostgresConnection(broken);
      }
    }
  };
}

/**
 * The answers of statements queued together, once all of them have settled; else the first
 * failure in queue order. A failed identity check therefore wins over what follows it: every
 * later statement fails with "current transaction is aborted", which says nothing to a client.
 */
async function settled(answers: Array<Promise<unknown>>): Promise<unknown[]> {
  const results = await Promise.allSettled(answers);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value);
}

/**
 * Each statement in a transaction of its own: BEGIN, identity, the statement and COMMIT leave
 * in one flight, one round trip. A statement that fails, or follows a failed identity check,
 * makes that COMMIT a rollback, so no transaction is ever left open. A deadlock is retried once.
 */
function statementByStatement(connection: PoolClient, identity: unknown[]): Db {
  const once = async (sql: string, params?: unknown[]) => {
    const [, , answer] = await settled([
      connection.query('BEGIN'), connection.query(IDENTITY, identity), connection.query(sql, params), connection.query('COMMIT'),
    ]);
    return (answer as { rows: unknown[] }).rows;
  };
  return {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async query(sql: string, params?: unknown[]): Promise<any[]> {
      try {
        return await once(sql, params);
      } catch (error) {
        if (!isRetryableDatabaseError(error)) throw error;
        return once(sql, params);
      }
    },
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
