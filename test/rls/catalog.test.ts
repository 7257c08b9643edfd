import { expect } from 'chai';
import { RLS_TABLES } from '../../migrations/1795000000003-EnableRowLevelSecurity';
import { owner, asAppUser } from '../support/db';
import { ROLES } from '../support/env';
import { MATRIX_TABLES } from './matrix.test';

/**
 * Guards for whoever adds a table or a function next: a table without ENABLE + FORCE row
 * level security, without policies, or missing from the matrix fails here.
 */
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
