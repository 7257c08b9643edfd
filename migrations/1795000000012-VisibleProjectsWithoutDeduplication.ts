import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * app_visible_project_ids() joins its two sources with UNION ALL: the array is only ever
 * tested with `= ANY`, where a project listed twice changes nothing, and dropping UNION's
 * de-duplication takes a fifth off the function (pgbench, docs/performance.md). Every
 * policy that reads through the visible projects runs it once per statement.
 */
export class VisibleProjectsWithoutDeduplication1795000000012 implements MigrationInterface {
  name = 'VisibleProjectsWithoutDeduplication1795000000012';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(visibleProjectIds('UNION ALL'));
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(visibleProjectIds('UNION'));
  }
}

function visibleProjectIds(union: 'UNION' | 'UNION ALL'): string {
  return `
    CREATE OR REPLACE FUNCTION app_visible_project_ids() RETURNS uuid[]
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
    AS $$
    DECLARE
      me uuid := app_current_user_id();
    BEGIN
      IF me IS NULL THEN
        RETURN '{}'::uuid[];
      END IF;
      RETURN ARRAY(
        SELECT project_id FROM project_members WHERE user_id = me
        ${union}
        SELECT p.id FROM projects p
          JOIN workspace_members wm ON wm.workspace_id = p.workspace_id
         WHERE wm.user_id = me AND p.visibility IN ('internal', 'public'));
    END $$`;
}
