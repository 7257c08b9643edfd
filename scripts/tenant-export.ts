import { resolve } from 'node:path';
import { cliArgs, cliConfig, requireUuid, run } from './ops/cli';
import { exportTenant } from './ops/tenant';

// npm run tenant:export -- WORKSPACE_ID DIR: every row of the workspace as JSON lines, and its files.
const { positionals: [workspaceId, dir] } = cliArgs('npm run tenant:export -- WORKSPACE_ID DIR', {}, 2);

run('tenant:export', async () => {
  const config = cliConfig();
  const manifest = await exportTenant(config.migrationDatabaseUrl, config.uploadDir, requireUuid(workspaceId, 'WORKSPACE_ID'), resolve(dir));
  console.log(`Exported workspace "${manifest.workspace.name}" (${workspaceId}) to ${resolve(dir)}:`);
  for (const [table, count] of Object.entries(manifest.rows)) console.log(`  ${`${table}.jsonl`.padEnd(24)} ${count} rows`);
  console.log(`  attachments/             ${manifest.attachments.copied} files` +
    (manifest.attachments.missing.length > 0 ? ` (${manifest.attachments.missing.length} missing on disk: see manifest.json)` : ''));
});
