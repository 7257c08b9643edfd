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

// A variable set to undefined is left out of the script's environment.
function script(name: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register', join('scripts', `${name}.ts`), ...args], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NODE_ENV: 'test', MIGRATION_DATABASE_URL: testEnv().ownerUrl, ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

// The script on a pseudo-terminal (util-linux `script`), with `input` typed into it.
function inTerminal(name: string, args: string[], input: string): Promise<Outcome> {
  const command = [process.execPath, '-r', 'ts-node/register', join('scripts', `${name}.ts`), ...args].map((a) => `'${a}'`).join(' ');
  return new Promise((resolve) => {
    const child = execFile('script', ['-qec', command, '/dev/null'], {
      cwd: join(__dirname, '..', '..'),
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true', NODE_ENV: 'test', MIGRATION_DATABASE_URL: testEnv().ownerUrl },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
    // Typed once the prompt is up: a terminal would discard what arrives before the program reads.
    let typed = false;
    child.stdout?.on('data', (chunk: Buffer) => {
      if (!typed && chunk.toString().includes('slug to erase it')) {
        typed = true;
        child.stdin?.write(input);
      }
    });
  });
}

async function workspaceExists(id: string): Promise<boolean> {
  const { rows } = await owner().query(`SELECT count(*)::int AS n FROM workspaces WHERE id = $1`, [id]);
  return rows[0].n === 1;
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
    const erased = await script('tenant-erase', [workspace.id, '--confirm', workspace.slug], { UPLOAD_DIR: join(work, 'uploads') });

    expect(exported, exported.stderr).to.include({ code: 0 });
    expect(exported.stdout).to.match(/tasks\.jsonl\s+1 rows/);
    expect(await readdir(dir)).to.include.members(['manifest.json', 'workspaces.jsonl', 'tasks.jsonl', 'users.jsonl']);
    expect(erased, erased.stderr).to.include({ code: 0 });
    expect(erased.stdout).to.match(/projects\s+1 rows/);
    const { rows } = await owner().query(`SELECT count(*)::int AS n FROM workspaces WHERE id = $1`, [workspace.id]);
    expect(rows[0].n).to.equal(0);
  });

  it('tenant:erase --dry-run shows what it would erase and erases nothing', async () => {
    const { workspace } = await aTenant();

    const outcome = await script('tenant-erase', [workspace.id, '--dry-run']);

    expect(outcome, outcome.stderr).to.include({ code: 0 });
    expect(outcome.stdout).to.contain(`Would erase workspace "${workspace.name}" (slug ${workspace.slug}, ${workspace.id}):`);
    expect(outcome.stdout).to.match(/projects\s+1 rows/);
    expect(await workspaceExists(workspace.id)).to.equal(true);
  });

  it('tenant:erase without --confirm and without a terminal to ask erases nothing', async () => {
    const { workspace } = await aTenant();

    const outcome = await script('tenant-erase', [workspace.id]);

    expect(outcome.code).to.equal(1);
    expect(outcome.stderr).to.contain('nothing was erased: give --confirm SLUG');
    expect(await workspaceExists(workspace.id)).to.equal(true);
  });

  it('tenant:erase --confirm with another slug erases nothing', async () => {
    const { workspace } = await aTenant();

    const outcome = await script('tenant-erase', [workspace.id, '--confirm', 'acme']);

    expect(outcome.code).to.equal(1);
    expect(outcome.stderr).to.contain(`"acme" is not the slug of workspace ${workspace.id}; nothing was erased`);
    expect(await workspaceExists(workspace.id)).to.equal(true);
  });

  it('tenant:erase in a terminal asks for the slug, and erases once it is typed', async () => {
    const { workspace } = await aTenant();

    const outcome = await inTerminal('tenant-erase', [workspace.id], `${workspace.slug}\n`);

    expect(outcome.stdout).to.contain('Type the workspace\'s slug to erase it');
    expect(outcome.stdout).to.contain(`Erased workspace "${workspace.name}"`);
    expect(await workspaceExists(workspace.id)).to.equal(false);
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

  it('in production, asks only for MIGRATION_DATABASE_URL: never DATABASE_URL, REDIS_URL or SESSION_SECRET, which no script uses', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const runs: [string, string[]][] = [
      ['db-backup', [join(work, 'x.dump')]], ['db-restore', [join(work, 'x.dump')]], ['db-archive', ['--dry-run']],
      ['tenant-export', [id, join(work, 'export')]], ['tenant-erase', [id, '--dry-run']], ['../seeders/run', []],
    ];
    const production = (owner: string | undefined) => ({
      NODE_ENV: 'production', DATABASE_URL: undefined, REDIS_URL: undefined, SESSION_SECRET: undefined, MIGRATION_DATABASE_URL: owner,
    });
    // A closed port: the script gets past its configuration and fails on connecting, naming no other variable.
    const unreachable = 'postgres://pm_owner:an-owner-password-of-its-own@127.0.0.1:1/pm';

    const withOwner = await Promise.all(runs.map(([name, args]) => script(name, args, production(unreachable))));
    const without = await script('db-archive', ['--dry-run'], production(undefined));

    for (const [i, outcome] of withOwner.entries()) {
      expect(outcome.code, runs[i][0]).to.equal(1);
      expect(outcome.stderr, runs[i][0]).to.contain('ECONNREFUSED');
      expect(outcome.stderr, runs[i][0]).not.to.match(/DATABASE_URL|REDIS_URL|SESSION_SECRET/);
    }
    expect(without.stderr).to.contain('MIGRATION_DATABASE_URL: required when NODE_ENV=production');
    expect(without.stderr).not.to.match(/\b(DATABASE_URL|REDIS_URL|SESSION_SECRET): required/);
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
