import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { expect } from 'chai';
import { testEnv, uniqueDatabaseName, withDatabase } from '../support/env';
import { withClient } from '../support/ops-factories';

/**
 * `npm run db:setup` on a shared cluster, as an operator runs it: with roles of this test's
 * own (never the suite's pm_owner/pm_app, whose passwords other runs rely on), so what it
 * does to an existing role's password is visible and harms nobody.
 */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

function dbSetup(args: string[], env: Record<string, string>): Promise<Outcome> {
  const clean = { ...process.env };
  for (const name of ['DATABASE_URL', 'MIGRATION_DATABASE_URL', 'ADMIN_DATABASE_URL']) delete clean[name];
  return new Promise((resolve) => {
    execFile(process.execPath, ['-r', 'ts-node/register', join('scripts', 'db-setup.ts'), ...args], {
      cwd: join(__dirname, '..', '..'),
      env: { ...clean, TS_NODE_TRANSPILE_ONLY: 'true', NODE_ENV: 'development', ...env },
    }, (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }));
  });
}

describe('db:setup', function () {
  this.timeout(120_000);
  const suffix = randomBytes(3).toString('hex');
  const ownerRole = `pm_setup_owner_${suffix}`;
  const appRole = `pm_setup_app_${suffix}`;
  const databases: string[] = [];

  const admin = () => testEnv().adminUrl;
  const envFor = (database: string, ownerPassword: string, appPassword: string) => ({
    ADMIN_DATABASE_URL: admin(),
    MIGRATION_DATABASE_URL: withDatabase(admin(), database, ownerRole, ownerPassword),
    DATABASE_URL: withDatabase(admin(), database, appRole, appPassword),
  });
  const storedPasswords = () => withClient(admin(), async (client) => {
    const { rows } = await client.query<{ rolname: string; rolpassword: string }>(
      'SELECT rolname, rolpassword FROM pg_authid WHERE rolname = ANY($1) ORDER BY rolname', [[ownerRole, appRole]]);
    return Object.fromEntries(rows.map((row) => [row.rolname, row.rolpassword]));
  });
  const aDatabaseName = () => {
    const name = uniqueDatabaseName('pm_setup');
    databases.push(name);
    return name;
  };

  after(async () => {
    await withClient(admin(), async (client) => {
      for (const name of databases) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      for (const role of [ownerRole, appRole]) await client.query(`DROP ROLE IF EXISTS "${role}"`);
    });
  });

  it('refuses to run without the URLs that name the roles and their passwords: no default password, nothing created', async () => {
    const before = await withClient(admin(), async (client) =>
      (await client.query(`SELECT count(*)::int AS n FROM pg_roles`)).rows[0].n as number);

    const outcome = await dbSetup([], { ADMIN_DATABASE_URL: admin() });

    expect(outcome.code, outcome.stdout).to.equal(1);
    expect(outcome.stderr).to.contain('MIGRATION_DATABASE_URL: required');
    expect(outcome.stderr).to.contain('DATABASE_URL: required');
    const after = await withClient(admin(), async (client) =>
      (await client.query(`SELECT count(*)::int AS n FROM pg_roles`)).rows[0].n as number);
    expect(after).to.equal(before);
  });

  it('creates roles with the given passwords, then leaves an existing role\'s password alone unless --reset-passwords', async () => {
    const database = aDatabaseName();
    const created = await dbSetup(['--empty'], envFor(database, 'first-owner-password', 'first-app-password'));
    expect(created, created.stderr).to.include({ code: 0 });
    expect(created.stdout).to.contain(`Created roles: ${ownerRole}, ${appRole}.`);
    const first = await storedPasswords();
    expect(Object.keys(first)).to.have.length(2);

    const again = await dbSetup(['--empty'], envFor(database, 'other-owner-password', 'other-app-password'));
    expect(again, again.stderr).to.include({ code: 0 });
    expect(again.stdout).to.contain(`Roles that existed kept their passwords: ${ownerRole}, ${appRole}`);
    expect(await storedPasswords()).to.deep.equal(first);

    const reset = await dbSetup(['--empty', '--reset-passwords'], envFor(database, 'other-owner-password', 'other-app-password'));
    expect(reset, reset.stderr).to.include({ code: 0 });
    expect(reset.stdout).to.contain(`Passwords set from the URLs: ${ownerRole}, ${appRole}.`);
    const after = await storedPasswords();
    expect(after[ownerRole]).not.to.equal(first[ownerRole]);
    expect(after[appRole]).not.to.equal(first[appRole]);
  });

  it('sets up a database that already exists under another owner (a hosting provider\'s), and the migrations then run', async () => {
    const database = aDatabaseName();
    await withClient(admin(), (client) => client.query(`CREATE DATABASE "${database}"`));

    const outcome = await dbSetup([], envFor(database, 'owner-password', 'app-password'));

    expect(outcome, outcome.stderr).to.include({ code: 0 });
    expect(outcome.stdout).to.contain(`Database "${database}" existed (owned by`);
    expect(outcome.stdout).to.match(/Migrations applied: CreateRolesAndTypes\d+/);
    const tables = await withClient(withDatabase(admin(), database), async (client) =>
      (await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1`, [ownerRole])).rows[0].n as number);
    expect(tables).to.be.greaterThan(10);
  });
});
