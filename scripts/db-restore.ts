import { resolve } from 'node:path';
import { restoreDatabase } from './ops/backup';
import { cliArgs, cliConfig, run } from './ops/cli';

// npm run db:restore -- FILE: into the (empty) database of MIGRATION_DATABASE_URL, then checks RLS.
const { positionals: [file] } = cliArgs('npm run db:restore -- FILE', {}, 1);

run('db:restore', async () => {
  await restoreDatabase(cliConfig().migrationDatabaseUrl, resolve(file));
  console.log(`Restored ${resolve(file)}; row-level security is enabled and forced on every tenant table.`);
});
