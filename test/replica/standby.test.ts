import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { Client } from 'pg';
import { startStandbyPair, type StandbyPair } from '../support/standby';

/** The harness itself: a real streaming standby that replays the primary and refuses writes. */
describe('the streaming standby harness', () => {
  let pair: StandbyPair | undefined;

  before(async function () {
    this.timeout(120_000);
    pair = await startStandbyPair();
  });

  after(async function () {
    this.timeout(60_000);
    await pair?.stop();
  });

  const the = (): StandbyPair => {
    if (!pair) throw new Error('the standby pair did not start');
    return pair;
  };

  async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  async function aUserOnThePrimary(): Promise<string> {
    const tag = randomBytes(5).toString('hex');
    return withClient(the().ownerUrl, async (db) => (await db.query(
      `INSERT INTO users (email, username, password_hash, first_name, last_name)
       VALUES ($1, $2, 'not-a-hash', 'Replica', $3) RETURNING id`,
      [`replica-${tag}@example.test`, `replica_${tag}`, tag],
    )).rows[0].id as string);
  }

  it('serves on the standby a row written on the primary once it has replayed', async () => {
    const id = await aUserOnThePrimary();
    await the().waitForReplay();
    const seen = await withClient(the().ownerStandbyUrl, async (db) =>
      (await db.query('SELECT id, first_name, pg_is_in_recovery() AS standby FROM users WHERE id = $1', [id])).rows);
    expect(seen).to.deep.equal([{ id, first_name: 'Replica', standby: true }]);
  });

  it('refuses a write on the standby with 25006 (read-only transaction)', async () => {
    const error = await withClient(the().ownerStandbyUrl, async (db) =>
      db.query(`INSERT INTO users (email, username, password_hash) VALUES ('no@example.test', 'nobody_here', 'x')`)
        .then(() => undefined, (e: unknown) => e as { code?: string }));
    expect(error?.code).to.equal('25006');
  });

  it('sets the request identity in a READ ONLY transaction on the standby, as the app role', async () => {
    const id = await aUserOnThePrimary();
    await the().waitForReplay();
    const seen = await withClient(the().appStandbyUrl, async (db) => {
      await db.query('BEGIN READ ONLY');
      try {
        const set = (await db.query(`SELECT current_user AS who, set_config('app.current_user_id', $1, true) AS value`, [id])).rows[0];
        // What withTenant runs first on every request: it must work on a replica too.
        await db.query('SELECT app_begin_request($1, NULL)', [id]);
        const read = (await db.query(`SELECT current_setting('app.current_user_id') AS value`)).rows[0].value as string;
        return { who: set.who as string, set: set.value as string, read };
      } finally {
        await db.query('ROLLBACK');
      }
    });
    expect(seen).to.deep.equal({ who: 'pm_app', set: id, read: id });
  });
});
