import { z } from 'zod';
import { LessThan, type QueryDeepPartialEntity } from 'typeorm';
import { cursorTime, selectList } from '../db/columns';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import { Project } from '../projects/entity';
import { Document, DocumentVersion } from './entity';
import type { CreateDocument, ListDocumentsQuery, ListVersionsQuery, UpdateDocument } from './schemas';

/**
 * Documents and their versions, on the request's EntityManager: RLS decides what is visible
 * and writable. The versioning is the database's: a BEFORE trigger sets and bumps `version`
 * (the app role cannot write it), an AFTER trigger writes document_versions, in the statement
 * that changed the document. The hand-written statements (creating a document, deleting one,
 * restoring a version) are listed with their reasons in docs/database.md.
 */
export function documents(em: TenantManager): DocumentRepository {
  return new DocumentRepository(em);
}

const DOCUMENT_CURSOR = z.tuple([z.iso.datetime(), z.uuid()]);
const VERSION_CURSOR = z.tuple([z.number().int().min(1)]);

// Whether I may change the document: what the UPDATE policy asks, to tell 403 from 412.
const WRITABLE = `d.project_id = ANY ((SELECT app_project_ids('member'))::uuid[])`;

const notFound = () => HttpError.notFound();

export class DocumentRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(Document);
  }

  private get versions() {
    return this.em.getRepository(DocumentVersion);
  }

  /** A document I can read means a project I can read: only an empty page asks which it is. */
  async pageOfProject(projectId: string, query: z.output<typeof ListDocumentsQuery>): Promise<Page<Document>> {
    const after = decodeCursor(query.cursor, DOCUMENT_CURSOR);
    const page = this.rows.createQueryBuilder('d')
      .addSelect(cursorTime('d.created_at'), 'createdKey')
      .where('d.projectId = :projectId', { projectId })
      .orderBy('d.createdAt', 'DESC').addOrderBy('d.id', 'DESC')
      .limit(query.limit + 1);
    if (query.status) page.andWhere('d.status = :status', { status: query.status });
    if (after) page.andWhere('(d.created_at, d.id) < (CAST(:afterAt AS timestamptz), CAST(:afterId AS uuid))', { afterAt: after[0], afterId: after[1] });
    const { entities, raw } = await page.getRawAndEntities();
    if (entities.length === 0 && !(await this.em.getRepository(Project).existsBy({ id: projectId }))) throw notFound();
    const createdKeys = new Map(raw.map((row: { d_id: string; createdKey: string }) => [row.d_id, row.createdKey]));
    return toPage(entities, query.limit, (document) => document, (document) => [createdKeys.get(document.id), document.id]);
  }

  /**
   * Inserted from the project as I see it, in one statement: a hidden project inserts nothing
   * (404); RLS WITH CHECK refusing a non-member is a 403. The author is whoever RLS knows.
   * By hand: the builder's valuesFromSelect() pairs the SELECT with the columns in entity
   * order, not by name, which a reordered entity would silently break.
   */
  async create(projectId: string, body: z.output<typeof CreateDocument>): Promise<Document> {
    const [row] = await this.em.query(
      `INSERT INTO documents AS d (workspace_id, project_id, title, content, content_type, author_id, status, tags, metadata, published_at)
       SELECT p.workspace_id, p.id, $2::text, $3::text, $4::text, app_current_user_id(), $5::document_status, $6::text[], $7::jsonb,
              CASE WHEN $5::document_status = 'published' THEN now() END
         FROM projects p
        WHERE p.id = $1
       RETURNING ${selectList(this.rows.metadata, 'd')}`,
      [projectId, body.title, body.content ?? '', body.contentType ?? 'markdown', body.status ?? 'draft',
        body.tags ?? [], JSON.stringify(body.metadata ?? {})]);
    if (!row) throw notFound();
    return this.rows.create(row as Document);
  }

  async byId(id: string): Promise<Document> {
    const document = await this.rows.findOneBy({ id });
    if (!document) throw notFound();
    return document;
  }

  /**
   * Compare-and-set on the version, one statement: of two updates racing with the same
   * If-Match, the second waits for the first's row lock, re-reads the row, no longer matches,
   * and gets a 412. change_summary is always set, so a stale summary is never copied into the
   * next version.
   */
  async update(id: string, expectedVersion: number, body: z.output<typeof UpdateDocument>): Promise<Document> {
    const { changeSummary, metadata, ...fields } = body;
    const changes: QueryDeepPartialEntity<Document> = {
      ...fields,
      metadata: metadata as QueryDeepPartialEntity<Document['metadata']> | undefined, // free-form JSON; undefined is left alone
      changeSummary: changeSummary ?? null,
    };
    // The first publication stamps publishedAt; later ones keep it.
    if (body.status === 'published') changes.publishedAt = () => 'coalesce(published_at, now())';
    const result = await this.rows.createQueryBuilder()
      .update()
      .set(changes)
      .where('id = :id AND version = :expectedVersion', { id, expectedVersion })
      .returning(selectList(this.rows.metadata, 'documents'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as Document[];
    if (!row) throw await this.whyNotWritten(id, expectedVersion);
    return this.rows.create(row);
  }

  /**
   * Why a write matched no row: hidden from me (404), read-only for me (403), or, given the
   * version the client expected, changed since (412).
   */
  private async whyNotWritten(id: string, expectedVersion?: number): Promise<HttpError> {
    const current = await this.rows.createQueryBuilder('d')
      .select('d.version', 'version')
      .addSelect(WRITABLE, 'writable')
      .where('d.id = :id', { id })
      .getRawOne<{ version: number; writable: boolean }>();
    if (!current) return notFound();
    if (!current.writable) return HttpError.forbidden();
    if (expectedVersion === 0) {
      return HttpError.preconditionFailed(`A weak ETag never matches If-Match; send the document's ETag as given, "${current.version}".`);
    }
    return HttpError.preconditionFailed(
      `The document has changed: it is at version ${current.version}${expectedVersion ? `, not ${expectedVersion}` : ''}. Fetch it again.`);
  }

  /**
   * RLS lets project admins delete any document and members their own. Answers the files of
   * the attachments that went with the document, to remove after COMMIT.
   */
  async delete(id: string): Promise<string[]> {
    const [deleted] = await this.rows.query(
      `WITH files AS (SELECT storage_path FROM file_attachments WHERE entity_type = 'document' AND entity_id = $1),
            gone AS (DELETE FROM documents WHERE id = $1 RETURNING id)
       SELECT ARRAY(SELECT storage_path FROM files) AS files FROM gone`, [id]);
    if (!deleted) throw (await this.rows.existsBy({ id })) ? HttpError.forbidden() : notFound();
    return deleted.files;
  }

  /**
   * Publishing keeps the first publication time; like any change, it is a new version, whose
   * summary says so rather than repeating the last edit's (publishing again is none).
   */
  async publish(id: string): Promise<Document> {
    const result = await this.rows.createQueryBuilder()
      .update()
      .set({
        status: 'published',
        publishedAt: () => `CASE WHEN status = 'published' AND published_at IS NOT NULL THEN published_at ELSE now() END`,
        changeSummary: () => `CASE WHEN status = 'published' THEN change_summary ELSE 'Published' END`,
      })
      .where('id = :id', { id })
      .returning(selectList(this.rows.metadata, 'documents'))
      .updateEntity(false)
      .execute();
    const [row] = result.raw as Document[];
    if (!row) throw await this.whyNotWritten(id);
    return this.rows.create(row);
  }

  // --- versions -----------------------------------------------------------------------------

  /** Newest first, without their content. */
  async pageOfVersions(documentId: string, query: z.output<typeof ListVersionsQuery>): Promise<Page<DocumentVersion>> {
    const [before] = decodeCursor(query.cursor, VERSION_CURSOR) ?? [];
    const found = await this.versions.find({
      select: { id: true, documentId: true, versionNumber: true, title: true, changeSummary: true, authorId: true, createdAt: true },
      where: before === undefined ? { documentId } : { documentId, versionNumber: LessThan(before) },
      order: { versionNumber: 'DESC' },
      take: query.limit + 1,
    });
    if (found.length === 0 && !(await this.rows.existsBy({ id: documentId }))) throw notFound();
    return toPage(found, query.limit, (version) => version, (version) => [version.versionNumber]);
  }

  async version(documentId: string, versionNumber: number): Promise<DocumentVersion> {
    const version = await this.versions.findOneBy({ documentId, versionNumber });
    if (!version) throw notFound();
    return version;
  }

  /**
   * Writes an old version's title and content as the document's next version, in one
   * statement (UPDATE ... FROM, which the query builder cannot write; a CTE, because
   * TypeORM answers a bare UPDATE as [rows, count]). Restoring what the document already
   * holds changes nothing (the trigger bumps only on a change).
   */
  async restore(documentId: string, versionNumber: number, expectedVersion?: number): Promise<Document> {
    const [row] = await this.rows.query(
      `WITH restored AS (
         UPDATE documents d
            SET title = v.title, content = v.content,
                -- the summary too, or restoring what is there would rewrite it without a new version
                change_summary = CASE WHEN (d.title, d.content) IS DISTINCT FROM (v.title, v.content)
                                      THEN 'Restored from version ' || v.version_number ELSE d.change_summary END
           FROM document_versions v
          WHERE d.id = $1 AND v.document_id = d.id AND v.version_number = $2
            AND ($3::int IS NULL OR d.version = $3::int)
         RETURNING ${selectList(this.rows.metadata, 'd')})
       SELECT * FROM restored`,
      [documentId, versionNumber, expectedVersion ?? null]);
    if (row) return this.rows.create(row as Document);
    if (!(await this.rows.existsBy({ id: documentId }))) throw notFound();
    await this.version(documentId, versionNumber);
    throw await this.whyNotWritten(documentId, expectedVersion);
  }
}
