import { Client, Pool, type PoolClient } from 'pg';
import { testEnv } from './env';

/**
 * Direct database access for tests. The owner pool (BYPASSRLS) only arranges data and
 * inspects results; anything that claims to prove an access rule runs as the application
 * role through asAppUser().
 */
let ownerPool: Pool | undefined;

export function owner(): Pool {
  ownerPool ??= new Pool({ connectionString: testEnv().ownerUrl, max: 4 });
  return ownerPool;
}

export async function closeOwnerPool(): Promise<void> {
  await ownerPool?.end();
  ownerPool = undefined;
}

/**
 * Runs `work` as the application role with app.current_user_id set to `userId` ('': the
 * anonymous value a pooled connection reads; null: never set), in a transaction that is
 * always rolled back.
 */
export async function asAppUser<T>(userId: string | null, work: (db: PoolClient | Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: testEnv().appDirectUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // null leaves the setting unset (a fresh connection); '' is what a pooled one reads later.
    if (userId !== null) await client.query(`SELECT set_config('app.current_user_id', $1, true)`, [userId]);
    return await work(client);
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

// Another role's wait events are visible to a superuser only: ask through the admin URL.
/** Waits until the backend `pid` waits for a lock (another transaction holds it). */
export async function waitUntilBlocked(pid: number): Promise<void> {
  const admin = new Client({ connectionString: testEnv().adminUrl });
  await admin.connect();
  try {
    for (let i = 0; i < 500; i += 1) {
      const { rows } = await admin.query('SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1', [pid]);
      if (rows[0]?.wait_event_type === 'Lock') return;
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    await admin.end();
  }
  throw new Error('the second transaction never waited for the first: the two did not overlap');
}

/** Opens a transaction on `client` acting as `userId`, as withTenant does (for tests that interleave two). */
export async function beginAs(client: Client, userId: string): Promise<void> {
  await client.query('BEGIN');
  await client.query('SELECT app_begin_request($1, NULL)', [userId]);
}
