import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request transaction's first statement sets the user and checks that the account is active
 * and the API token still live. It now raises when a check fails, which aborts the
 * transaction in PostgreSQL itself: a COMMIT sent in the same flight as the work (src/db/tenant.ts,
 * decision 0007) then rolls back, so nothing an inactive account or a revoked token wrote is
 * ever committed, whether or not the app has read the check's answer yet.
 */
export class RequestIdentityAbortsItsTransaction1795000000009 implements MigrationInterface {
  name = 'RequestIdentityAbortsItsTransaction1795000000009';

  public async up(db: QueryRunner): Promise<void> {
    // No SET clause and no SECURITY DEFINER: either would undo set_config when the function returns.
    await db.query(`
      CREATE FUNCTION app_begin_request(p_user_id uuid, p_token_hash text) RETURNS void
      LANGUAGE plpgsql VOLATILE
      AS $$
      BEGIN
        PERFORM pg_catalog.set_config('app.current_user_id', COALESCE(p_user_id::text, ''), true);
        IF p_user_id IS NOT NULL AND NOT public.app_user_is_active(p_user_id) THEN
          RAISE EXCEPTION 'This account is not active.' USING ERRCODE = 'PM401';
        END IF;
        IF p_token_hash IS NOT NULL AND public.app_token_user(p_token_hash) IS DISTINCT FROM p_user_id THEN
          RAISE EXCEPTION 'The bearer token is not valid.' USING ERRCODE = 'PM498';
        END IF;
      END $$`);
    await db.query(`GRANT EXECUTE ON FUNCTION app_begin_request(uuid, text) TO application_role`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION app_begin_request(uuid, text)`);
  }
}
