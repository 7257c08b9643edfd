import { archiveInactive } from './ops/archive';
import { cliArgs, cliConfig, run } from './ops/cli';

// npm run db:archive -- [--days N] [--dry-run]: N from the flag, else ARCHIVE_AFTER_DAYS, else 180.
const { values } = cliArgs('npm run db:archive -- [--days N] [--dry-run]', {
  days: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
}, 0);

run('db:archive', async () => {
  const inactiveDays = Number(values.days ?? process.env.ARCHIVE_AFTER_DAYS ?? 180);
  const dryRun = values['dry-run'] === true;
  const result = await archiveInactive(cliConfig().migrationDatabaseUrl, { inactiveDays, dryRun });
  const verb = dryRun ? 'Would archive' : 'Archived';
  console.log(`${verb} ${result.archivedProjects.length} project(s) inactive for ${inactiveDays} days or more:`);
  for (const p of result.archivedProjects) {
    console.log(`  ${p.id}  workspace ${p.workspaceId}  last activity ${p.lastActivityAt.toISOString()}  ${p.name}`);
  }
  console.log(`${dryRun ? 'Would purge' : 'Purged'} ${result.purgedSessions} expired session(s).`);
});
