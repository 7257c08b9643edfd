import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Grants and row-level security. Every table the application role can reach has RLS
 * ENABLEd and FORCEd, one policy per command, WITH CHECK on writes. Membership tests call
 * the helpers as `(SELECT fn())` so each runs once per statement (an initPlan), and the
 * array is cast because `x = ANY ((SELECT f()))` would parse as `= ANY (subquery)`.
 * docs/database.md has the table of who may do what.
 */
const visible = `(SELECT app_visible_project_ids())::uuid[]`;
const atLeast = (role: string) => `(SELECT app_project_ids('${role}'))::uuid[]`;
const workspacesAtLeast = (role: string) => `(SELECT app_workspace_ids('${role}'))::uuid[]`;
const me = `(SELECT app_current_user_id())`;

export const RLS_TABLES = [
  'users', 'user_profiles', 'user_sessions', 'api_tokens', 'workspaces', 'workspace_members',
  'projects', 'project_members', 'tasks', 'task_dependencies', 'documents', 'document_versions',
  'file_attachments', 'audit_events',
];

const POLICIES: Array<[table: string, name: string, command: string, using: string | null, check: string | null]> = [
  // users: yourself, and people who share a workspace with you. Inserts go through
  // app_register_user(); nobody deletes through the API.
  ['users', 'users_select_self_and_coworkers', 'SELECT',
    `id = ${me} OR id = ANY ((SELECT app_coworker_ids())::uuid[])`, null],
  ['users', 'users_update_self', 'UPDATE', `id = ${me}`, `id = ${me}`],

  ['user_profiles', 'user_profiles_select_own', 'SELECT', `user_id = ${me}`, null],
  ['user_profiles', 'user_profiles_insert_own', 'INSERT', null, `user_id = ${me}`],
  ['user_profiles', 'user_profiles_update_own', 'UPDATE', `user_id = ${me}`, `user_id = ${me}`],
  ['user_profiles', 'user_profiles_delete_own', 'DELETE', `user_id = ${me}`, null],

  ['user_sessions', 'user_sessions_select_own', 'SELECT', `user_id = ${me}`, null],
  ['user_sessions', 'user_sessions_insert_own', 'INSERT', null, `user_id = ${me}`],
  ['user_sessions', 'user_sessions_update_own', 'UPDATE', `user_id = ${me}`, `user_id = ${me}`],
  ['user_sessions', 'user_sessions_delete_own', 'DELETE', `user_id = ${me}`, null],

  ['api_tokens', 'api_tokens_select_own', 'SELECT', `user_id = ${me}`, null],
  ['api_tokens', 'api_tokens_insert_own', 'INSERT', null, `user_id = ${me}`],
  ['api_tokens', 'api_tokens_delete_own', 'DELETE', `user_id = ${me}`, null],

  // workspaces: members read; anyone signed in creates one they own; owners and admins
  // edit; owners delete. owner_id = me lets INSERT ... RETURNING see the new row before the
  // trigger has made the creator a member.
  ['workspaces', 'workspaces_select_members', 'SELECT',
    `id = ANY (${workspacesAtLeast('guest')}) OR owner_id = ${me}`, null],
  ['workspaces', 'workspaces_insert_own', 'INSERT', null, `owner_id = ${me}`],
  ['workspaces', 'workspaces_update_admins', 'UPDATE',
    `id = ANY (${workspacesAtLeast('admin')})`, `id = ANY (${workspacesAtLeast('admin')})`],
  ['workspaces', 'workspaces_delete_owners', 'DELETE', `id = ANY (${workspacesAtLeast('owner')})`, null],

  // workspace_members: members see each other; admins manage members but only owners
  // touch owner rows; anyone may leave (the last-owner trigger still applies).
  ['workspace_members', 'workspace_members_select_members', 'SELECT',
    `workspace_id = ANY (${workspacesAtLeast('guest')})`, null],
  ['workspace_members', 'workspace_members_insert_admins', 'INSERT', null,
    `workspace_id = ANY (${workspacesAtLeast('admin')}) AND (role <> 'owner' OR workspace_id = ANY (${workspacesAtLeast('owner')}))`],
  ['workspace_members', 'workspace_members_update_admins', 'UPDATE',
    `workspace_id = ANY (${workspacesAtLeast('admin')}) AND (role <> 'owner' OR workspace_id = ANY (${workspacesAtLeast('owner')}))`,
    `workspace_id = ANY (${workspacesAtLeast('admin')}) AND (role <> 'owner' OR workspace_id = ANY (${workspacesAtLeast('owner')}))`],
  ['workspace_members', 'workspace_members_delete_admins_or_self', 'DELETE',
    `user_id = ${me} OR (workspace_id = ANY (${workspacesAtLeast('admin')}) AND (role <> 'owner' OR workspace_id = ANY (${workspacesAtLeast('owner')})))`,
    null],

  // projects: visibility is a column of the row, so the public branch costs nothing.
  ['projects', 'projects_select_visible', 'SELECT',
    `id = ANY (${visible}) OR visibility = 'public' OR owner_id = ${me}`, null],
  ['projects', 'projects_insert_workspace_members', 'INSERT', null,
    `workspace_id = ANY (${workspacesAtLeast('guest')}) AND owner_id = ${me}`],
  ['projects', 'projects_update_admins', 'UPDATE', `id = ANY (${atLeast('admin')})`, `id = ANY (${atLeast('admin')})`],
  ['projects', 'projects_delete_owners', 'DELETE', `id = ANY (${atLeast('owner')})`, null],

  // project_members: who can see the project sees its members (not the anonymous public);
  // admins manage, only owners touch owner rows; anyone may leave.
  ['project_members', 'project_members_select_visible', 'SELECT', `project_id = ANY (${visible})`, null],
  ['project_members', 'project_members_insert_admins', 'INSERT', null,
    `project_id = ANY (${atLeast('admin')}) AND (role <> 'owner' OR project_id = ANY (${atLeast('owner')}))`],
  ['project_members', 'project_members_update_admins', 'UPDATE',
    `project_id = ANY (${atLeast('admin')}) AND (role <> 'owner' OR project_id = ANY (${atLeast('owner')}))`,
    `project_id = ANY (${atLeast('admin')}) AND (role <> 'owner' OR project_id = ANY (${atLeast('owner')}))`],
  ['project_members', 'project_members_delete_admins_or_self', 'DELETE',
    `user_id = ${me} OR (project_id = ANY (${atLeast('admin')}) AND (role <> 'owner' OR project_id = ANY (${atLeast('owner')})))`,
    null],

  // tasks, documents, attachments: readable with the project; members write; admins
  // delete anything, members what they made. The public test runs only for rows that
  // fail the array test.
  ['tasks', 'tasks_select_visible', 'SELECT', `project_id = ANY (${visible}) OR app_project_is_public(project_id)`, null],
  ['tasks', 'tasks_insert_project_members', 'INSERT', null, `project_id = ANY (${atLeast('member')}) AND creator_id = ${me}`],
  ['tasks', 'tasks_update_project_members', 'UPDATE', `project_id = ANY (${atLeast('member')})`, `project_id = ANY (${atLeast('member')})`],
  ['tasks', 'tasks_delete_admins_or_creator', 'DELETE',
    `project_id = ANY (${atLeast('admin')}) OR (creator_id = ${me} AND project_id = ANY (${atLeast('member')}))`, null],

  ['task_dependencies', 'task_dependencies_select_visible', 'SELECT',
    `EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.task_id)`, null],
  ['task_dependencies', 'task_dependencies_insert_project_members', 'INSERT', null,
    `EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.task_id AND t.project_id = ANY (${atLeast('member')}))
     AND EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.depends_on_task_id)`],
  ['task_dependencies', 'task_dependencies_delete_project_members', 'DELETE',
    `EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.task_id AND t.project_id = ANY (${atLeast('member')}))`, null],

  ['documents', 'documents_select_visible', 'SELECT', `project_id = ANY (${visible}) OR app_project_is_public(project_id)`, null],
  ['documents', 'documents_insert_project_members', 'INSERT', null, `project_id = ANY (${atLeast('member')}) AND author_id = ${me}`],
  ['documents', 'documents_update_project_members', 'UPDATE', `project_id = ANY (${atLeast('member')})`, `project_id = ANY (${atLeast('member')})`],
  ['documents', 'documents_delete_admins_or_author', 'DELETE',
    `project_id = ANY (${atLeast('admin')}) OR (author_id = ${me} AND project_id = ANY (${atLeast('member')}))`, null],

  // document_versions: written by the versioning trigger only.
  ['document_versions', 'document_versions_select_visible', 'SELECT',
    `EXISTS (SELECT 1 FROM documents d WHERE d.id = document_versions.document_id)`, null],

  ['file_attachments', 'file_attachments_select_visible', 'SELECT', `project_id = ANY (${visible}) OR app_project_is_public(project_id)`, null],
  ['file_attachments', 'file_attachments_insert_project_members', 'INSERT', null, `project_id = ANY (${atLeast('member')}) AND uploader_id = ${me}`],
  ['file_attachments', 'file_attachments_delete_admins_or_uploader', 'DELETE',
    `project_id = ANY (${atLeast('admin')}) OR (uploader_id = ${me} AND project_id = ANY (${atLeast('member')}))`, null],

  // audit_events: written by triggers only; read with the project, or by workspace admins.
  ['audit_events', 'audit_events_select_visible', 'SELECT',
    `project_id = ANY (${visible}) OR workspace_id = ANY (${workspacesAtLeast('admin')})
     OR (project_id IS NOT NULL AND app_project_is_public(project_id))`, null],
];

