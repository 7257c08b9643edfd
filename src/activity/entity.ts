import { Check, Column, Entity, Index, PrimaryGeneratedColumn, Unique } from 'typeorm';

// Mirrors migrations/. Written only by record_audit_event(); the application role may only
// read it, so no column is ever inserted or updated through TypeORM. No relations: the
// log has no foreign keys, it outlives what it describes.

export const AUDIT_OPERATIONS = ['INSERT', 'UPDATE', 'DELETE'] as const;
export type AuditOperation = (typeof AUDIT_OPERATIONS)[number];

@Entity({ name: 'audit_events' })
@Check('chk_audit_operation', `operation IN ('INSERT', 'UPDATE', 'DELETE')`)
@Index('idx_audit_events_project', ['projectId', 'seq'])
@Index('idx_audit_events_workspace', ['workspaceId', 'seq'])
@Unique('audit_events_id_key', ['id'])
export class AuditEvent {
  // The log's order, exact even within a transaction. bigint: pg returns it as a string,
  // which keeps keyset cursors exact.
  @PrimaryGeneratedColumn('identity', {
    name: 'seq', type: 'bigint', generatedIdentity: 'ALWAYS', primaryKeyConstraintName: 'audit_events_pkey',
  })
  seq: string;

  // What the API calls the event, a uuid like every other resource's id.
  @Column({ type: 'uuid', generated: 'uuid', insert: false, update: false })
  id: string;

  @Column({ name: 'workspace_id', type: 'uuid', insert: false, update: false })
  workspaceId: string;

  @Column({ name: 'project_id', type: 'uuid', nullable: true, insert: false, update: false })
  projectId: string | null;

  // The transaction's app.current_user_id; null when no user was set (migrations, seeds).
  @Column({ name: 'actor_id', type: 'uuid', nullable: true, insert: false, update: false })
  actorId: string | null;

  @Column({ name: 'table_name', type: 'varchar', length: 63, insert: false, update: false })
  tableName: string;

  @Column({ name: 'row_id', type: 'uuid', insert: false, update: false })
  rowId: string;

  @Column({ type: 'varchar', length: 6, insert: false, update: false })
  operation: AuditOperation;

  @Column({ name: 'changed_fields', type: 'text', array: true, default: [], insert: false, update: false })
  changedFields: string[];

  // Changed columns only for an UPDATE, the whole row for INSERT/DELETE; never document content.
  @Column({ type: 'jsonb', nullable: true, insert: false, update: false })
  before: Record<string, unknown> | null;

  @Column({ type: 'jsonb', nullable: true, insert: false, update: false })
  after: Record<string, unknown> | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()', insert: false, update: false })
  createdAt: Date;
}
