import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { seedDemo } from '../../seeders/demo';
import { backupDatabase, restoreDatabase, verifyRowLevelSecurity } from '../../scripts/ops/backup';
import { fingerprint, scratchDatabase, withClient, type ScratchDatabase } from '../support/ops-factories';

describe('db:backup and db:restore', function () {
  this.timeout(120_000);
  let work: string;
  let source: ScratchDatabase;
  let backup: string;
  const scratch: ScratchDatabase[] = [];

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-backup-'));
    source = await scratchDatabase({ migrate: true });
    await seedDemo(source.ownerUrl, join(work, 'uploads'));
    backup = join(work, 'seeded.dump');
    await backupDatabase(source.ownerUrl, backup);
  });

  after(async () => {
    for (const db of [source, ...scratch]) await db?.drop();
    await rm(work, { recursive: true, force: true });
  });

  async function emptyTarget(): Promise<ScratchDatabase> {
    const db = await scratchDatabase({ migrate: false });
    scratch.push(db);
    return db;
  }

  it('writes a custom-format dump readable by its owner only', async () => {
    const file = await stat(backup);
    expect(file.size).to.be.greaterThan(10_000);
    expect(file.mode & 0o777).to.equal(0o600);
  });

  it('round-trips a seeded database: every table has the same rows, by count and checksum', async () => {
    const target = await emptyTarget();

    await restoreDatabase(target.ownerUrl, backup);

    const before = await fingerprint(source.ownerUrl);
    const after = await fingerprint(target.ownerUrl);
    expect(before.tasks.rows).to.be.greaterThan(150);
    expect(before.audit_events.rows).to.be.greaterThan(0);
    expect(after).to.deep.equal(before);
  });

  it('leaves row-level security enabled and forced, so the application role still sees only its tenant', async () => {
    const target = await emptyTarget();
    await restoreDatabase(target.ownerUrl, backup);

    const visible = await withClient(target.appUrl, async (client) => {
      await client.query('BEGIN');
      const { rows: [alice] } = await client.query(`SELECT user_id FROM app_login_candidate('alice@acme.test')`);
      await client.query(`SELECT set_config('app.current_user_id', $1, true)`, [alice.user_id]);
      const { rows } = await client.query(`SELECT DISTINCT w.slug FROM projects p JOIN workspaces w ON w.id = p.workspace_id
                                            WHERE p.visibility <> 'public' ORDER BY 1`);
      await client.query('ROLLBACK');
      return rows.map((row) => row.slug);
    });
    expect(visible).to.deep.equal(['acme']);
  });

  it('refuses to restore into a database that is not empty, and changes nothing there', async () => {
    const before = await fingerprint(source.ownerUrl);

    const error = await restoreDatabase(source.ownerUrl, backup).catch((e: Error) => e);

    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.match(/not empty/);
    expect(await fingerprint(source.ownerUrl)).to.deep.equal(before);
  });

  it('refuses to dump as a role subject to row-level security, which would silently miss rows', async () => {
    const file = join(work, 'as-app.dump');

    const error = await backupDatabase(source.appUrl, file).catch((e: Error) => e);

    expect((error as Error).message).to.match(/does not bypass row-level security/);
    expect(await stat(file).catch(() => null)).to.equal(null);
  });

  it('fails loudly, naming the table, when a restored tenant table has lost FORCE ROW LEVEL SECURITY', async () => {
    const target = await emptyTarget();
    await restoreDatabase(target.ownerUrl, backup);
    await withClient(target.ownerUrl, (client) => client.query('ALTER TABLE tasks NO FORCE ROW LEVEL SECURITY'));

    const error = await verifyRowLevelSecurity(target.ownerUrl).catch((e: Error) => e);

    expect((error as Error).message).to.match(/tasks: RLS not forced/);
    expect((error as Error).message).not.to.match(/projects:/);
  });
});
