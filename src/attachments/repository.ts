import type { ObjectLiteral } from 'typeorm';
import { selectList } from '../db/columns';
import type { TenantManager } from '../db/tenant';
import { Document } from '../documents/entity';
import { HttpError } from '../errors';
import { Project } from '../projects/entity';
import { Task } from '../tasks/entity';
import { FileAttachment, type AttachmentEntityType } from './entity';

/**
 * File attachment rows on the request's EntityManager. Each row carries its project, so RLS
 * decides from the row alone: readable with the project, inserted by members, deleted by
 * project admins or the uploader while a member. The one hand-written statement (the insert)
 * is listed with its reason in docs/database.md.
 */
export function attachments(em: TenantManager): AttachmentRepository {
  return new AttachmentRepository(em);
}

/** What a new attachment row holds besides what its parent and RLS give it. */
export type NewAttachment = Pick<FileAttachment,
  'entityType' | 'entityId' | 'filename' | 'originalFilename' | 'fileSize' | 'mimeType' | 'storagePath'>;

// What a file can be attached to, and the column of that row that names its project.
const PARENTS: Record<AttachmentEntityType, { entity: new () => ObjectLiteral; projectColumn: string }> = {
  task: { entity: Task, projectColumn: 'project_id' },
  document: { entity: Document, projectColumn: 'project_id' },
  project: { entity: Project, projectColumn: 'id' },
};

export class AttachmentRepository {
  constructor(private readonly em: TenantManager) {}

  private get rows() {
    return this.em.getRepository(FileAttachment);
  }

  /**
   * Checked before the upload is read, so nobody can make us store a file they could never
   * attach: a parent I cannot see is a 404, one I may only read is a 403.
   */
  async checkWritableParent(entityType: AttachmentEntityType, entityId: string): Promise<void> {
    const { entity, projectColumn } = PARENTS[entityType];
    const parent = await this.em.getRepository(entity).createQueryBuilder('parent')
      .select(`parent.${projectColumn} = ANY ((SELECT app_project_ids('member'))::uuid[])`, 'writable')
      .where('parent.id = :entityId', { entityId })
      .getRawOne<{ writable: boolean }>();
    if (!parent) throw HttpError.notFound();
    if (!parent.writable) throw HttpError.forbidden();
  }

  /**
   * Inserted under the parent as I see it now, in one statement: the parent may have gone
   * since the check (404). The uploader is whoever RLS knows. By hand, as documents' create
   * (INSERT ... SELECT: the builder pairs its SELECT with the columns in entity order).
   */
  async create(file: NewAttachment): Promise<FileAttachment> {
    const { entity, projectColumn } = PARENTS[file.entityType];
    const [row] = await this.em.query(
      `INSERT INTO file_attachments AS a (workspace_id, project_id, entity_type, entity_id, filename, original_filename,
                                          file_size, mime_type, storage_path, uploader_id)
       SELECT parent.workspace_id, parent.${projectColumn}, $2::text, parent.id, $3::text, $4::text, $5::bigint, $6::text,
              $7::text, app_current_user_id()
         FROM ${this.em.getRepository(entity).metadata.tableName} parent
        WHERE parent.id = $1
       RETURNING ${selectList(this.rows.metadata, 'a')}`,
      [file.entityId, file.entityType, file.filename, file.originalFilename, file.fileSize, file.mimeType, file.storagePath]);
    if (!row) throw HttpError.notFound();
    const attachment = this.rows.create(row as FileAttachment);
    // create() applies no column transformer, and pg answers a bigint as text.
    attachment.fileSize = Number(row.fileSize);
    return attachment;
  }

  async byId(id: string): Promise<FileAttachment> {
    const attachment = await this.rows.findOneBy({ id });
    if (!attachment) throw HttpError.notFound();
    return attachment;
  }

  /** Deletes the row and answers where its file is, for removal after COMMIT. */
  async delete(id: string): Promise<string> {
    const result = await this.rows.createQueryBuilder()
      .delete()
      .where('id = :id', { id })
      .returning(selectList(this.rows.metadata, 'file_attachments'))
      .execute();
    const [deleted] = result.raw as FileAttachment[];
    if (deleted) return deleted.storagePath;
    throw (await this.rows.existsBy({ id })) ? HttpError.forbidden() : HttpError.notFound();
  }
}
