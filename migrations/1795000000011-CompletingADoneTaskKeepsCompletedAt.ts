import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Completing a task that is already done keeps the time it was completed; completing it
 * again only touches updated_at, which the API reads to tell a write RLS allowed (200) from
 * one it refused (403).
 */
export class CompletingADoneTaskKeepsCompletedAt1795000000011 implements MigrationInterface {
  name = 'CompletingADoneTaskKeepsCompletedAt1795000000011';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION complete_task(task_uuid uuid) RETURNS void
      LANGUAGE plpgsql SET search_path = pg_catalog, public
      AS $$
      BEGIN
        UPDATE tasks
           SET status = 'done',
               completed_at = CASE WHEN status = 'done' THEN coalesce(completed_at, now()) ELSE now() END,
               updated_at = now()
         WHERE id = task_uuid;
      END $$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION complete_task(task_uuid uuid) RETURNS void
      LANGUAGE plpgsql SET search_path = pg_catalog, public
      AS $$
      BEGIN
        UPDATE tasks
           SET status = 'done', completed_at = now(), updated_at = now()
         WHERE id = task_uuid;
      END $$`);
  }
}
