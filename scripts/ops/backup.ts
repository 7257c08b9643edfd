import { execFile } from 'node:child_process';
import { chmod, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { RLS_TABLES } from '../../migrations/1795000000003-EnableRowLevelSecurity';

/**
 * Backups with pg_dump / pg_restore (custom format) as the OWNER role: it has BYPASSRLS, so
 * the dump holds every row (through RLS it would silently hold only what some user may see).
 * A restore goes into an empty database (made by `npm run db:setup -- --empty`), in one
 * transaction, and is then checked: RLS must still be enabled and forced on every tenant table.
 */
const run = promisify(execFile);

// PG_BIN_DIR picks client binaries matching the server (pg_dump refuses a newer server).
function binary(name: string): string {
  return process.env.PG_BIN_DIR ? join(process.env.PG_BIN_DIR, name) : name;
}

/** The URL without its password (which goes to PGPASSWORD, never onto a command line). */
function connection(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  return { dbname: parsed.toString(), env: { ...process.env, PGPASSWORD: password } };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function requireRowLevelSecurityBypass(client: Client): Promise<void> {
  const { rows } = await client.query(
    `SELECT rolname, rolbypassrls OR rolsuper AS bypasses FROM pg_roles WHERE rolname = current_user`,
  );
  if (!rows[0]?.bypasses) {
    throw new Error(`role ${rows[0]?.rolname} does not bypass row-level security: use the owner role ` +
      '(MIGRATION_DATABASE_URL), or the dump would silently miss rows');
  }
}

export async function backupDatabase(ownerUrl: string, file: string): Promise<void> {
  await withClient(ownerUrl, requireRowLevelSecurityBypass);
  const { dbname, env } = connection(ownerUrl);
  // Written beside the target and renamed at the end: a failed dump never looks like a backup.
  const partial = `${file}.partial`;
  try {
    await run(binary('pg_dump'), ['--format=custom', '--no-password', `--file=${partial}`, `--dbname=${dbname}`], { env });
    await chmod(partial, 0o600); // every row of every tenant, password hashes included
    await rename(partial, file);
  } catch (error) {
    await rm(partial, { force: true });
    throw new Error(`pg_dump: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, { cause: error });
  }
}

export async function restoreDatabase(ownerUrl: string, file: string): Promise<void> {
  await withClient(ownerUrl, async (client) => {
    await requireRowLevelSecurityBypass(client);
    const { rows } = await client.query(
      `SELECT count(*)::int AS tables FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')`,
    );
    if (rows[0].tables > 0) {
      throw new Error(`the database ${client.database} is not empty (${rows[0].tables} tables): restore into a fresh ` +
        'database made by `npm run db:setup -- --empty`');
    }
  });
  const { dbname, env } = connection(ownerUrl);
  try {
    // --no-owner: the restoring owner role owns everything; grants to application_role are kept.
    await run(binary('pg_restore'), [
      '--format=custom', '--no-password', '--no-owner', '--exit-on-error', '--single-transaction', `--dbname=${dbname}`, file,
    ], { env });
  } catch (error) {
    throw new Error(`pg_restore: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`, { cause: error });
  }
  await withClient(ownerUrl, (client) => client.query('ANALYZE'));
  await verifyRowLevelSecurity(ownerUrl);
}

/**
 * Every table the migrations put under RLS, and any table with a workspace_id, must have RLS
 * enabled and forced and at least one policy. Throws naming every table that does not.
 */
export async function verifyRowLevelSecurity(ownerUrl: string): Promise<void> {
  const problems = await withClient(ownerUrl, async (client) => {
    const { rows } = await client.query(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
         AND (c.relname = ANY ($1)
              OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped))
       ORDER BY c.relname`, [RLS_TABLES]);
    const found = new Set(rows.map((row) => row.table as string));
    return [
      ...RLS_TABLES.filter((table) => !found.has(table)).map((table) => `${table}: missing`),
      ...rows.filter((row) => !row.enabled || !row.forced || row.policies === 0).map((row) =>
        `${row.table}: ${[!row.enabled && 'RLS not enabled', !row.forced && 'RLS not forced', row.policies === 0 && 'no policies']
          .filter(Boolean).join(', ')}`),
    ];
  });
  if (problems.length > 0) {
    throw new Error(`row-level security is not intact after the restore; do NOT serve from this database:\n  ${problems.join('\n  ')}`);
  }
}
