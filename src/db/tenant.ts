import type { PoolClient } from 'pg';
import type { DataSource, EntityManager } from 'typeorm';
import { HttpError, isRetryableDatabaseError, isUnavailableError } from '../errors';
import { dbPoolWait } from '../ops/metrics';

interface PostgresRunner {
  releasePostgresConnection(error?: Error): Promise<void>;
}

/**
 * What a route's database work receives: the request's EntityManager (its QueryRunner's,
 * inside the tenant transaction), narrowed to what reads and writes rows. Nothing here can
 * begin or end a transaction or reach the DataSource; each resource's repository wraps it.
 */
export type TenantManager = Pick<EntityManager, 'getRepository' | 'query'>;

/**
 * Who a transaction runs as: a user id, a user whose API token is re-checked in the same
 * statement (so a token cache can never outlive a revocation), or null for anonymous.
 * `readOnly` work (a safe GET) runs in a READ ONLY transaction, on a replica when there is one.
 */
export type Actor = string | { id: string | null; tokenHash?: string; readOnly?: boolean } | null;

/**
 * How work's statements are grouped into transactions (decision 0007):
 * - 'transaction' (the default): all of them in one. BEGIN, the identity statement and the
 *   first statement leave in one flight, COMMIT when work is done: two round trips.
 * - 'statement': each one in its own, BEGIN, identity, statement and COMMIT in one flight:
 *   one round trip. For work whose first statement does the whole job and whose later
 *   statements only read, to say why the first one found or wrote nothing.
 */
export type Scope = 'transaction' | 'statement';

export type WithTenant = <T>(actor: Actor, work: (em: TenantManager) => Promise<T>, scope?: Scope) => Promise<T>;

// Makes the user id transaction-local (gone at COMMIT or ROLLBACK, so the next client of the
// server connection, through pgBouncer transaction pooling, starts anonymous), and raises when
// the account is not active or the API token not live: that aborts the transaction, so a
// COMMIT already on its way rolls back.
const IDENTITY = 'SELECT app_begin_request($1, $2)';

/** The parts of TypeORM's Postgres QueryRunner that withTenant steers. */
interface PostgresRunner {
  isTransactionActive: boolean;
  databaseConnection: PoolClient;
  releasePostgresConnection(error?: Error): Promise<void>;
}

/**
 * The request lifecycle's heart: a request's database work runs through a TypeORM
 * QueryRunner on a pooled connection, in transactions whose first statement sets
 * `app.current_user_id`. The pool's connections are pipelined (src/db/options.ts):
 * statements queued together leave together. Every answer is awaited, and a failed identity
 * check wins over any other failure. Serialization failures and deadlocks are retried once.
 * The caller responds only after this resolves, after COMMIT. Read-only work takes a replica
 * connection when the DataSource has replicas (TypeORM's `replication`), else the primary's.
 */
export function tenantTransactions(dataSource: DataSource): WithTenant {
  return async function withTenant<T>(actor: Actor, work: (em: TenantManager) => Promise<T>, scope: Scope = 'transaction'): Promise<T> {
    const userId = typeof actor === 'string' ? actor : actor?.id ?? null;
    const identity = [userId, typeof actor === 'object' ? actor?.tokenHash ?? null : null];
    const readOnly = typeof actor === 'object' && actor?.readOnly === true;
    const begin = readOnly ? 'BEGIN READ ONLY' : 'BEGIN';
    for (let attempt = 1; ; attempt += 1) {
      const runner = dataSource.createQueryRunner(readOnly ? 'slave' : 'master');
      const steered = runner as unknown as PostgresRunner;
      let connection: PoolClient | undefined;
      let open = false;
      let broken: Error | undefined;
      try {
        const waiting = dbPoolWait.startTimer();
        connection = (await runner.connect()) as PoolClient;
        waiting();
        // The transaction is ours: TypeORM must never open (or COMMIT) one of its own inside it.
        steered.isTransactionActive = true;
        if (scope === 'statement') {
          steered.databaseConnection = statementByStatement(connection, begin, identity);
          return await work(runner.manager);
        }
        open = true;
        const client = connection;
        const begun = client.query(begin);
        const checked = client.query(IDENTITY, identity);
        // The work's first statement reaches the connection within this turn: one flight.
        const working = (async () => work(runner.manager))();
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
        if (connection) steered.databaseConnection = connection; // the pool gets back its own client
        steered.isTransactionActive = false;
        // A connection that failed to roll back is destroyed, never handed to the next request.
        await steered.releasePostgresConnection(broken);
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
 * The connection TypeORM sees in 'statement' scope: each statement it sends leaves inside a
 * transaction of its own, BEGIN, identity, statement and COMMIT in one flight (one round
 * trip). TypeORM calls query() only once the statement is ready, so nothing can overtake it.
 * A statement that fails, or follows a failed identity check, makes that COMMIT a rollback,
 * so no transaction is ever left open. A deadlock is retried once.
 */
function statementByStatement(connection: PoolClient, begin: string, identity: unknown[]): PoolClient {
  const once = async (sql: string, params?: unknown[]) => {
    const [, , answer] = await settled([
      connection.query(begin), connection.query(IDENTITY, identity), connection.query(sql, params), connection.query('COMMIT'),
    ]);
    return answer;
  };
  const flight = Object.create(connection) as PoolClient;
  Object.assign(flight, {
    async query(sql: string, params?: unknown[]) {
      try {
        return await once(sql, params);
      } catch (error) {
        if (!isRetryableDatabaseError(error)) throw error;
        return once(sql, params);
      }
    },
  });
  return flight;
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
