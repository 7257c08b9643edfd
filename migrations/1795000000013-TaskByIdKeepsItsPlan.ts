import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A task by id is read through app_task(): PL/pgSQL keeps the plan of the statement inside,
 * its row policy included, for the life of the server connection, where a statement sent by
 * the app is parsed, rewritten with the policy and planned again at every request
 * (pgBouncer 1.18 in transaction mode keeps no prepared statements). SECURITY INVOKER: the
 * caller's policies decide what it returns, as for the statement it replaces (decision 0011).
 */
export class TaskByIdKeepsItsPlan1795000000013 implements MigrationInterface {
  name = 'TaskByIdKeepsItsPlan1795000000013';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION app_task(p_id uuid) RETURNS SETOF tasks
      LANGUAGE plpgsql STABLE SECURITY INVOKER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN QUERY SELECT * FROM tasks WHERE id = p_id;
      END $$`);
    await db.query(`GRANT EXECUTE ON FUNCTION app_task(uuid) TO application_role`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION app_task(uuid)`);
  }
}
