import {
  Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, type Relation,
} from 'typeorm';
import { Project } from '../projects/entity';
import { User } from '../users/entity';

// Mirrors migrations/ (see src/users/entity.ts for what update/insert: false mean here).

export const DOCUMENT_STATUSES = ['draft', 'review', 'published', 'archived'] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

@Entity({ name: 'documents' })
@Unique('documents_id_workspace_key', ['id', 'workspaceId'])
@Check('chk_document_version_positive', 'version > 0')
@Check('chk_document_title_not_empty', 'char_length(btrim(title)) > 0')
@Index('idx_documents_project_id', ['projectId'])
@Index('idx_documents_author_id', ['authorId'])
@Index('idx_documents_status', ['status'])
@Index('idx_documents_created_at', ['createdAt'])
@Index('idx_documents_project_status', ['projectId', 'status'])
@Index('idx_documents_metadata_gin', ['metadata'], { type: 'gin' })
@Index('idx_documents_project_created', ['projectId', 'createdAt', 'id'])
@Index('idx_documents_workspace', ['workspaceId'])
export class Document {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'documents_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', update: false })
  workspaceId: string;

  @Column({ name: 'project_id', type: 'uuid', update: false })
  projectId: string;

  @ManyToOne(() => Project, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'project_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_documents_project_workspace' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  project: Relation<Project>;

  @Column({ type: 'varchar', length: 255 })
  title: string;

  @Column({ type: 'text', default: '' })
  content: string;

  @Column({ name: 'content_type', type: 'varchar', length: 50, default: 'markdown' })
  contentType: string;

  @Column({ name: 'author_id', type: 'uuid', update: false })
  authorId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'fk_documents_author_id' })
  author: Relation<User>;

  // The optimistic-concurrency counter (the ETag): a trigger bumps it when title or content
  // change and writes that version to document_versions. Compare it in the UPDATE's WHERE.
  @Column({ type: 'integer', default: 1, insert: false, update: false })
  version: number;

  @Column({ type: 'enum', enum: DOCUMENT_STATUSES, enumName: 'document_status', default: 'draft' })
  status: DocumentStatus;

  @Column({ type: 'text', array: true, default: [] })
  tags: string[];

  @Column({ type: 'jsonb', default: {} })
  metadata: Record<string, unknown>;

  // Why this version exists; the versioning trigger copies it into document_versions.
  @Column({ name: 'change_summary', type: 'text', nullable: true })
  changeSummary: string | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;

  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  updatedAt: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt: Date | null;
}

// Written only by the documents trigger; the application role can only read it.
@Entity({ name: 'document_versions' })
@Unique('document_versions_document_version_key', ['documentId', 'versionNumber'])
@Index('idx_document_versions_workspace', ['workspaceId'])
export class DocumentVersion {
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'document_versions_pkey' })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', insert: false, update: false })
  workspaceId: string;

  @Column({ name: 'document_id', type: 'uuid', insert: false, update: false })
  documentId: string;

  @ManyToOne(() => Document, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'document_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fk_document_versions_document' },
    { name: 'workspace_id', referencedColumnName: 'workspaceId' },
  ])
  document: Relation<Document>;

  @Column({ name: 'version_number', type: 'integer', insert: false, update: false })
  versionNumber: number;

  @Column({ type: 'varchar', length: 255, insert: false, update: false })
  title: string;

  @Column({ type: 'text', insert: false, update: false })
  content: string;

  @Column({ name: 'change_summary', type: 'text', nullable: true, insert: false, update: false })
  changeSummary: string | null;

  @Column({ name: 'author_id', type: 'uuid', insert: false, update: false })
  authorId: string;

  @ManyToOne(() => User)
  @JoinColumn({ name: 'author_id', foreignKeyConstraintName: 'fk_document_versions_author_id' })
  author: Relation<User>;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}
