import { parseArgs } from 'node:util';
import { readOwnerConfig } from '../src/config';
import { seedDemo } from './demo';
import { scaledLargeOptions, seedLarge } from './large';

/**
 * `npm run seed`: the demo tenants, into the database of MIGRATION_DATABASE_URL (the owner
 * role, direct). Idempotent: a tenant whose workspace exists is left as it is.
 * `npm run seed -- --size large [--scale N]`: the benchmark dataset (1,000,000 tasks; 1/N of it).
 */
async function main(): Promise<void> {
  // Strict: an unknown option is an error, not silently ignored.
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { size: { type: 'string', default: 'demo' }, scale: { type: 'string', default: '1' } },
    strict: true,
    allowPositionals: false,
  });
  const config = readOwnerConfig(process.env);
  if (values.size === 'large') {
    const scale = Number(values.scale);
    if (!Number.isInteger(scale) || scale < 1) throw new Error('--scale must be a whole number of at least 1');
    const result = await seedLarge(config.migrationDatabaseUrl, { ...scaledLargeOptions(scale), log: console.log });
    console.log(result.created ? `Large dataset built in ${result.seconds.toFixed(0)} s` : 'Large dataset already there, left as is', result.counts);
    return;
  }
  if (values.size !== 'demo') throw new Error(`--size must be demo or large, not ${values.size}`);
  const results = await seedDemo(config.migrationDatabaseUrl, config.uploadDir);
  for (const result of results) {
    console.log(`${result.tenant.padEnd(8)} ${result.created ? 'seeded' : 'already there, left as is'} (workspace ${result.workspaceId})`);
  }
  console.log('Data seeded.');
}

main().catch((error: Error) => {
  console.error(`Seeding failed: ${error.message}`);
  process.exit(1);
});
