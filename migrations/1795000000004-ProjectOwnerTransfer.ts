import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A project's owner may transfer it (SPEC: "owner: also delete or transfer"). The API has no
 * owner field to write: the owner makes another member `owner`, then steps down or leaves, and
 * the project passes to that co-owner (the one who has been a member longest). Without a
 * co-owner the owner still cannot step down or leave (409). The project row is locked before
 * ownership is read, so two owners stepping down at once cannot leave the project without one.
 */
export class ProjectOwnerTransfer1795000000004 implements MigrationInterface {
  name = 'ProjectOwnerTransfer1795000000004';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION keep_the_project_owner() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      DECLARE
        current_owner uuid;
        successor uuid;
      BEGIN
        IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        -- Every owner stepping down locks the project first, then reads who owns it: two owners
        -- stepping down at once are serialised, and the second sees what the first did.
        SELECT owner_id INTO current_owner FROM projects WHERE id = OLD.project_id FOR UPDATE;
        -- Not the project's owner, or the project itself is being deleted.
        IF current_owner IS DISTINCT FROM OLD.user_id THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        SELECT user_id INTO successor FROM project_members
         WHERE project_id = OLD.project_id AND role = 'owner' AND id <> OLD.id
         ORDER BY joined_at, id
         LIMIT 1;
        IF successor IS NULL THEN
          RAISE EXCEPTION 'The project owner cannot leave or be demoted before making another member owner.'
            USING ERRCODE = 'PM409';
        END IF;
        UPDATE projects SET owner_id = successor WHERE id = OLD.project_id;
        RETURN COALESCE(NEW, OLD);
      END $$`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE OR REPLACE FUNCTION keep_the_project_owner() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.role = 'owner' THEN
          RETURN NEW;
        END IF;
        IF EXISTS (SELECT 1 FROM projects WHERE id = OLD.project_id AND owner_id = OLD.user_id) THEN
          RAISE EXCEPTION 'The project owner cannot leave or be demoted; transfer the project first.'
            USING ERRCODE = 'PM409';
        END IF;
        RETURN COALESCE(NEW, OLD);
      END $$`);
  }
}
