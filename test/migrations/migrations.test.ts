import 'reflect-metadata';
import { expect } from 'chai';
import { DataSource } from 'typeorm';
import { revertAllMigrations, runMigrations } from '../../src/db/migrate';
import { dataSourceOptions } from '../../src/db/options';
import { ScratchDatabases, query, schemaDump } from './scratch';

// TypeORM leaves its bookkeeping table behind when every migration is reverted.
const BOOKKEEPING = ['typeorm_migrations', 'typeorm_migrations_id_seq'];

// What the public schema holds besides the bookkeeping table, from the catalog itself.
const LEFTOVERS_SQL = `
  SELECT 'relation ' || c.relname AS object FROM pg_class c
   WHERE c.relnamespace = 'public'::regnamespace
     AND c.oid <> 'typeorm_migrations'::regclass AND c.relname <> 'typeorm_migrations_id_seq'
     AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = c.oid AND i.indrelid = 'typeorm_migrations'::regclass)
  UNION ALL
  -- row types of relations are covered above; array types come with their element type
  SELECT 'type ' || t.typname FROM pg_type t
   WHERE t.typnamespace = 'public'::regnamespace AND t.typrelid = 0 AND t.typcategory <> 'A'
  UNION ALL
  SELECT 'function ' || p.oid::regprocedure FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
  UNION ALL
  SELECT 'extension ' || e.extname FROM pg_extension e WHERE e.extname <> 'plpgsql'
  UNION ALL
  SELECT 'default privileges ' || d.defaclacl::text FROM pg_default_acl d
  ORDER BY 1`;

describe('migrations', function () {
  this.timeout(180_000);
  const scratch = new ScratchDatabases();
  after(() => scratch.dropAll());

  it('applies every migration to an empty database, reverts them all to an empty schema, and re-applies them to an identical schema', async () => {
    const url = await scratch.create();
    const empty = await schemaDump(url, { privileges: true });

    const applied = await runMigrations(url);
    expect(applied, 'migrations applied').to.have.length.greaterThan(0);
    const first = {
      structure: await schemaDump(url, { privileges: false }),
      privileges: await schemaDump(url, { privileges: true }),
    };
    expect(first.structure).to.include('CREATE TABLE public.tasks');

    expect(await revertAllMigrations(url), 'migrations reverted').to.equal(applied.length);
    const leftovers = (await query<{ object: string }>(url, LEFTOVERS_SQL)).map((row) => row.object);
    expect(leftovers, 'left in the database after reverting every migration').to.deep.equal([]);
    const reverted = await schemaDump(url, { privileges: true, exclude: BOOKKEEPING });
    expect(reverted, 'the reverted schema (with privileges) against the empty database').to.equal(empty);

    expect(await runMigrations(url), 'migrations re-applied').to.deep.equal(applied);
    expect(await schemaDump(url, { privileges: false }), 'structure after the second up').to.equal(first.structure);
    expect(await schemaDump(url, { privileges: true }), 'privileges after the second up').to.equal(first.privileges);
  });

  it('finds nothing to generate: the entities match the migrations', async () => {
    const url = await scratch.create();
    await runMigrations(url);
    const dataSource = new DataSource(dataSourceOptions(url, 1));
    await dataSource.initialize();
    try {
      const { upQueries } = await dataSource.driver.createSchemaBuilder().log();
      const pending = upQueries.map((q) => q.query);
      expect(pending.length, `migration:generate would write:\n${pending.join(';\n')}`).to.equal(0);
    } finally {
      await dataSource.destroy();
    }
  });

  // Stronger than the generate check, which compares checks by name only and indexes as
  // column sets: the schema TypeORM would build from the entities must equal the migrated
  // one, constraint definitions and index definitions included.
  it('declares in the entities exactly the columns, constraints and indexes of the migrations', async () => {
    const migratedUrl = await scratch.create();
    await runMigrations(migratedUrl);
    const syncedUrl = await scratch.create();
    // pgcrypto names gen_random_uuid() as the migrations do (core since PostgreSQL 13).
    const synced = new DataSource({
      ...dataSourceOptions(syncedUrl, 1),
      synchronize: true, installExtensions: false, uuidExtension: 'pgcrypto',
    });
    await synced.initialize();
    await synced.destroy();

    const [fromMigrations, fromEntities] = await Promise.all([
      query<{ fact: string }>(migratedUrl, FACTS_SQL), query<{ fact: string }>(syncedUrl, FACTS_SQL),
    ]);
    const expected = fromMigrations.map((row) => INEXPRESSIBLE.get(row.fact) ?? row.fact).filter((fact) => fact !== '');
    const actual = fromEntities.map((row) => row.fact);
    const difference = {
      missingFromEntities: expected.filter((fact) => !actual.includes(fact)),
      notInMigrations: actual.filter((fact) => !expected.includes(fact)),
    };
    expect(difference).to.deep.equal({ missingFromEntities: [], notInMigrations: [] });
    expect(actual).to.have.length(expected.length);
  });

  it('creates the shared application role idempotently', async () => {
    // Roles are cluster-wide: every database of the cluster (tests, demo) shares one.
    const first = await scratch.create();
    const second = await scratch.create();
    await runMigrations(first);
    await runMigrations(second);

    const roles = await query<{ rolcanlogin: boolean; rolsuper: boolean; rolbypassrls: boolean; rolinherit: boolean }>(
      second, `SELECT rolcanlogin, rolsuper, rolbypassrls, rolinherit FROM pg_roles WHERE rolname = 'application_role'`);
    expect(roles).to.deep.equal([{ rolcanlogin: false, rolsuper: false, rolbypassrls: false, rolinherit: false }]);

    // Reverting one database keeps the role (and the other database's grants) in place.
    await revertAllMigrations(first);
    const grants = `SELECT has_table_privilege('application_role', 'tasks', 'SELECT') AS tasks,
                           has_function_privilege('application_role', 'app_current_user_id()', 'EXECUTE') AS fn`;
    expect(await query(second, grants)).to.deep.equal([{ tasks: true, fn: true }]);
    expect(await runMigrations(first), 'migrations re-applied on the reverted database').to.have.length.greaterThan(0);
    expect(await query(first, grants)).to.deep.equal([{ tasks: true, fn: true }]);
  });
});

