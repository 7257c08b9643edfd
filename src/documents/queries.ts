import type { z } from 'zod';
import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import { toPage, type Page } from '../http/pagination';
import type { CreateDocument, UpdateDocument } from './schemas';

/**
 * Documents and their versions, as SQL under the tenant transaction: RLS decides what is
 * visible and writable. The versioning is the database's: a BEFORE trigger sets and bumps
 * `version` (the app role cannot write it), an AFTER trigger writes document_versions.
 */
export interface DocumentRow {
  id: string;
  workspaceId: string;
  projectId: string;
  title: string;
  content: string;
  contentType: string;
  authorId: string;
  version: number;
  status: string;
  tags: string[];
  metadata: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
}

/** The document's columns as the API names them; `d` qualifies them where a join makes names ambiguous. */
const documentColumns = (d = '') => `${d}id, ${d}workspace_id AS "workspaceId", ${d}project_id AS "projectId",
  ${d}title, ${d}content, ${d}content_type AS "contentType", ${d}author_id AS "authorId", ${d}version,
  ${d}status, ${d}tags, ${d}metadata, ${d}created_at AS "createdAt", ${d}updated_at AS "updatedAt",
  ${d}published_at AS "publishedAt"`;
const DOCUMENT = documentColumns();

const VERSION_SUMMARY = `id, document_id AS "documentId", version_number AS "versionNumber", title,
  change_summary AS "changeSummary", author_id AS "authorId", created_at AS "createdAt"`;

// The exact (microsecond) timestamp for a cursor: a JS Date would drop the microseconds.
const EXACT_CREATED_AT = `to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const WRITABLE = `project_id = ANY ((SELECT app_project_ids('member'))::uuid[])`;


const notFound = () => HttpError.notFound();

async function documentIsVisible(db: Db, id: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM documents WHERE id = $1`, [id])).length > 0;
}

/**
 * Why a write matched no row: hidden from me (404), read-only for me (403), or, given the
 * version the client expected, changed since (412).
 */
async function whyNotWritten(db: Db, id: string, expectedVersion?: number): Promise<HttpError> {
  const [document] = await db.query<{ version: number; writable: boolean }>(
    `SELECT version, ${WRITABLE} AS writable FROM documents WHERE id = $1`, [id]);
  if (!document) return notFound();
  if (!document.writable) return HttpError.forbidden();
  if (expectedVersion === 0) {
    return HttpError.preconditionFailed(`A weak ETag never matches If-Match; send the document's ETag as given, "${document.version}".`);
  }
  return HttpError.preconditionFailed(
    `The document has changed: it is at version ${document.version}${expectedVersion ? `, not ${expectedVersion}` : ''}. Fetch it again.`);
}

export async function projectIsVisible(db: Db, projectId: string): Promise<boolean> {
  return (await db.query(`SELECT 1 FROM projects WHERE id = $1`, [projectId])).length > 0;
}

