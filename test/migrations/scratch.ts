import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { adminUrlFromEnv, uniqueDatabaseName, withDatabase } from '../support/env';

/**
 * Throw-away databases for the migration tests, created and migrated by the superuser of
 * TEST_DATABASE_URL. They do not use the run's shared database: these tests take the
 * schema down to nothing and up again. An unreachable server fails the test, never skips it.
 */
export class ScratchDatabases {
  private readonly created: string[] = [];
  private readonly adminUrl = adminUrlFromEnv();

  async create(): Promise<string> {
    const name = uniqueDatabaseName('mig');
    await this.admin(`CREATE DATABASE "${name}"`);
    this.created.push(name);
    return withDatabase(this.adminUrl, name);
  }

  async dropAll(): Promise<void> {
    if (process.env.KEEP_TEST_DATABASE) return;
    for (const name of this.created.splice(0)) await this.admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }

  private async admin(sql: string): Promise<void> {
    const client = new Client({ connectionString: this.adminUrl, connectionTimeoutMillis: 5_000 });
    try {
      await client.connect();
    } catch (error) {
      throw new Error(`PostgreSQL is not reachable at ${this.adminUrl.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`,
        { cause: error });
    }
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }
}

export async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/**
 * `pg_dump --schema-only --no-owner` without (or with) privileges, minus what changes from
 * one dump to the next without the schema changing: comments (they carry names and
 * versions) and the per-dump random `\restrict` keys of recent pg_dump releases.
 */
export async function schemaDump(url: string, opts: { privileges: boolean; exclude?: string[] }): Promise<string> {
  const args = ['--schema-only', '--no-owner', `--dbname=${url}`];
  if (!opts.privileges) args.push('--no-privileges');
  for (const pattern of opts.exclude ?? []) args.push(`--exclude-table=${pattern}`);
  const { stdout } = await promisify(execFile)(process.env.PG_DUMP ?? 'pg_dump', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !/^\\(un)?restrict\b/.test(line))
    .join('\n');
}
