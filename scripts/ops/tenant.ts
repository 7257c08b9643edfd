import { createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { once } from 'node:events';
import { Client } from 'pg';

/**
 * A tenant's data as a whole: export (every row of one workspace as JSON lines per table,
 * plus its attachment files) and erasure (all of it gone, nothing of another tenant
 * touched). Both run as the owner role, which bypasses RLS; the scope is the workspace_id
 * that every tenant table carries, so "the tenant's rows" is one predicate per table.
 */

/** Tables holding tenant rows, from the catalog: workspaces, and every table with a workspace_id. */
async function tenantTables(client: Client): Promise<string[]> {
  const { rows } = await client.query(`
    SELECT c.relname AS table
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped)
     ORDER BY c.relname`);
  return ['workspaces', ...rows.map((row) => row.table as string)];
}

const scopeColumn = (table: string) => (table === 'workspaces' ? 'id' : 'workspace_id');

// A stored path is relative to UPLOAD_DIR (src/attachments/storage.ts); never follow one outside it.
function storedFile(uploadDir: string, storagePath: string): string {
  const root = resolve(uploadDir);
  const file = resolve(root, storagePath);
  if (!file.startsWith(root + sep)) throw new Error(`attachment path escapes the upload directory: ${storagePath}`);
  return file;
}

async function requireWorkspace(client: Client, workspaceId: string, lock = false): Promise<{ name: string; slug: string }> {
  const { rows } = await client.query(`SELECT name, slug FROM workspaces WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [workspaceId]);
  if (rows.length === 0) throw new Error(`no workspace ${workspaceId}`);
  return rows[0];
}

export interface ExportManifest {
  format: 1;
  workspaceId: string;
  workspace: { name: string; slug: string };
  exportedAt: string;
  rows: Record<string, number>;
  attachments: { copied: number; missing: string[] };
}

const PAGE = 1000;

export async function exportTenant(ownerUrl: string, uploadDir: string, workspaceId: string, dir: string): Promise<ExportManifest> {
  const existing = await readdir(dir).catch(() => []);
  if (existing.length > 0) throw new Error(`${dir} is not empty: export into a new directory`);
  // Personal data: readable by the exporting user only.
  await mkdir(join(dir, 'attachments'), { recursive: true, mode: 0o700 });

  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // One snapshot for every table, so the files are consistent with each other.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const workspace = await requireWorkspace(client, workspaceId);
    const rows: Record<string, number> = {};
    for (const table of await tenantTables(client)) {
      rows[table] = await exportTable(client, dir, table, `${client.escapeIdentifier(scopeColumn(table))} = $1`, [workspaceId]);
    }
    // The people the rows name (members, authors, actors), without password hashes.
    rows.users = await exportRows(client, dir, 'users', `
      SELECT row_to_json(u)::jsonb - 'password_hash' AS row, u.id FROM users u
       WHERE u.id IN (SELECT user_id FROM workspace_members WHERE workspace_id = $1
                      UNION SELECT creator_id FROM tasks WHERE workspace_id = $1
                      UNION SELECT author_id FROM documents WHERE workspace_id = $1
                      UNION SELECT author_id FROM document_versions WHERE workspace_id = $1
                      UNION SELECT uploader_id FROM file_attachments WHERE workspace_id = $1
                      UNION SELECT actor_id FROM audit_events WHERE workspace_id = $1)`, [workspaceId]);

    const { rows: files } = await client.query(
      `SELECT id, storage_path FROM file_attachments WHERE workspace_id = $1 ORDER BY id`, [workspaceId]);
    const missing: string[] = [];
    for (const file of files) {
      try {
        await copyFile(storedFile(uploadDir, file.storage_path), join(dir, 'attachments', file.id));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        missing.push(file.id);
      }
    }
    await client.query('COMMIT');

    const manifest: ExportManifest = {
      format: 1, workspaceId, workspace, exportedAt: new Date().toISOString(), rows,
      attachments: { copied: files.length - missing.length, missing },
    };
    await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    return manifest;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

function exportTable(client: Client, dir: string, table: string, where: string, params: unknown[]): Promise<number> {
  const t = client.escapeIdentifier(table);
  return exportRows(client, dir, table, `SELECT row_to_json(t) AS row, t.id FROM ${t} t WHERE ${where}`, params);
}

// Keyset pages by id, compared as the column's own type (uuid or bigint), so each page is an index range.
async function exportRows(client: Client, dir: string, name: string, select: string, params: unknown[]): Promise<number> {
  const out = createWriteStream(join(dir, `${name}.jsonl`), { mode: 0o600 });
  const next = `$${params.length + 1}`;
  let count = 0;
  let after: unknown = null;
  try {
    for (;;) {
      const page: { rows: Array<{ row: unknown; id: unknown }> } = await client.query(
        `SELECT row, id FROM (${select}) page ${after === null ? '' : `WHERE page.id > ${next}`} ORDER BY page.id LIMIT ${PAGE}`,
        after === null ? params : [...params, after],
      );
      for (const { row } of page.rows) {
        if (!out.write(`${JSON.stringify(row)}\n`)) await once(out, 'drain');
      }
      count += page.rows.length;
      if (page.rows.length < PAGE) break;
      after = page.rows[page.rows.length - 1].id;
    }
  } finally {
    out.end();
    await once(out, 'close');
  }
  return count;
}

export interface EraseResult {
  workspace: { name: string; slug: string };
  /** The tenant's rows per table: erased, or with dryRun those that would be. */
  rows: Record<string, number>;
  /** Attachment files removed and already missing; with dryRun, those that would be removed and are missing. */
  files: { removed: number; missing: number };
  dryRun: boolean;
}

/**
 * `dryRun`: count and roll back, touch no file. Otherwise `confirmSlug` must be the
 * workspace's slug, checked on the locked row: the operator names what they erase.
 */
export type EraseMode = { dryRun: true } | { dryRun?: false; confirmSlug: string };

export async function eraseTenant(ownerUrl: string, uploadDir: string, workspaceId: string, mode: EraseMode): Promise<EraseResult> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  let storagePaths: string[];
  let result: Omit<EraseResult, 'files'>;
  try {
    await client.query('BEGIN');
    const workspace = await requireWorkspace(client, workspaceId, true);
    if (!mode.dryRun && mode.confirmSlug !== workspace.slug) {
      throw new Error(`"${mode.confirmSlug}" is not the slug of workspace ${workspaceId}; nothing was erased (--dry-run shows it)`);
    }
    const tables = await tenantTables(client);
    const rows: Record<string, number> = {};
    for (const table of tables) rows[table] = await countTenantRows(client, table, workspaceId);
    storagePaths = (await client.query(`SELECT storage_path FROM file_attachments WHERE workspace_id = $1`, [workspaceId]))
      .rows.map((row) => row.storage_path as string);
    result = { workspace, rows, dryRun: mode.dryRun === true };
    if (mode.dryRun) {
      await client.query('ROLLBACK');
    } else {
      // Every tenant table hangs off workspaces by ON DELETE CASCADE foreign keys...
      await client.query(`DELETE FROM workspaces WHERE id = $1`, [workspaceId]);
      // ...except the audit log, which has no foreign keys (it outlives what it describes) and
      // has just recorded the deletions above.
      await client.query(`DELETE FROM audit_events WHERE workspace_id = $1`, [workspaceId]);
      for (const table of tables) {
        const left = await countTenantRows(client, table, workspaceId);
        if (left > 0) throw new Error(`${left} rows of ${table} survived the erasure; nothing was erased`);
      }
      await client.query('COMMIT');
    }
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }

  // Files cannot be part of the transaction: they go once the rows are committed gone.
  let removed = 0;
  let missing = 0;
  for (const storagePath of storagePaths) {
    const file = storedFile(uploadDir, storagePath);
    const existed = result.dryRun
      ? await access(file).then(() => true, () => false)
      : await rm(file).then(() => true, (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return false;
        throw error;
      });
    if (existed) removed += 1;
    else missing += 1;
  }
  return { ...result, files: { removed, missing } };
}

async function countTenantRows(client: Client, table: string, workspaceId: string): Promise<number> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS n FROM ${client.escapeIdentifier(table)} WHERE ${client.escapeIdentifier(scopeColumn(table))} = $1`,
    [workspaceId],
  );
  return rows[0].n;
}