// One line per column, constraint and index of the public tables, in a canonical form.
const FACTS_SQL = `
  SELECT concat_ws(' ', 'column', c.table_name, c.column_name, c.udt_name, c.character_maximum_length,
                   c.is_nullable, c.column_default, c.is_identity, c.identity_generation) AS fact
    FROM information_schema.columns c WHERE c.table_schema = 'public' AND c.table_name <> 'typeorm_migrations'
  UNION ALL
  SELECT concat_ws(' ', 'constraint', k.conrelid::regclass, k.conname, pg_get_constraintdef(k.oid))
    FROM pg_constraint k
   WHERE k.connamespace = 'public'::regnamespace AND k.conrelid <> 0 AND k.conrelid::regclass::text <> 'typeorm_migrations'
  UNION ALL
  SELECT concat_ws(' ', 'index', i.tablename, i.indexname, i.indexdef)
    FROM pg_indexes i WHERE i.schemaname = 'public' AND i.tablename <> 'typeorm_migrations'
  UNION ALL
  SELECT concat_ws(' ', 'enum', t.typname, (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder)
                                              FROM pg_enum e WHERE e.enumtypid = t.oid))
    FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace AND t.typtype = 'e'
  ORDER BY 1`;

// What TypeORM cannot describe, and what it builds instead ('' for nothing); the entities
// document each of them.
const INEXPRESSIBLE = new Map([
  // An expression index: @Index(..., { synchronize: false }) in src/projects/entity.ts.
  [`index projects idx_project_settings_theme CREATE INDEX idx_project_settings_theme ON public.projects USING gin (((settings -> 'theme'::text)))`,
    ''],
  // ON DELETE SET NULL with a column list: TypeORM knows only SET NULL of every column.
  [`constraint tasks fk_tasks_assignee_membership FOREIGN KEY (workspace_id, assignee_id) REFERENCES workspace_members(workspace_id, user_id) ON DELETE SET NULL (assignee_id)`,
    `constraint tasks fk_tasks_assignee_membership FOREIGN KEY (workspace_id, assignee_id) REFERENCES workspace_members(workspace_id, user_id) ON DELETE SET NULL`],
]);
