import { cliArgs, cliConfig, requireUuid, run } from './ops/cli';
import { eraseTenant } from './ops/tenant';

// npm run tenant:erase -- WORKSPACE_ID: the workspace and everything in it, audit log and files included.
const { positionals: [workspaceId] } = cliArgs('npm run tenant:erase -- WORKSPACE_ID', {}, 1);

run('tenant:erase', async () => {
  const config = cliConfig();
  const result = await eraseTenant(config.migrationDatabaseUrl, config.uploadDir, requireUuid(workspaceId, 'WORKSPACE_ID'));
  console.log(`Erased workspace "${result.workspace.name}" (${workspaceId}):`);
  for (const [table, count] of Object.entries(result.rows)) console.log(`  ${table.padEnd(20)} ${count} rows`);
  console.log(`  files                ${result.files.removed} removed${result.files.missing > 0 ? `, ${result.files.missing} already missing` : ''}`);
  console.log('User accounts stay: they are not tenant data (a user may belong to other workspaces).');
});
