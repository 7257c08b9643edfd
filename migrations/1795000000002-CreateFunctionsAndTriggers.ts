import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Functions and triggers. Access helpers used by the policies are SECURITY DEFINER (they
 * read membership tables without recursing into their policies; the owner role has
 * BYPASSRLS), plpgsql (their plans are cached per connection, see docs/performance.md),
 * STABLE, with a fixed search_path. Errors we raise on purpose use SQLSTATE PM409
 * (conflict) so src/errors.ts can map them without parsing messages.
 */
export class CreateFunctionsAndTriggers1795000000002 implements MigrationInterface {
  name = 'CreateFunctionsAndTriggers1795000000002';

  public async up(db: QueryRunner): Promise<void> {
    // --- identity -----------------------------------------------------------------------
    // Unset and '' (what a pooled connection reads after an earlier set_config) both mean
    // anonymous: fail closed, never 22P02.
    await db.query(`
      CREATE FUNCTION app_current_user_id() RETURNS uuid
      LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT nullif(current_setting('app.current_user_id', true), '')::uuid $$`);

    await db.query(`
      CREATE FUNCTION app_user_is_active(p_user_id uuid) RETURNS boolean
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN EXISTS (SELECT 1 FROM users WHERE id = p_user_id AND status = 'active');
      END $$`);

    // --- access helpers used by the policies ---------------------------------------------
    await db.query(`
      CREATE FUNCTION app_workspace_ids(p_min_role workspace_role DEFAULT 'guest') RETURNS uuid[]
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN ARRAY(
          SELECT workspace_id FROM workspace_members
          WHERE user_id = app_current_user_id() AND role <= p_min_role);
      END $$`);

    // Projects the user may read: member (the owner is a member row too) or, for internal
    // and public projects, member of the workspace. Other tenants' public projects are tested
    // on the row itself; listing this workspace's public ones here keeps that per-row test off
    // the path of the workspace's own people.
    await db.query(`
      CREATE FUNCTION app_visible_project_ids() RETURNS uuid[]
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
          UNION
          SELECT p.id FROM projects p
            JOIN workspace_members wm ON wm.workspace_id = p.workspace_id
           WHERE wm.user_id = me AND p.visibility IN ('internal', 'public'));
      END $$`);

    // Projects where the user holds at least p_min_role (owner < admin < member < viewer).
    await db.query(`
      CREATE FUNCTION app_project_ids(p_min_role project_role) RETURNS uuid[]
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN ARRAY(
          SELECT project_id FROM project_members
          WHERE user_id = app_current_user_id() AND role <= p_min_role);
      END $$`);

    await db.query(`
      CREATE FUNCTION app_project_is_public(p_project_id uuid) RETURNS boolean
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN EXISTS (SELECT 1 FROM projects WHERE id = p_project_id AND visibility = 'public');
      END $$`);

    // Users the current user may see besides themselves: everyone sharing a workspace.
    await db.query(`
      CREATE FUNCTION app_coworker_ids() RETURNS uuid[]
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN ARRAY(
          SELECT DISTINCT other.user_id
            FROM workspace_members mine
            JOIN workspace_members other ON other.workspace_id = mine.workspace_id
           WHERE mine.user_id = app_current_user_id());
      END $$`);

    // --- narrow look-ups that run before a user is known ----------------------------------
    await db.query(`
      CREATE FUNCTION app_register_user(p_email text, p_username text, p_password_hash text,
                                        p_first_name text, p_last_name text) RETURNS uuid
      LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      DECLARE
        new_id uuid;
      BEGIN
        INSERT INTO users (email, username, password_hash, first_name, last_name)
        VALUES (p_email, p_username, p_password_hash, p_first_name, p_last_name)
        RETURNING id INTO new_id;
        RETURN new_id;
      END $$`);

    // Returns at most one row, for an exact email: the application cannot list users.
    await db.query(`
      CREATE FUNCTION app_login_candidate(p_email text)
      RETURNS TABLE (user_id uuid, password_hash text, status user_status)
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN QUERY SELECT u.id, u.password_hash::text, u.status FROM users u WHERE u.email = p_email;
      END $$`);

    // The owner of a live API token, if the token is unexpired and its user active.
    await db.query(`
      CREATE FUNCTION app_token_user(p_token_hash text) RETURNS uuid
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        RETURN (SELECT t.user_id FROM api_tokens t JOIN users u ON u.id = t.user_id
                 WHERE t.token_hash = p_token_hash
                   AND (t.expires_at IS NULL OR t.expires_at > now())
                   AND u.status = 'active');
      END $$`);

    // Lets an owner or admin of the workspace find a user to add; NULL for anyone else.
    await db.query(`
      CREATE FUNCTION app_find_user_for_workspace(p_workspace_id uuid, p_email text) RETURNS uuid
      LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF NOT EXISTS (SELECT 1 FROM workspace_members
                        WHERE workspace_id = p_workspace_id AND user_id = app_current_user_id()
                          AND role <= 'admin') THEN
          RETURN NULL;
        END IF;
        RETURN (SELECT id FROM users WHERE email = p_email AND status = 'active');
      END $$`);

    // --- updated_at (the seed's name for this trigger function is kept) -----------------
    await db.query(`
      CREATE FUNCTION audit_trigger_function() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          NEW.updated_at = now();
          RETURN NEW;
        END IF;
        RETURN NULL;
      END $$`);
    // A login (last_login_at) is not an edit of the user: it does not move updated_at.
    await db.query(`
      CREATE TRIGGER users_updated_at_trigger
      BEFORE UPDATE OF email, username, password_hash, first_name, last_name, avatar_url, email_verified, status, metadata
      ON users FOR EACH ROW EXECUTE FUNCTION audit_trigger_function()`);
    for (const table of ['user_profiles', 'workspaces', 'projects', 'tasks', 'documents']) {
      await db.query(`
        CREATE TRIGGER ${table}_updated_at_trigger BEFORE UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_trigger_function()`);
    }

    // --- complete_task, from the seed: SECURITY INVOKER, so RLS decides --------------------
    await db.query(`
      CREATE FUNCTION complete_task(task_uuid uuid) RETURNS void
      LANGUAGE plpgsql SET search_path = pg_catalog, public
      AS $$
      BEGIN
        UPDATE tasks
           SET status = 'done', completed_at = now(), updated_at = now()
         WHERE id = task_uuid;
      END $$`);

    // --- owners are members ---------------------------------------------------------------
    await db.query(`
      CREATE FUNCTION add_workspace_owner_membership() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (NEW.id, NEW.owner_id, 'owner');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER workspaces_owner_membership_trigger AFTER INSERT ON workspaces
      FOR EACH ROW EXECUTE FUNCTION add_workspace_owner_membership()`);

    await db.query(`
      CREATE FUNCTION add_project_owner_membership() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        INSERT INTO project_members (workspace_id, project_id, user_id, role)
        VALUES (NEW.workspace_id, NEW.id, NEW.owner_id, 'owner');
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER projects_owner_membership_trigger AFTER INSERT ON projects
      FOR EACH ROW EXECUTE FUNCTION add_project_owner_membership()`);

    // The last owner of a workspace cannot leave or be demoted. The workspace row is locked
    // so two owners demoting each other concurrently cannot both succeed. When the
    // workspace itself is being deleted, the cascade may remove everyone.
    await db.query(`
      CREATE FUNCTION keep_a_workspace_owner() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF OLD.role <> 'owner' OR (TG_OP = 'UPDATE' AND NEW.role = 'owner') THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        PERFORM 1 FROM workspaces WHERE id = OLD.workspace_id FOR UPDATE;
        IF NOT FOUND THEN
          RETURN COALESCE(NEW, OLD);
        END IF;
        IF NOT EXISTS (SELECT 1 FROM workspace_members
                        WHERE workspace_id = OLD.workspace_id AND role = 'owner' AND id <> OLD.id) THEN
          RAISE EXCEPTION 'A workspace must keep at least one owner: make another member owner first, or delete the workspace.' USING ERRCODE = 'PM409';
        END IF;
        RETURN COALESCE(NEW, OLD);
      END $$`);
    await db.query(`
      CREATE TRIGGER workspace_members_keep_owner_trigger BEFORE UPDATE OR DELETE ON workspace_members
      FOR EACH ROW EXECUTE FUNCTION keep_a_workspace_owner()`);

    // The project's owner keeps their owner membership while the project exists.
    await db.query(`
      CREATE FUNCTION keep_the_project_owner() RETURNS trigger
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
    await db.query(`
      CREATE TRIGGER project_members_keep_owner_trigger BEFORE UPDATE OR DELETE ON project_members
      FOR EACH ROW EXECUTE FUNCTION keep_the_project_owner()`);

    // --- task dependency graph stays acyclic ----------------------------------------------
    // A transaction-scoped advisory lock per workspace serialises concurrent inserts, so
    // A->B and B->A added at once cannot both commit (a plain check would miss the other's
    // uncommitted row). Transaction-scoped: safe under pgBouncer transaction pooling.
    await db.query(`
      CREATE FUNCTION prevent_dependency_cycle() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        -- BEFORE triggers run ahead of the policies' WITH CHECK: say nothing about tasks the
        -- user may not link, and let RLS refuse the row.
        IF NOT EXISTS (SELECT 1 FROM tasks
                        WHERE id = NEW.task_id AND project_id = ANY (app_project_ids('member'))) THEN
          RETURN NEW;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('task_dependencies'), hashtext(NEW.workspace_id::text));
        IF EXISTS (
          WITH RECURSIVE reachable(task_id) AS (
            SELECT NEW.depends_on_task_id
            UNION
            SELECT d.depends_on_task_id
              FROM task_dependencies d JOIN reachable r ON d.task_id = r.task_id
          )
          SELECT 1 FROM reachable WHERE task_id = NEW.task_id
        ) THEN
          RAISE EXCEPTION 'This dependency would create a cycle.' USING ERRCODE = 'PM409';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER task_dependencies_no_cycle_trigger BEFORE INSERT OR UPDATE ON task_dependencies
      FOR EACH ROW EXECUTE FUNCTION prevent_dependency_cycle()`);

    // A task cannot become the parent of its own ancestor. Same per-workspace lock as above.
    await db.query(`
      CREATE FUNCTION prevent_parent_cycle() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF NEW.parent_task_id IS NULL THEN
          RETURN NEW;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('tasks.parent_task_id'), hashtext(NEW.workspace_id::text));
        IF EXISTS (
          WITH RECURSIVE ancestors(id) AS (
            SELECT NEW.parent_task_id
            UNION
            SELECT t.parent_task_id FROM tasks t JOIN ancestors a ON t.id = a.id WHERE t.parent_task_id IS NOT NULL
          )
          SELECT 1 FROM ancestors WHERE id = NEW.id
        ) THEN
          RAISE EXCEPTION 'A task cannot be a subtask of its own subtask.' USING ERRCODE = 'PM409';
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER tasks_no_parent_cycle_trigger BEFORE UPDATE OF parent_task_id ON tasks
      FOR EACH ROW EXECUTE FUNCTION prevent_parent_cycle()`);

    // --- documents: every content change is the next version ------------------------------
    await db.query(`
      CREATE FUNCTION bump_document_version() RETURNS trigger
      LANGUAGE plpgsql
      AS $$
      BEGIN
        IF TG_OP = 'INSERT' THEN
          NEW.version = 1;
        ELSIF NEW.content IS DISTINCT FROM OLD.content OR NEW.title IS DISTINCT FROM OLD.title THEN
          NEW.version = OLD.version + 1;
        ELSE
          NEW.version = OLD.version;
        END IF;
        RETURN NEW;
      END $$`);
    await db.query(`
      CREATE TRIGGER documents_version_bump_trigger BEFORE INSERT OR UPDATE ON documents
      FOR EACH ROW EXECUTE FUNCTION bump_document_version()`);

    await db.query(`
      CREATE FUNCTION write_document_version() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        IF TG_OP = 'INSERT' OR NEW.version <> OLD.version THEN
          INSERT INTO document_versions
            (workspace_id, document_id, version_number, title, content, change_summary, author_id)
          VALUES
            (NEW.workspace_id, NEW.id, NEW.version, NEW.title, NEW.content, NEW.change_summary,
             COALESCE(app_current_user_id(), NEW.author_id));
        END IF;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER documents_write_version_trigger AFTER INSERT OR UPDATE ON documents
      FOR EACH ROW EXECUTE FUNCTION write_document_version()`);

    // --- attachments go with what they are attached to ------------------------------------
    await db.query(`
      CREATE FUNCTION delete_entity_attachments() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      BEGIN
        DELETE FROM file_attachments WHERE entity_type = TG_ARGV[0] AND entity_id = OLD.id;
        RETURN NULL;
      END $$`);
    await db.query(`
      CREATE TRIGGER tasks_delete_attachments_trigger AFTER DELETE ON tasks
      FOR EACH ROW EXECUTE FUNCTION delete_entity_attachments('task')`);
    await db.query(`
      CREATE TRIGGER documents_delete_attachments_trigger AFTER DELETE ON documents
      FOR EACH ROW EXECUTE FUNCTION delete_entity_attachments('document')`);

    // --- audit log ------------------------------------------------------------------------
    // Who (the transaction's app.current_user_id), what row, which operation, and for an
    // update only the changed columns, before and after.
    await db.query(`
      CREATE FUNCTION record_audit_event() RETURNS trigger
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public
      AS $$
      DECLARE
        old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END;
        new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END;
        any_row jsonb := COALESCE(new_row, old_row);
        changed text[] := '{}';
        before_values jsonb;
        after_values jsonb;
        project uuid;
      BEGIN
        IF TG_OP = 'UPDATE' THEN
          SELECT COALESCE(array_agg(n.key ORDER BY n.key), '{}'),
                 jsonb_object_agg(n.key, old_row -> n.key),
                 jsonb_object_agg(n.key, n.value)
            INTO changed, before_values, after_values
            FROM jsonb_each(new_row) n
           WHERE n.value IS DISTINCT FROM old_row -> n.key AND n.key NOT IN ('updated_at', 'version');
          IF cardinality(changed) = 0 THEN
            RETURN NULL;
          END IF;
        ELSIF TG_OP = 'INSERT' THEN
          after_values := new_row;
        ELSE
          before_values := old_row;
        END IF;

