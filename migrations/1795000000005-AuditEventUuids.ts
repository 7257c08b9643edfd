import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Activity events get uuid ids like every other resource (SPEC: "uuid ids"). The identity
 * column stays, renamed `seq`: it orders the log exactly, even within one transaction, and
 * the activity list pages by it (the indexes on it follow the rename).
 */
export class AuditEventUuids1795000000005 implements MigrationInterface {
  name = 'AuditEventUuids1795000000005';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit_events RENAME COLUMN id TO seq`);
    await db.query(`ALTER TABLE audit_events ADD COLUMN id uuid NOT NULL DEFAULT gen_random_uuid()`);
    await db.query(`ALTER TABLE audit_events ADD CONSTRAINT audit_events_id_key UNIQUE (id)`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE audit_events DROP CONSTRAINT audit_events_id_key`);
    await db.query(`ALTER TABLE audit_events DROP COLUMN id`);
    await db.query(`ALTER TABLE audit_events RENAME COLUMN seq TO id`);
  }
}
