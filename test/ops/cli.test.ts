import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { owner } from '../support/db';
import { ROLES, testEnv, uniqueDatabaseName, withDatabase } from '../support/env';
import { aTenant } from '../support/factories';
import { scratchDatabase, withClient } from '../support/ops-factories';

/** The scripts as an operator runs them: arguments, output and exit codes. */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function script(name: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register', join('scripts', `${name}.ts`), ...args], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NODE_ENV: 'test', MIGRATION_DATABASE_URL: testEnv().ownerUrl, ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

describe('the operations scripts on the command line', function () {
  this.timeout(60_000);
  let work: string;
  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-cli-'));
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  it('db:backup and db:restore copy the database into an empty one and report RLS intact', async () => {
    const target = await scratchDatabase({ migrate: false });
    try {
      const file = join(work, 'test.dump');
      const backup = await script('db-backup', [file]);
      expect(backup, backup.stderr).to.include({ code: 0 });
      expect(backup.stdout).to.contain(`Backup written to ${file}`);

      const restore = await script('db-restore', [file], { MIGRATION_DATABASE_URL: target.ownerUrl });

      expect(restore, restore.stderr).to.include({ code: 0 });
      expect(restore.stdout).to.contain('row-level security is enabled and forced on every tenant table');
    } finally {
      await target.drop();
    }
  });

  it('tenant:export then tenant:erase take a workspace out, from the command line', async () => {
    const { workspace } = await aTenant();
    const dir = join(work, 'export');

    const exported = await script('tenant-export', [workspace.id, dir], { UPLOAD_DIR: join(work, 'uploads') });
    const erased = await script('tenant-erase', [workspace.id], { UPLOAD_DIR: join(work, 'uploads') });

    expect(exported, exported.stderr).to.include({ code: 0 });
    expect(exported.stdout).to.match(/tasks\.jsonl\s+1 rows/);
    expect(await readdir(dir)).to.include.members(['manifest.json', 'workspaces.jsonl', 'tasks.jsonl', 'users.jsonl']);
    expect(erased, erased.stderr).to.include({ code: 0 });
    expect(erased.stdout).to.match(/projects\s+1 rows/);
    const { rows } = await owner().query(`SELECT count(*)::int AS n FROM workspaces WHERE id = $1`, [workspace.id]);
    expect(rows[0].n).to.equal(0);
  });

  it('db:setup creates the roles and database, then migrates; with --empty it leaves the database empty for a restore', async () => {
    const { adminUrl } = testEnv();
    const names = [uniqueDatabaseName('pm_setup'), uniqueDatabaseName('pm_setup')];
    const envFor = (name: string) => ({
      ADMIN_DATABASE_URL: adminUrl,
      MIGRATION_DATABASE_URL: withDatabase(adminUrl, name, ROLES.owner, ROLES.ownerPassword),
      DATABASE_URL: withDatabase(adminUrl, name, ROLES.app, ROLES.appPassword),
    });
    const tables = (name: string) => withClient(withDatabase(adminUrl, name), async (client) =>
      (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`)).rows[0].n as number);
    try {
      const migrated = await script('db-setup', [], envFor(names[0]));
      const again = await script('db-setup', [], envFor(names[0]));
      const empty = await script('db-setup', ['--empty'], envFor(names[1]));

      expect(migrated, migrated.stderr).to.include({ code: 0 });
      expect(migrated.stdout).to.match(/Migrations applied: CreateRolesAndTypes\d+/);
      expect(again.stdout).to.contain('Migrations: already up to date.');
      expect(await tables(names[0])).to.be.greaterThan(10);
      expect(empty, empty.stderr).to.include({ code: 0 });
      expect(await tables(names[1])).to.equal(0);
    } finally {
      await withClient(adminUrl, async (client) => {
        for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      });
    }
  });

  it('db:archive --dry-run reports what it would archive and purge', async () => {
    const outcome = await script('db-archive', ['--days', '3650', '--dry-run']);
    expect(outcome, outcome.stderr).to.include({ code: 0 });
    expect(outcome.stdout).to.match(/^Would archive \d+ project\(s\) inactive for 3650 days or more:/);
    expect(outcome.stdout).to.match(/Would purge \d+ expired session\(s\)\./);
  });

  it('refuses unknown options and missing arguments with the usage, exit code 2', async () => {
    const unknown = await script('db-archive', ['--force']);
    const missing = await script('tenant-export', ['00000000-0000-4000-8000-000000000000']);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('Usage: npm run db:archive -- [--days N] [--dry-run]');
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('Usage: npm run tenant:export -- WORKSPACE_ID DIR');
  });

  it('fails with exit code 1 and a message for a workspace id that is not a uuid', async () => {
    const outcome = await script('tenant-erase', ['acme']);
    expect(outcome.code).to.equal(1);
    expect(outcome.stderr).to.contain('tenant:erase failed: WORKSPACE_ID must be a uuid, got "acme"');
  });

  it('seed refuses an unknown size or option instead of silently seeding the demo data', async () => {
    const unknownSize = await script('../seeders/run', ['--size', 'huge']);
    expect(unknownSize.code).to.equal(1);
    expect(unknownSize.stderr).to.match(/Seeding failed: --size must be demo or large/);
    const unknownOption = await script('../seeders/run', ['--tenants', '5']);
    expect(unknownOption.code).to.equal(1);
    expect(unknownOption.stderr).to.match(/Seeding failed: Unknown option '--tenants'/);
  });
});
