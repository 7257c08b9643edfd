import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy target role and the enum types. Roles are cluster-wide and shared by every
 * database of the cluster (tests, demo), so the role is created only when missing and is
 * never dropped by `down` (another database may still use it).
 */
export class CreateRolesAndTypes1795000000000 implements MigrationInterface {
  name = 'CreateRolesAndTypes1795000000000';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      DO $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'application_role') THEN
          CREATE ROLE application_role NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
        END IF;
      END
      $$`);

    await db.query(`CREATE TYPE user_status AS ENUM ('active', 'inactive', 'suspended', 'deleted')`);
    await db.query(`CREATE TYPE workspace_role AS ENUM ('owner', 'admin', 'member', 'guest')`);
    await db.query(`CREATE TYPE project_status AS ENUM ('active', 'completed', 'archived', 'cancelled')`);
    await db.query(`CREATE TYPE project_visibility AS ENUM ('private', 'internal', 'public')`);
    await db.query(`CREATE TYPE project_role AS ENUM ('owner', 'admin', 'member', 'viewer')`);
    await db.query(`CREATE TYPE task_status AS ENUM ('pending', 'in_progress', 'review', 'done', 'cancelled', 'blocked')`);
    await db.query(`CREATE TYPE task_priority AS ENUM ('low', 'medium', 'high', 'urgent')`);
    await db.query(`CREATE TYPE dependency_type AS ENUM ('blocks', 'relates_to', 'duplicates', 'subtask_of')`);
    await db.query(`CREATE TYPE document_status AS ENUM ('draft', 'review', 'published', 'archived')`);
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const type of [
      'document_status', 'dependency_type', 'task_priority', 'task_status', 'project_role',
      'project_visibility', 'project_status', 'workspace_role', 'user_status',
    ]) {
      await db.query(`DROP TYPE ${type}`);
    }
  }
}