        project := CASE TG_TABLE_NAME
          WHEN 'projects' THEN (any_row ->> 'id')::uuid
          WHEN 'task_dependencies' THEN (SELECT t.project_id FROM tasks t WHERE t.id = (any_row ->> 'task_id')::uuid)
          ELSE (any_row ->> 'project_id')::uuid
        END;

        INSERT INTO audit_events
          (workspace_id, project_id, actor_id, table_name, row_id, operation, changed_fields, before, after)
        VALUES
          (COALESCE((any_row ->> 'workspace_id')::uuid, (any_row ->> 'id')::uuid), project,
           app_current_user_id(), TG_TABLE_NAME, (any_row ->> 'id')::uuid, TG_OP, changed,
           before_values - 'content', after_values - 'content');
        RETURN NULL;
      END $$`);
    for (const table of AUDITED_TABLES) {
      await db.query(`
        CREATE TRIGGER ${table}_audit_trigger AFTER INSERT OR UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION record_audit_event()`);
    }
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const table of AUDITED_TABLES) await db.query(`DROP TRIGGER ${table}_audit_trigger ON ${table}`);
    await db.query(`DROP FUNCTION record_audit_event()`);
    await db.query(`DROP TRIGGER documents_delete_attachments_trigger ON documents`);
    await db.query(`DROP TRIGGER tasks_delete_attachments_trigger ON tasks`);
    await db.query(`DROP FUNCTION delete_entity_attachments()`);
    await db.query(`DROP TRIGGER documents_write_version_trigger ON documents`);
    await db.query(`DROP FUNCTION write_document_version()`);
    await db.query(`DROP TRIGGER documents_version_bump_trigger ON documents`);
    await db.query(`DROP FUNCTION bump_document_version()`);
    await db.query(`DROP TRIGGER tasks_no_parent_cycle_trigger ON tasks`);
    await db.query(`DROP FUNCTION prevent_parent_cycle()`);
    await db.query(`DROP TRIGGER task_dependencies_no_cycle_trigger ON task_dependencies`);
    await db.query(`DROP FUNCTION prevent_dependency_cycle()`);
    await db.query(`DROP TRIGGER project_members_keep_owner_trigger ON project_members`);
    await db.query(`DROP FUNCTION keep_the_project_owner()`);
    await db.query(`DROP TRIGGER workspace_members_keep_owner_trigger ON workspace_members`);
    await db.query(`DROP FUNCTION keep_a_workspace_owner()`);
    await db.query(`DROP TRIGGER projects_owner_membership_trigger ON projects`);
    await db.query(`DROP FUNCTION add_project_owner_membership()`);
    await db.query(`DROP TRIGGER workspaces_owner_membership_trigger ON workspaces`);
    await db.query(`DROP FUNCTION add_workspace_owner_membership()`);
    await db.query(`DROP FUNCTION complete_task(uuid)`);
    for (const table of ['users', 'user_profiles', 'workspaces', 'projects', 'tasks', 'documents']) {
      await db.query(`DROP TRIGGER ${table}_updated_at_trigger ON ${table}`);
    }
    await db.query(`DROP FUNCTION audit_trigger_function()`);
    await db.query(`DROP FUNCTION app_find_user_for_workspace(uuid, text)`);
    await db.query(`DROP FUNCTION app_token_user(text)`);
    await db.query(`DROP FUNCTION app_login_candidate(text)`);
    await db.query(`DROP FUNCTION app_register_user(text, text, text, text, text)`);
    await db.query(`DROP FUNCTION app_coworker_ids()`);
    await db.query(`DROP FUNCTION app_project_is_public(uuid)`);
    await db.query(`DROP FUNCTION app_project_ids(project_role)`);
    await db.query(`DROP FUNCTION app_visible_project_ids()`);
    await db.query(`DROP FUNCTION app_workspace_ids(workspace_role)`);
    await db.query(`DROP FUNCTION app_user_is_active(uuid)`);
    await db.query(`DROP FUNCTION app_current_user_id()`);
  }
}

const AUDITED_TABLES = [
  'workspaces', 'workspace_members', 'projects', 'project_members', 'tasks', 'task_dependencies',
  'documents', 'file_attachments',
];
