import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { owner } from '../support/db';

/**
 * docs/scaling.md states facts about the schema that a move to Citus depends on; this checks
 * them against the migrated catalog, so the page cannot drift from the migrations: which
 * tables are distributed and which are reference tables, `workspace_id NOT NULL` on every
 * distributed table, the foreign keys, and that its list of keys to change is complete.
 */
const PAGE = readFileSync(join(__dirname, '..', '..', 'docs', 'scaling.md'), 'utf8');

/** The rows of the first table under a heading, as their cells with backticks removed. */
function tableUnder(heading: string): string[][] {
  const start = PAGE.indexOf(`\n${heading}\n`);
  expect(start, `docs/scaling.md has the heading "${heading}"`).to.be.greaterThan(-1);
  const next = PAGE.indexOf('\n#', start + heading.length + 2);
  const section = PAGE.slice(start, next === -1 ? undefined : next);
  return section.split('\n')
    .filter((line) => line.startsWith('|') && !/^\|[-| ]+\|$/.test(line))
    .slice(1) // the header row
    .map((line) => line.slice(1, -1).split('|').map((cell) => cell.trim()));
}
const firstCells = (rows: string[][]) => rows.map(([cell]) => cell.replace(/`/g, '')).sort();

interface Key { name: string; type: 'p' | 'u' | 'f'; table: string; columns: string[]; references: string | null; referencedColumns: string[] | null }

async function catalog() {
  const tables = (await owner().query(`
    SELECT c.relname AS name, a.attnotnull AS "workspaceIdNotNull", a.attname IS NOT NULL AS "hasWorkspaceId"
      FROM pg_class c LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'typeorm_migrations'`)).rows as
    Array<{ name: string; workspaceIdNotNull: boolean | null; hasWorkspaceId: boolean }>;
  const keys = (await owner().query(`
    SELECT con.conname AS name, con.contype AS type, c.relname AS table,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum = ANY (con.conkey)) AS columns,
           f.relname AS references,
           (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = f.oid AND a.attnum = ANY (con.confkey)) AS "referencedColumns"
      FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_class f ON f.oid = con.confrelid
     WHERE c.relnamespace = 'public'::regnamespace AND con.contype IN ('p', 'u', 'f') AND c.relname <> 'typeorm_migrations'`)).rows as Key[];
  return { tables, keys };
}

describe('docs/scaling.md against the catalog', () => {
  const distributed = firstCells(tableUnder('### Distributed tables (by `workspace_id`)'));
  const reference = firstCells(tableUnder('### Reference tables (copied to every worker)'));
  const toChange = tableUnder('### Keys that would have to change').map(([name, table]) => ({ name: name.replace(/`/g, ''), table }));

  it('lists as distributed exactly the tables with a workspace_id, and it is NOT NULL in each', async () => {
    const { tables } = await catalog();
    expect(distributed).to.deep.equal(tables.filter((t) => t.hasWorkspaceId).map((t) => t.name).sort());
    expect(tables.filter((t) => t.hasWorkspaceId && !t.workspaceIdNotNull).map((t) => t.name), 'nullable workspace_id').to.deep.equal([]);
  });

  it('lists every other table as a reference table', async () => {
    const { tables } = await catalog();
    expect(reference).to.deep.equal(tables.filter((t) => !t.hasWorkspaceId).map((t) => t.name).sort());
  });

  it('has no foreign key from a reference table to a distributed table', async () => {
    const { keys } = await catalog();
    const wrongWay = keys.filter((k) => k.type === 'f' && reference.includes(k.table) && distributed.includes(k.references!));
    expect(wrongWay.map((k) => k.name)).to.deep.equal([]);
  });

  it('lists every key of a distributed table that lacks workspace_id, and nothing else, under "Keys that would have to change"', async () => {
    const { keys } = await catalog();
    const lacking = keys.filter((k) => distributed.includes(k.table) && (
      k.type === 'f'
        // a foreign key between two distributed tables must join them on workspace_id
        ? distributed.includes(k.references!) && !(k.columns.includes('workspace_id') && k.referencedColumns!.includes('workspace_id'))
        : !k.columns.includes('workspace_id')));
    expect(toChange.map((k) => k.name).sort()).to.deep.equal(lacking.map((k) => k.name).sort());
    for (const listed of toChange) {
      expect(listed.table, listed.name).to.equal(lacking.find((k) => k.name === listed.name)?.table);
    }
  });

  it('has every foreign key between distributed tables join on workspace_id, apart from those listed to change', async () => {
    const { keys } = await catalog();
    const between = keys.filter((k) => k.type === 'f' && distributed.includes(k.table) && distributed.includes(k.references!));
    expect(between.length).to.be.greaterThan(5);
    const listed = new Set(toChange.map((k) => k.name));
    const without = between.filter((k) => !listed.has(k.name) && !(k.columns.includes('workspace_id') && k.referencedColumns!.includes('workspace_id')));
    expect(without.map((k) => k.name)).to.deep.equal([]);
  });
});
