import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ownership follows membership.
 *
 * - A member who leaves or is removed from a workspace hands their projects over: to a
 *   co-owner of the project, else to the workspace's longest-standing owner. Before this, the
 *   foreign key from projects (workspace_id, owner_id) to workspace_members made the removal a
 *   409 that nobody could clear: any member could make themselves irremovable by creating one
 *   project.
 * - `workspaces.owner_id` moves to another owner when its holder leaves or steps down. The
 *   workspace policy lets `owner_id` read the row (it has to, for INSERT ... RETURNING before
 *   the owner's membership exists), so a creator who had left kept reading the workspace.
 * - Outsiders who read a public project's activity no longer see its membership events:
 *   they cannot see its members either.
 */
const VISIBLE = `(SELECT app_visible_project_ids())::uuid[]`;
const ADMIN_WORKSPACES = `(SELECT app_workspace_ids('admin'))::uuid[]`;

export class OwnershipFollowsMembership1795000000006 implements MigrationInterface {
  name = 'OwnershipFollowsMembership1795000000006';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE FUNCTION hand_over_ownership() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      DECLARE
        owned record;
        heir uuid;
      BEGIN
        IF TG_OP = 'UPDATE' AND (OLD.role <> 'owner' OR NEW.role = 'owner') THEN
          RETURN NEW;
        END IF;
        -- Not found: the workspace itself is being deleted, and everything with it.
        PERFORM 1 FROM workspaces WHERE id = OLD.workspace_id FOR UPDATE;
        IF NOT FOUND THEN
          RETURN COALESCE(NEW, OLD);
        END IF;

        -- Another owner takes the workspace (keep_a_workspace_owner refuses to lose the last).
        IF OLD.role = 'owner' THEN
          UPDATE workspaces w
             SET owner_id = m.user_id
            FROM (SELECT user_id FROM workspace_members
                   WHERE workspace_id = OLD.workspace_id AND role = 'owner' AND id <> OLD.id
                   ORDER BY joined_at, id LIMIT 1) m
           WHERE w.id = OLD.workspace_id AND w.owner_id = OLD.user_id;
        END IF;

        -- Someone leaving hands over the projects they own; stepping down keeps them.
        IF TG_OP = 'DELETE' THEN
          FOR owned IN SELECT id FROM projects
                        WHERE workspace_id = OLD.workspace_id AND owner_id = OLD.user_id FOR UPDATE LOOP
            heir := COALESCE(
              (SELECT user_id FROM project_members
                WHERE project_id = owned.id AND role = 'owner' AND user_id <> OLD.user_id
                ORDER BY joined_at, id LIMIT 1),
              (SELECT user_id FROM workspace_members
                WHERE workspace_id = OLD.workspace_id AND role = 'owner' AND id <> OLD.id
                ORDER BY joined_at, id LIMIT 1));
            IF heir IS NULL THEN
              RAISE EXCEPTION 'A workspace must keep at least one owner: make another member owner first, or delete the workspace.' USING ERRCODE = 'PM409';
            END IF;
            INSERT INTO project_members (workspace_id, project_id, user_id, role)
            VALUES (OLD.workspace_id, owned.id, heir, 'owner')
            ON CONFLICT (project_id, user_id) DO UPDATE SET role = 'owner';
            UPDATE projects SET owner_id = heir WHERE id = owned.id;
          END LOOP;
        END IF;
        RETURN COALESCE(NEW, OLD);
      END $$`);
    await db.query(`
      CREATE TRIGGER workspace_members_hand_over_trigger BEFORE UPDATE OR DELETE ON workspace_members
      FOR EACH ROW EXECUTE FUNCTION hand_over_ownership()`);

    await db.query(`
      ALTER POLICY audit_events_select_visible ON audit_events
      USING (project_id = ANY (${VISIBLE}) OR workspace_id = ANY (${ADMIN_WORKSPACES})
             OR (project_id IS NOT NULL AND table_name <> 'project_members' AND app_project_is_public(project_id)))`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER POLICY audit_events_select_visible ON audit_events
      USING (project_id = ANY (${VISIBLE}) OR workspace_id = ANY (${ADMIN_WORKSPACES})
             OR (project_id IS NOT NULL AND app_project_is_public(project_id)))`);
    await db.query(`DROP TRIGGER workspace_members_hand_over_trigger ON workspace_members`);
    await db.query(`DROP FUNCTION hand_over_ownership()`);
  }
}
