import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { bootstrapDatabase } from '../src/db/bootstrap';
import { runMigrations } from '../src/db/migrate';
import { seedDemo } from '../seeders/demo';
import { scaledLargeOptions, seedLarge } from '../seeders/large';

/**
 * The benchmark's databases, prepared when missing and reused when already seeded:
 * `pm_bench_small` holds the demo tenants, `pm_bench_large` the large dataset (a `--scale`
 * other than 1 builds a fraction of it into `pm_bench_large_<scale>`). The roles are the
 * benchmark's own: the app runs as in production, which refuses the test suite's published
 * passwords, and the bootstrap resets these on every run.
 */
export const ROLES = {
  owner: 'pm_bench_owner', ownerPassword: 'bench-owner-local-only',
  app: 'pm_bench_app', appPassword: 'bench-app-local-only',
  // BYPASSRLS and a member of application_role: the same grants without the policies.
  bypass: 'pm_bench_bypass', bypassPassword: 'pm_bench_bypass',
};

export type DatasetName = 'small' | 'large';

export interface Dataset {
  name: DatasetName;
  database: string;
  ownerUrl: string;
  counts: Record<string, number>;
}

export function withDatabase(url: string, database: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}

export async function prepareDataset(
  adminUrl: string, name: DatasetName, scale: number, log: (line: string) => void,
): Promise<Dataset> {
  const database = name === 'small' ? 'pm_bench_small' : scale === 1 ? 'pm_bench_large' : `pm_bench_large_${scale}`;
  await bootstrapDatabase({
    adminUrl, database,
    ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword, appRole: ROLES.app, appPassword: ROLES.appPassword,
    resetPasswords: true,
  });
  await ensureBypassRole(adminUrl, database);
  const ownerUrl = withDatabase(adminUrl, database, ROLES.owner, ROLES.ownerPassword);
  await runMigrations(ownerUrl);

  if (name === 'small') {
    // Idempotent: a tenant that exists is left as it is.
    const results = await seedDemo(ownerUrl, join(tmpdir(), 'pm-bench-uploads'));
    if (results.some((r) => r.created)) log(`${database}: seeded the demo tenants`);
  } else {
    const result = await seedLarge(ownerUrl, { ...scaledLargeOptions(scale), log: (line) => log(`  ${line}`) });
    log(result.created ? `${database}: built the large dataset in ${result.seconds.toFixed(0)} s` : `${database}: reusing the large dataset`);
  }
  return { name, database, ownerUrl, counts: await countAll(ownerUrl) };
}

/** Row counts of the tables the report names (taken again after a cleanup). */
export async function countAll(ownerUrl: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Estimates from the statistics would do, but exact counts cost a second at most.
    const { rows } = await client.query(`
      SELECT (SELECT count(*) FROM workspaces)::int AS workspaces, (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM projects)::int AS projects, (SELECT count(*) FROM tasks)::int AS tasks,
             (SELECT count(*) FROM documents)::int AS documents`);
    return rows[0];
  } finally {
    await client.end();
  }
}

/** The measuring role: what the app role may do, without the policies. Needs a superuser. */
async function ensureBypassRole(adminUrl: string, database: string): Promise<void> {
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [ROLES.bypass]);
    const verb = found.rowCount ? 'ALTER' : 'CREATE';
    await admin.query(`${verb} ROLE ${ROLES.bypass} WITH LOGIN NOSUPERUSER BYPASSRLS INHERIT NOCREATEDB NOCREATEROLE PASSWORD '${ROLES.bypassPassword}'`);
    await admin.query(`GRANT application_role TO ${ROLES.bypass}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${database} TO ${ROLES.bypass}`);
  } finally {
    await admin.end();
  }
}
