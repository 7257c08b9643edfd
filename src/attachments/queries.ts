import type { Db } from '../db/tenant';
import { HttpError } from '../errors';
import type { AttachmentEntityType } from './schemas';

/**
 * File attachment rows under the tenant transaction. Each row carries its project, so
 * RLS decides from the row alone: readable with the project, inserted by members,
 * deleted by project admins or the uploader while a member.
 */
export interface AttachmentRow {
  id: string;
  workspaceId: string;
  projectId: string;
  entityType: AttachmentEntityType;
  entityId: string;
  filename: string;
  size: number;
  mimeType: string;
  uploaderId: string;
  createdAt: Date;
}

const ATTACHMENT = `id, workspace_id AS "workspaceId", project_id AS "projectId", entity_type AS "entityType",
  entity_id AS "entityId", original_filename AS filename, file_size::float8 AS size, mime_type AS "mimeType",
  uploader_id AS "uploaderId", created_at AS "createdAt"`;

// What a file can be attached to, as the row that gives its project and workspace.
const PARENTS: Record<AttachmentEntityType, string> = {
  task: `SELECT project_id, workspace_id FROM tasks WHERE id = $1`,
  document: `SELECT project_id, workspace_id FROM documents WHERE id = $1`,
  project: `SELECT id AS project_id, workspace_id FROM projects WHERE id = $1`,
};


/**
 * Checked before the upload is read, so nobody can make us store a file they could never
 * attach: a parent I cannot see is a 404, one I may only read is a 403.
 */
export async function checkWritableParent(db: Db, entityType: AttachmentEntityType, entityId: string): Promise<void> {
  const [parent] = await db.query<{ writable: boolean }>(
    `SELECT parent.project_id = ANY ((SELECT app_project_ids('member'))::uuid[]) AS writable
       FROM (${PARENTS[entityType]}) parent`, [entityId]);
  if (!parent) throw HttpError.notFound();
  if (!parent.writable) throw HttpError.forbidden();
}

export interface NewAttachment {
  entityType: AttachmentEntityType;
  entityId: string;
  storageId: string;
  storagePath: string;
  originalFilename: string;
  size: number;
  mimeType: string;
  uploaderId: string;
}

/** Inserted under the parent as I see it now (it may have gone since the check: 404). */
export async function insertAttachment(db: Db, file: NewAttachment): Promise<AttachmentRow> {
  const [attachment] = await db.query<AttachmentRow>(
    `INSERT INTO file_attachments (workspace_id, project_id, entity_type, entity_id, filename, original_filename,
                                   file_size, mime_type, storage_path, uploader_id)
     SELECT parent.workspace_id, parent.project_id, $2::text, $1::uuid, $3::text, $4::text, $5::bigint, $6::text,
            $7::text, $8::uuid
       FROM (${PARENTS[file.entityType]}) parent
     RETURNING ${ATTACHMENT}`,
    [file.entityId, file.entityType, file.storageId, file.originalFilename, file.size, file.mimeType,
      file.storagePath, file.uploaderId]);
  if (!attachment) throw HttpError.notFound();
  return attachment;
}

export async function getAttachment(db: Db, id: string): Promise<AttachmentRow & { storagePath: string }> {
  const [attachment] = await db.query<AttachmentRow & { storagePath: string }>(
    `SELECT ${ATTACHMENT}, storage_path AS "storagePath" FROM file_attachments WHERE id = $1`, [id]);
  if (!attachment) throw HttpError.notFound();
  return attachment;
}

/** Deletes the row and answers where its file is, for removal after COMMIT. */
export async function deleteAttachment(db: Db, id: string): Promise<string> {
  const [deleted] = await db.query<{ storagePath: string }>(
    `DELETE FROM file_attachments WHERE id = $1 RETURNING storage_path AS "storagePath"`, [id]);
  if (deleted) return deleted.storagePath;
  const visible = await db.query(`SELECT 1 FROM file_attachments WHERE id = $1`, [id]);
  throw visible.length > 0 ? HttpError.forbidden() : HttpError.notFound();
}
