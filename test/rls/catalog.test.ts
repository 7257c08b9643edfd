import { expect } from 'chai';
import { RLS_TABLES } from '../../migrations/1795000000003-EnableRowLevelSecurity';
import { owner, asAppUser } from '../support/db';
import { ROLES } from '../support/env';
import { MATRIX_TABLES } from './matrix.test';

/**
 * Guards for whoever adds a table or a function next: a table without ENABLE + FORCE row
 * level security, without policies, or missing from the matrix fails here, and so does a
 * SECURITY DEFINER function that is not on the allow-list below.
 */

/**
 * Every SECURITY DEFINER function (it runs as the owner, who bypasses RLS), by signature, and
 * why it must. A new one, or a new overload, fails the test until it is reviewed and added here.
 */
const SECURITY_DEFINER_FUNCTIONS: Record<string, string> = {
  // Policy helpers: read the membership tables without recursing into their own policies.
  'app_workspace_ids(workspace_role)': 'the workspaces where the current user has at least a role',
  'app_project_ids(project_role)': 'the projects where the current user has at least a role',
  'app_visible_project_ids()': 'the projects the current user may see',
  'app_project_is_public(uuid)': 'whether a project is public, for readers outside it',
  'app_coworker_ids()': 'the users who share a workspace with the current user',
  // Before a user is known, or about users the application role cannot list.
  'app_user_is_active(uuid)': 'the account status that app_begin_request() checks',
  'app_register_user(text,text,text,text,text)': 'registration: the application role cannot insert users',
  'app_login_candidate(text)': 'login: the one password hash for one email',
  'app_token_user(text)': 'the user of a live API token, by its hash',
  'app_find_user_for_workspace(uuid,text)': 'a workspace admin adding an existing user by email',
  'app_workspace_attachment_files(uuid)': 'the files to remove after erasing a workspace, for its owners',
  // Triggers that keep invariants across rows the acting user may not see or write.
  'add_workspace_owner_membership()': 'a new workspace\'s owner becomes its owner member',
  'add_project_owner_membership()': 'a new project\'s owner becomes its owner member',
  'keep_a_workspace_owner()': 'the last workspace owner cannot leave or be demoted',
  'keep_the_project_owner()': 'the project owner keeps an owner membership',
  'hand_over_ownership()': 'projects pass to a co-owner when their owner leaves',
  'prevent_dependency_cycle()': 'the whole dependency graph of the workspace, under a lock',
  'prevent_parent_cycle()': 'the whole subtask tree of the workspace, under a lock',
  'write_document_version()': 'document_versions, which the application role cannot insert',
  'delete_entity_attachments()': 'the attachments of a deleted task or document',
  'record_audit_event()': 'audit_events, which the application role cannot write',
};
describe('row-level security catalog guards', () => {
  it('has ENABLE and FORCE row level security and policies on every table the application can reach', async () => {
    const { rows } = await owner().query(`
      SELECT c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced,
             (SELECT count(*)::int FROM pg_policy p WHERE p.polrelid = c.oid) AS policies
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND c.relname <> 'typeorm_migrations'
       ORDER BY 1`);
    const unprotected = rows.filter((r) => !r.enabled || !r.forced || r.policies === 0).map((r) => r.table);
    expect(unprotected, 'tables without ENABLE + FORCE RLS and policies').to.deep.equal([]);
    expect(rows.map((r) => r.table).sort()).to.deep.equal([...RLS_TABLES].sort());
  });

  it('covers every table in the RLS matrix test', () => {
    expect([...MATRIX_TABLES].sort()).to.deep.equal([...RLS_TABLES].sort());
  });

  it('gives the application role nothing on tables outside the RLS list', async () => {
    // Table and column privileges alike, whoever granted them.
    const { rows } = await owner().query(`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
         AND c.relname <> ALL ($1::text[])
         AND (has_table_privilege('application_role', c.oid, 'SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER')
              OR has_any_column_privilege('application_role', c.oid, 'SELECT, INSERT, UPDATE, REFERENCES'))`, [RLS_TABLES]);
    expect(rows.map((r) => r.relname)).to.deep.equal([]);
  });

  it('has no views that would bypass RLS (every view is security_invoker)', async () => {
    const { rows } = await owner().query(`
      SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('v', 'm')
         AND NOT coalesce(c.reloptions::text[] @> ARRAY['security_invoker=true'], false)`);
    expect(rows).to.deep.equal([]);
  });

  it('fixes the search_path of every SECURITY DEFINER function and grants none of them to PUBLIC', async () => {
    const { rows } = await owner().query(`
      SELECT p.proname,
             coalesce(p.proconfig::text[] @> ARRAY['search_path=pg_catalog, public'], false) AS pinned,
             has_function_privilege('public', p.oid, 'EXECUTE') AS public_can_execute
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosecdef`);
    expect(rows.length).to.be.greaterThan(5);
    expect(rows.filter((r) => !r.pinned).map((r) => r.proname), 'definer functions without a fixed search_path').to.deep.equal([]);
    expect(rows.filter((r) => r.public_can_execute).map((r) => r.proname), 'definer functions PUBLIC may call').to.deep.equal([]);
  });

  it('has no SECURITY DEFINER function outside the reviewed allow-list', async () => {
    const { rows } = await owner().query(`
      SELECT p.oid::regprocedure::text AS signature
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public' AND p.prosecdef
       ORDER BY 1`);
    const found = rows.map((r) => r.signature as string);
    expect(found.filter((f) => !(f in SECURITY_DEFINER_FUNCTIONS)), 'SECURITY DEFINER functions not on the allow-list').to.deep.equal([]);
    expect(Object.keys(SECURITY_DEFINER_FUNCTIONS).filter((f) => !found.includes(f)), 'allow-listed functions that no longer exist').to.deep.equal([]);
  });

  it('runs app_task(), which returns whole task rows, as its caller: the caller\'s policies decide what it returns', async () => {
    const { rows } = await owner().query(`SELECT prosecdef, provolatile FROM pg_proc WHERE proname = 'app_task'`);
    expect(rows).to.deep.equal([{ prosecdef: false, provolatile: 's' }]);
  });

  it('runs the application as a login role that is not superuser, not an owner, and cannot bypass RLS', async () => {
    const { rows } = await owner().query(
      `SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb,
              pg_has_role(rolname, 'application_role', 'MEMBER') AS in_application_role
         FROM pg_roles WHERE rolname = $1`, [ROLES.app]);
    expect(rows[0]).to.deep.equal({
      rolsuper: false, rolbypassrls: false, rolcreaterole: false, rolcreatedb: false, in_application_role: true,
    });
    const owned = await owner().query(
      `SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname IN ($1, 'application_role')`,
      [ROLES.app]);
    expect(owned.rows).to.deep.equal([]);
  });

  it('never lets the application role read password hashes', async () => {
    const error = await asAppUser(null, (db) => db.query('SELECT password_hash FROM users').then(() => undefined, (e) => e));
    expect(error?.code).to.equal('42501');
  });

  it('reads an unset, an empty and a pooled-empty user id as anonymous, without error', async () => {
    // '' is what a pooled connection reads after an earlier transaction's set_config(..., true).
    for (const setting of [null, '']) {
      const rows = await asAppUser(setting, async (db) => (await db.query('SELECT app_current_user_id() AS id')).rows);
      expect(rows[0].id).to.equal(null);
    }
  });
});
