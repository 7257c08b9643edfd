import { createInterface } from 'node:readline/promises';
import { cliArgs, cliConfig, requireUuid, run } from './ops/cli';
import { eraseTenant, type EraseResult } from './ops/tenant';

/**
 * npm run tenant:erase -- WORKSPACE_ID [--dry-run | --confirm SLUG]: the workspace and
 * everything in it, audit log and files included. Nothing is erased unless the operator
 * names the workspace's slug: with --confirm, or typed at the prompt after a dry run.
 */
const USAGE = 'npm run tenant:erase -- WORKSPACE_ID [--dry-run | --confirm SLUG]';
const { positionals: [workspaceId], values } = cliArgs(USAGE, {
  'dry-run': { type: 'boolean', default: false },
  confirm: { type: 'string' },
}, 1);

function report(id: string, result: EraseResult): void {
  const verb = result.dryRun ? 'Would erase' : 'Erased';
  console.log(`${verb} workspace "${result.workspace.name}" (slug ${result.workspace.slug}, ${id}):`);
  for (const [table, count] of Object.entries(result.rows)) console.log(`  ${table.padEnd(20)} ${count} rows`);
  console.log(`  files                ${result.files.removed} ${result.dryRun ? 'to remove' : 'removed'}` +
    `${result.files.missing > 0 ? `, ${result.files.missing} already missing` : ''}`);
}

async function askForSlug(): Promise<string> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question('Type the workspace\'s slug to erase it (anything else cancels): ')).trim();
  } finally {
    prompt.close();
  }
}

run('tenant:erase', async () => {
  const config = cliConfig();
  const id = requireUuid(workspaceId, 'WORKSPACE_ID');
  if (values['dry-run'] && values.confirm !== undefined) throw new Error('--dry-run and --confirm exclude each other');
  let confirmSlug = values.confirm;
  if (confirmSlug === undefined) {
    report(id, await eraseTenant(config.migrationDatabaseUrl, config.uploadDir, id, { dryRun: true }));
    if (values['dry-run']) return;
    if (!process.stdin.isTTY) throw new Error('nothing was erased: give --confirm SLUG (no terminal to ask for it)');
    confirmSlug = await askForSlug();
  }
  report(id, await eraseTenant(config.migrationDatabaseUrl, config.uploadDir, id, { confirmSlug }));
  console.log('User accounts stay: they are not tenant data (a user may belong to other workspaces).');
});
