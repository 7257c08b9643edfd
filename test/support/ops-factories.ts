import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client } from 'pg';
import { bootstrapDatabase } from '../../src/db/bootstrap';
import { runMigrations } from '../../src/db/migrate';
import { owner } from './db';
import { ROLES, testEnv, uniqueDatabaseName, withDatabase } from './env';
import type { TestUser } from './factories';

/**
 * For the operations tests: databases of their own (a seeded source, an empty restore
 * target), attachments with real files, and fingerprints (row count and checksum of every
 * table) to prove what changed and what did not.
 */
export interface ScratchDatabase {
  name: string;
  ownerUrl: string;
  /** The application role, straight to PostgreSQL. */
  appUrl: string;
  /** A superuser connection to this database (for arranging what the owner may not, e.g. backdating). */
  adminUrl: string;
  drop(): Promise<void>;
}

export async function scratchDatabase(options: { migrate: boolean }): Promise<ScratchDatabase> {
  const { adminUrl } = testEnv();
  const name = uniqueDatabaseName('pm_ops');
  await bootstrapDatabase({
    adminUrl, database: name, ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword, appRole: ROLES.app, appPassword: ROLES.appPassword,
  });
  const ownerUrl = withDatabase(adminUrl, name, ROLES.owner, ROLES.ownerPassword);
  if (options.migrate) await runMigrations(ownerUrl);
  return {
    name,
    ownerUrl,
    appUrl: withDatabase(adminUrl, name, ROLES.app, ROLES.appPassword),
    adminUrl: withDatabase(adminUrl, name),
    async drop() {
      await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

export async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export type Fingerprint = Record<string, { rows: number; checksum: string }>;

/**
 * Every table's row count and md5 of all its rows in id order, plus every sequence's last
 * value. With `exceptWorkspace`, the rows of that workspace (and the sequences) are left
 * out, so what remains is "everything else", which an erasure must not touch.
 */
export async function fingerprint(url: string, options: { exceptWorkspace?: string } = {}): Promise<Fingerprint> {
  return withClient(url, async (client) => {
    const { rows: tables } = await client.query(`
      SELECT c.relname AS table,
             EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id') AS scoped
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname`);
    const result: Fingerprint = {};
    for (const { table, scoped } of tables) {
      const column = table === 'workspaces' ? 'id' : scoped ? 'workspace_id' : null;
      const where = options.exceptWorkspace && column ? `WHERE t.${column} IS DISTINCT FROM $1` : '';
      const { rows } = await client.query(
        `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.id), '')) AS checksum
           FROM "${table}" t ${where}`,
        where ? [options.exceptWorkspace] : [],
      );
      result[table] = rows[0];
    }
    if (options.exceptWorkspace) return result; // sequences are shared counters, not anyone's rows
    const { rows: sequences } = await client.query(
      `SELECT sequencename AS name, last_value::text AS value FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1`);
    for (const sequence of sequences) result[`sequence ${sequence.name}`] = { rows: 0, checksum: String(sequence.value) };
    return result;
  });
}

/** A file on disk under `uploadDir` and its file_attachments row, laid out as the attachments module does. */
export async function anAttachment(
  project: { id: string; workspaceId: string }, uploader: TestUser, uploadDir: string,
  entity: { type: 'task' | 'document' | 'project'; id: string },
): Promise<{ id: string; storagePath: string; content: string }> {
  const storagePath = `files/${randomUUID()}`;
  const content = `attachment ${randomUUID()}\n`;
  await mkdir(join(uploadDir, 'files'), { recursive: true });
  await writeFile(join(uploadDir, storagePath), content);
  const { rows } = await owner().query(
    `INSERT INTO file_attachments (workspace_id, project_id, entity_type, entity_id, filename, original_filename,
                                   file_size, mime_type, storage_path, uploader_id)
     VALUES ($1, $2, $3, $4, 'notes.txt', 'notes.txt', $5, 'text/plain', $6, $7) RETURNING id`,
    [project.workspaceId, project.id, entity.type, entity.id, Buffer.byteLength(content), storagePath, uploader.id],
  );
  return { id: rows[0].id, storagePath, content };
}
