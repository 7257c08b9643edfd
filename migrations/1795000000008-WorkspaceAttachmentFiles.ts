import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deleting a workspace deletes its attachment rows by cascade; the app then removes their
 * files. Its owner may not see every row (attachments of private projects they are not in),
 * so this helper lists the files of the whole workspace, to its owners only.
 */
export class WorkspaceAttachmentFiles1795000000008 implements MigrationInterface {
  name = 'WorkspaceAttachmentFiles1795000000008';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION app_workspace_attachment_files(p_workspace_id uuid) RETURNS text[]
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM workspace_members
                        WHERE workspace_id = p_workspace_id AND user_id = app_current_user_id() AND role = 'owner') THEN
          RETURN '{}'::text[];
        END IF;
        RETURN ARRAY(SELECT storage_path FROM file_attachments WHERE workspace_id = p_workspace_id);
      END $$`);
    await db.query(`GRANT EXECUTE ON FUNCTION app_workspace_attachment_files(uuid) TO application_role`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION app_workspace_attachment_files(uuid)`);
  }
}
