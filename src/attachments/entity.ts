import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation,
} from 'typeorm';
import { Project } from '../projects/entity';
import { User } from '../users/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).
// Attachments are immutable: replacing a file is a delete and a new upload.

export const ATTACHMENT_ENTITY_TYPES = ['task', 'document', 'project'] as const;
export type AttachmentEntityType = (typeof ATTACHMENT_ENTITY_TYPES)[number];

// pg returns bigint as a string; uploads are capped far below 2^53, so a number is exact.
const bigintAsNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'file_attachments' })
@Check('chk_file_size_positive', 'file_size > 0')
@Check('chk_filename_not_empty', 'char_length(filename) > 0')
@Check('chk_attachment_entity_type', `entity_type IN ('task', 'document', 'project')`)
@Index('idx_file_attachments_project_created', ['projectId', 'createdAt', 'id'])
@Index('idx_file_attachments_entity', ['entityType', 'entityId'])
@Index('idx_file_attachments_workspace', ['workspaceId'])
export class FileAttachment {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'file_attachments_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  // Carried for every attachment so its policy needs no polymorphic look-up.
  @Column({ name: 'project_id', type: 'uuid', update: false })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'project_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_file_attachments_project_workspace' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  project: Relation<Project>;

  // What the file is attached to (no foreign key: polymorphic); triggers on tasks and
  // documents delete their attachments.
  @Column({ name: 'entity_type', type: 'varchar', length: 50, update: false })
  entityType: AttachmentEntityType;

  @Column({ name: 'entity_id', type: 'uuid', update: false })
  entityId: string;

  @Column({ type: 'varchar', length: 255, update: false })
  filename: string;

  @Column({ name: 'original_filename', type: 'varchar', length: 255, update: false })
  originalFilename: string;

  @Column({ name: 'file_size', type: 'bigint', transformer: bigintAsNumber, update: false })
  fileSize: number;

  @Column({ name: 'mime_type', type: 'varchar', length: 100, update: false })
  mimeType: string;

  @Column({ name: 'storage_path', type: 'text', update: false })
  storagePath: string;

  @Column({ name: 'uploader_id', type: 'uuid', update: false })
  uploaderId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'uploader_id', foreignKeyConstraintName: 'fk_file_attachments_uploader_id' })
  uploader: Relation<User>;

  @Column({ type: 'jsonb', default: {}, update: false })
  metadata: Record<string, unknown>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}