// Column privileges: what the API may never move is simply not writable.
const GRANTS = [
  `GRANT USAGE ON SCHEMA public TO application_role`,
  `GRANT SELECT (id, email, username, first_name, last_name, avatar_url, email_verified, status,
                 created_at, updated_at, last_login_at, metadata) ON users TO application_role`,
  `GRANT UPDATE (first_name, last_name, avatar_url, metadata, last_login_at, password_hash) ON users TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON user_profiles TO application_role`,
  `GRANT UPDATE (bio, location, website_url, social_links, preferences) ON user_profiles TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON user_sessions TO application_role`,
  `GRANT UPDATE (is_active, expires_at) ON user_sessions TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON api_tokens TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON workspaces TO application_role`,
  `GRANT UPDATE (name, slug, settings, archived_at) ON workspaces TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON workspace_members TO application_role`,
  `GRANT UPDATE (role) ON workspace_members TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON projects TO application_role`,
  `GRANT UPDATE (name, description, status, visibility, settings, archived_at) ON projects TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON project_members TO application_role`,
  `GRANT UPDATE (role, permissions) ON project_members TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON tasks TO application_role`,
  `GRANT UPDATE (title, description, status, priority, assignee_id, parent_task_id, due_date,
                 estimated_hours, actual_hours, tags, metadata, completed_at, updated_at) ON tasks TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON task_dependencies TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON documents TO application_role`,
  `GRANT UPDATE (title, content, content_type, status, tags, metadata, change_summary, published_at)
     ON documents TO application_role`,
  `GRANT SELECT ON document_versions TO application_role`,
  `GRANT SELECT, INSERT, DELETE ON file_attachments TO application_role`,
  `GRANT SELECT ON audit_events TO application_role`,
];

