import { resolve } from 'node:path';
import { backupDatabase } from './ops/backup';
import { cliArgs, cliConfig, run } from './ops/cli';

// npm run db:backup -- FILE: a pg_dump (custom format) of the whole database, as the owner role.
const { positionals: [file] } = cliArgs('npm run db:backup -- FILE', {}, 1);

run('db:backup', async () => {
  await backupDatabase(cliConfig().migrationDatabaseUrl, resolve(file));
  console.log(`Backup written to ${resolve(file)}.`);
});
