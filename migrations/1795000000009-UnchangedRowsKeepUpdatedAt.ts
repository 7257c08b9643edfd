import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `updated_at` moves only when the row changed: an UPDATE that writes the values already
 * there (publishing a published document, a PATCH that repeats the task) kept its version
 * and wrote no audit event or version, but still moved `updatedAt`.
 */
export class UnchangedRowsKeepUpdatedAt1795000000009 implements MigrationInterface {
  name = 'UnchangedRowsKeepUpdatedAt1795000000009';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION audit_trigger_function() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          IF NEW IS DISTINCT FROM OLD THEN
            NEW.updated_at = now();
          END IF;
          RETURN NEW;
        END IF;
        RETURN NULL;
      END $$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION audit_trigger_function() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          NEW.updated_at = now();
          RETURN NEW;
        END IF;
        RETURN NULL;
      END $$`);
  }
}
