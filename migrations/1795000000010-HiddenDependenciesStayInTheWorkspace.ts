import { MigrationInterface, QueryRunner } from 'typeorm';

const VISIBLE = `(SELECT app_visible_project_ids())::uuid[]`;
const ADMIN_WORKSPACES = `(SELECT app_workspace_ids('admin'))::uuid[]`;
const MY_WORKSPACES = `(SELECT app_workspace_ids())::uuid[]`;

/**
 * Decision 0009 lists a dependency on a task the reader cannot see, by its id, to readers in
 * the workspace. A public project's readers include other tenants and anonymous users: for
 * them such a row (and any dependency event in the project's activity) is not shown at all,
 * so no id of a private project's task leaves the workspace.
 */
export class HiddenDependenciesStayInTheWorkspace1795000000010 implements MigrationInterface {
  name = 'HiddenDependenciesStayInTheWorkspace1795000000010';

  public async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER POLICY task_dependencies_select_visible ON task_dependencies
      USING (EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.task_id)
             AND (workspace_id = ANY (${MY_WORKSPACES})
                  OR EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.depends_on_task_id)))`);
    await db.query(`
      ALTER POLICY audit_events_select_visible ON audit_events
      USING (project_id = ANY (${VISIBLE}) OR workspace_id = ANY (${ADMIN_WORKSPACES})
             OR (project_id IS NOT NULL AND table_name NOT IN ('project_members', 'task_dependencies')
                 AND app_project_is_public(project_id)))`);
  }

  public async down(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER POLICY task_dependencies_select_visible ON task_dependencies
      USING (EXISTS (SELECT 1 FROM tasks t WHERE t.id = task_dependencies.task_id))`);
    await db.query(`
      ALTER POLICY audit_events_select_visible ON audit_events
      USING (project_id = ANY (${VISIBLE}) OR workspace_id = ANY (${ADMIN_WORKSPACES})
             OR (project_id IS NOT NULL AND table_name <> 'project_members' AND app_project_is_public(project_id)))`);
  }
}