export async function listDocuments(
  db: Db,
  projectId: string,
  options: { limit: number; after?: [string, string]; status?: string },
): Promise<Page<DocumentRow>> {
  const params: unknown[] = [projectId];
  const where = ['project_id = $1'];
  if (options.status) {
    params.push(options.status);
    where.push(`status = $${params.length}::document_status`);
  }
  if (options.after) {
    params.push(...options.after);
    where.push(`(created_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(options.limit + 1);
  const found = await db.query<DocumentRow & { cursorAt: string }>(
    `SELECT ${DOCUMENT}, ${EXACT_CREATED_AT} AS "cursorAt"
       FROM documents
      WHERE ${where.join(' AND ')}
      ORDER BY created_at DESC, id DESC
      LIMIT $${params.length}`, params);
  // A document I can read means a project I can read: only an empty page asks which it is.
  if (found.length === 0 && !(await projectIsVisible(db, projectId))) throw notFound();
  return toPage(found, options.limit, ({ cursorAt: _, ...document }) => document, (row) => [row.cursorAt, row.id]);
}

/** Inserts under the project as I see it: hidden -> 404; RLS WITH CHECK refusing a non-member -> 403. */
export async function createDocument(db: Db, userId: string, projectId: string, body: z.output<typeof CreateDocument>): Promise<DocumentRow> {
  const [document] = await db.query<DocumentRow>(
    `INSERT INTO documents (workspace_id, project_id, title, content, content_type, author_id, status, tags, metadata, published_at)
     SELECT p.workspace_id, p.id, $2::text, $3::text, $4::text, $5::uuid, $6::document_status, $7::text[], $8::jsonb,
            CASE WHEN $6::document_status = 'published' THEN now() END
       FROM projects p
      WHERE p.id = $1
     RETURNING ${DOCUMENT}`,
    [projectId, body.title, body.content ?? '', body.contentType ?? 'markdown', userId, body.status ?? 'draft',
      body.tags ?? [], JSON.stringify(body.metadata ?? {})]);
  if (!document) throw notFound();
  return document;
}

export async function getDocument(db: Db, id: string): Promise<DocumentRow> {
  const [document] = await db.query<DocumentRow>(`SELECT ${DOCUMENT} FROM documents WHERE id = $1`, [id]);
  if (!document) throw notFound();
  return document;
}

/**
 * Compare-and-set on the version: of two updates racing with the same If-Match, the second
 * waits for the first's row lock, re-reads the row, no longer matches, and gets a 412.
 * change_summary is always set, so a stale summary is never copied into the next version.
 */
export async function updateDocument(db: Db, id: string, expectedVersion: number, body: z.output<typeof UpdateDocument>): Promise<DocumentRow> {
  const [document] = await db.query<DocumentRow>(
    `UPDATE documents
        SET title = COALESCE($3, title),
            content = COALESCE($4, content),
            content_type = COALESCE($5, content_type),
            tags = COALESCE($6::text[], tags),
            metadata = COALESCE($7::jsonb, metadata),
            change_summary = $8,
            status = COALESCE($9::document_status, status),
            published_at = CASE WHEN $9::document_status = 'published' AND published_at IS NULL THEN now() ELSE published_at END
      WHERE id = $1 AND version = $2
     RETURNING ${DOCUMENT}`,
    [id, expectedVersion, body.title ?? null, body.content ?? null, body.contentType ?? null, body.tags ?? null,
      body.metadata ? JSON.stringify(body.metadata) : null, body.changeSummary ?? null, body.status ?? null]);
  if (!document) throw await whyNotWritten(db, id, expectedVersion);
  return document;
}

/** RLS lets project admins delete any document and members their own. */
/** Answers the files of the attachments that went with the document, to remove after COMMIT. */
export async function deleteDocument(db: Db, id: string): Promise<string[]> {
  const [deleted] = await db.query<{ files: string[] }>(
    `WITH files AS (SELECT storage_path FROM file_attachments WHERE entity_type = 'document' AND entity_id = $1),
          gone AS (DELETE FROM documents WHERE id = $1 RETURNING id)
     SELECT ARRAY(SELECT storage_path FROM files) AS files FROM gone`, [id]);
  if (!deleted) throw (await documentIsVisible(db, id)) ? HttpError.forbidden() : notFound();
  return deleted.files;
}

/**
 * Publishing keeps the first publication time; like any change, it is a new version, whose
 * summary says so rather than repeating the last edit's (publishing again is none).
 */
export async function publishDocument(db: Db, id: string): Promise<DocumentRow> {
  const [document] = await db.query<DocumentRow>(
    `UPDATE documents
        SET status = 'published',
            published_at = CASE WHEN status = 'published' AND published_at IS NOT NULL THEN published_at ELSE now() END,
            change_summary = CASE WHEN status = 'published' THEN change_summary ELSE 'Published' END
      WHERE id = $1
     RETURNING ${DOCUMENT}`, [id]);
  if (!document) throw await whyNotWritten(db, id);
  return document;
}

export interface VersionRow {
  id: string;
  documentId: string;
  versionNumber: number;
  title: string;
  changeSummary: string | null;
  authorId: string;
  createdAt: Date;
  content?: string;
}

export async function listVersions(db: Db, documentId: string, options: { limit: number; before?: number }): Promise<Page<VersionRow>> {
  const found = await db.query<VersionRow>(
    `SELECT ${VERSION_SUMMARY}
       FROM document_versions
      WHERE document_id = $1 AND ($2::int IS NULL OR version_number < $2::int)
      ORDER BY version_number DESC
      LIMIT $3`,
    [documentId, options.before ?? null, options.limit + 1]);
  if (found.length === 0 && !(await documentIsVisible(db, documentId))) throw notFound();
  return toPage(found, options.limit, (row) => row, (row) => [row.versionNumber]);
}

export async function getVersion(db: Db, documentId: string, versionNumber: number): Promise<VersionRow> {
  const [version] = await db.query<VersionRow>(
    `SELECT ${VERSION_SUMMARY}, content FROM document_versions WHERE document_id = $1 AND version_number = $2`,
    [documentId, versionNumber]);
  if (!version) throw notFound();
  return version;
}

/**
 * Writes an old version's title and content as the document's next version. Restoring
 * what the document already holds changes nothing (the trigger bumps only on a change).
 */
export async function restoreVersion(db: Db, documentId: string, versionNumber: number, expectedVersion?: number): Promise<DocumentRow> {
  const [document] = await db.query<DocumentRow>(
    `UPDATE documents d
        SET title = v.title, content = v.content,
            -- the summary too, or restoring what is there would rewrite it without a new version
            change_summary = CASE WHEN (d.title, d.content) IS DISTINCT FROM (v.title, v.content)
                                  THEN 'Restored from version ' || v.version_number ELSE d.change_summary END
       FROM document_versions v
      WHERE d.id = $1 AND v.document_id = d.id AND v.version_number = $2
        AND ($3::int IS NULL OR d.version = $3::int)
     RETURNING ${documentColumns('d.')}`,
    [documentId, versionNumber, expectedVersion ?? null]);
  if (document) return document;
  if (!(await documentIsVisible(db, documentId))) throw notFound();
  await getVersion(db, documentId, versionNumber);
  throw await whyNotWritten(db, documentId, expectedVersion);
}
