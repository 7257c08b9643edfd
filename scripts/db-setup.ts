import { readSetupConfig } from '../src/config';
import { bootstrapDatabase } from '../src/db/bootstrap';
import { runMigrations } from '../src/db/migrate';
import { cliArgs, run } from './ops/cli';

/**
 * npm run db:setup -- [--empty] [--reset-passwords]: what a superuser does once
 * (ADMIN_DATABASE_URL): the roles and the database named by MIGRATION_DATABASE_URL (owner)
 * and DATABASE_URL (app login role), then the migrations, unless --empty (a database to
 * restore a backup into). All three URLs are required: no password is ever a default. A role
 * that exists keeps its password (it may serve another deployment) unless --reset-passwords.
 */
const USAGE = 'ADMIN_DATABASE_URL=... MIGRATION_DATABASE_URL=... DATABASE_URL=... npm run db:setup -- [--empty] [--reset-passwords]';
const { values } = cliArgs(USAGE, {
  empty: { type: 'boolean', default: false },
  'reset-passwords': { type: 'boolean', default: false },
}, 0);

run('db:setup', async () => {
  const config = readSetupConfig(process.env);
  const owner = new URL(config.migrationDatabaseUrl);
  const app = new URL(config.databaseUrl);
  const database = decodeURIComponent(owner.pathname.slice(1));
  const result = await bootstrapDatabase({
    adminUrl: config.adminUrl, database,
    ownerRole: decodeURIComponent(owner.username), ownerPassword: decodeURIComponent(owner.password) || undefined,
    appRole: decodeURIComponent(app.username), appPassword: decodeURIComponent(app.password) || undefined,
    resetPasswords: values['reset-passwords'] === true,
  });
  if (result.createdRoles.length > 0) console.log(`Created roles: ${result.createdRoles.join(', ')}.`);
  if (result.passwordsReset.length > 0) console.log(`Passwords set from the URLs: ${result.passwordsReset.join(', ')}.`);
  if (result.passwordsKept.length > 0) {
    console.log(`Roles that existed kept their passwords: ${result.passwordsKept.join(', ')} (--reset-passwords sets them from the URLs).`);
  }
  console.log(result.databaseCreated
    ? `Created database "${database}", owned by ${result.databaseOwner}.`
    : `Database "${database}" existed (owned by ${result.databaseOwner}); granted what ${owner.username} and ${app.username} need in it.`);
  if (values.empty) return;
  const applied = await runMigrations(config.migrationDatabaseUrl);
  console.log(applied.length > 0 ? `Migrations applied: ${applied.join(', ')}.` : 'Migrations: already up to date.');
});