const CALLABLE = [
  'app_current_user_id()', 'app_user_is_active(uuid)', 'app_workspace_ids(workspace_role)',
  'app_visible_project_ids()', 'app_project_ids(project_role)', 'app_project_is_public(uuid)',
  'app_coworker_ids()', 'app_register_user(text, text, text, text, text)', 'app_login_candidate(text)',
  'app_token_user(text)', 'app_find_user_for_workspace(uuid, text)', 'complete_task(uuid)',
];

export class EnableRowLevelSecurity1795000000003 implements MigrationInterface {
  name = 'EnableRowLevelSecurity1795000000003';

  public async up(db: QueryRunner): Promise<void> {
    // Nothing is callable by PUBLIC: each function is granted to the application role only.
    await db.query(`REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA public FROM PUBLIC`);
    // Not `IN SCHEMA public`: per-schema defaults can only add to the global ones, so that
    // form revokes nothing. This applies to functions the migrating role creates later.
    await db.query(`ALTER DEFAULT PRIVILEGES REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`);
    for (const fn of CALLABLE) await db.query(`GRANT EXECUTE ON FUNCTION ${fn} TO application_role`);
    for (const sql of GRANTS) await db.query(sql);

    for (const table of RLS_TABLES) {
      await db.query(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} FORCE ROW LEVEL SECURITY`);
    }
    for (const [table, name, command, using, check] of POLICIES) {
      const usingSql = using ? ` USING (${using})` : '';
      const checkSql = check ? ` WITH CHECK (${check})` : '';
      await db.query(`CREATE POLICY ${name} ON ${table} AS PERMISSIVE FOR ${command} TO application_role${usingSql}${checkSql}`);
    }
  }

  public async down(db: QueryRunner): Promise<void> {
    for (const [table, name] of [...POLICIES].reverse()) await db.query(`DROP POLICY ${name} ON ${table}`);
    for (const table of RLS_TABLES) {
      await db.query(`ALTER TABLE ${table} NO FORCE ROW LEVEL SECURITY`);
      await db.query(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
    }
    await db.query(`ALTER DEFAULT PRIVILEGES GRANT EXECUTE ON FUNCTIONS TO PUBLIC`);
    await db.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM application_role`);
    for (const fn of CALLABLE) await db.query(`REVOKE EXECUTE ON FUNCTION ${fn} FROM application_role`);
    await db.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC`);
    await db.query(`REVOKE USAGE ON SCHEMA public FROM application_role`);
  }
}
