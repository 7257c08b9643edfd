import { bootstrapDatabase } from '../src/db/bootstrap';
import { runMigrations } from '../src/db/migrate';
import { cliArgs, cliConfig, run } from './ops/cli';

/**
 * npm run db:setup -- [--empty]: what a superuser does once (ADMIN_DATABASE_URL): the roles and
 * the database named by MIGRATION_DATABASE_URL (owner) and DATABASE_URL (app login role),
 * then the migrations, unless --empty (a database to restore a backup into).
 */
const { values } = cliArgs('ADMIN_DATABASE_URL=postgres://superuser@host/postgres npm run db:setup -- [--empty]', {
  empty: { type: 'boolean', default: false },
}, 0);

run('db:setup', async () => {
  const adminUrl = process.env.ADMIN_DATABASE_URL;
  if (!adminUrl) throw new Error('ADMIN_DATABASE_URL (a superuser connection) is required');
  const config = cliConfig();
  const owner = new URL(config.migrationDatabaseUrl);
  const app = new URL(config.databaseUrl);
  const database = decodeURIComponent(owner.pathname.slice(1));
  await bootstrapDatabase({
    adminUrl, database,
    ownerRole: decodeURIComponent(owner.username), ownerPassword: decodeURIComponent(owner.password),
    appRole: decodeURIComponent(app.username), appPassword: decodeURIComponent(app.password),
  });
  console.log(`Roles and database "${database}" are in place.`);
  if (values.empty) return;
  const applied = await runMigrations(config.migrationDatabaseUrl);
  console.log(applied.length > 0 ? `Migrations applied: ${applied.join(', ')}.` : 'Migrations: already up to date.');
});
