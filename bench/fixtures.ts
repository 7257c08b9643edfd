import { Client } from 'pg';
import { newApiToken } from '../src/auth/tokens';

/**
 * What the load is made of: for each endpoint a list of requests, each as a user who may
 * make it (a project member; a writer for writes), chosen deterministically from the
 * dataset by the owner role, and an API token per user, inserted directly (sha256, as
 * POST /auth/tokens would store it). Rows the load writes are marked `benchLoad` so the
 * next run (or the end of this one) removes them and the dataset stays as seeded.
 */
export interface Item {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  token: string;
  body?: string;
}

/** A document the PATCH load edits: one connection at a time, so If-Match never races. */
export interface DocState {
  id: string;
  version: number;
  token: string;
}

export interface Fixtures {
  listFirst: Item[];
  listBig: Array<Item & { projectId: string }>;
  getTask: Item[];
  createTask: Item[];
  listProjects: Item[];
  documents: DocState[];
}

const MARK = JSON.stringify({ benchLoad: true });
const TOKEN_NAME = 'bench load';

type Row = Record<string, string>;

/** Removes what earlier runs wrote: created tasks, bench documents, tokens and their audit rows. */
export async function cleanup(ownerUrl: string): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // The audit trigger records the deletes too: drop every event of these rows afterwards.
    const { rows } = await client.query(
      `WITH t AS (DELETE FROM tasks WHERE metadata @> $1::jsonb RETURNING id),
            d AS (DELETE FROM documents WHERE metadata @> $1::jsonb RETURNING id)
       SELECT coalesce(array_agg(id), '{}') AS ids FROM (SELECT id FROM t UNION ALL SELECT id FROM d) x`,
      [MARK],
    );
    await client.query('DELETE FROM audit_events WHERE row_id = ANY ($1::uuid[])', [rows[0].ids]);
    await client.query('DELETE FROM api_tokens WHERE name = $1', [TOKEN_NAME]);
    await client.query('COMMIT');
    // The load leaves tens of thousands of dead rows behind (more than the demo data holds);
    // without a vacuum, the next run's index scans would walk them. Autovacuum may be off or
    // late on a benchmark machine, so this does not wait for it.
    await client.query('VACUUM (ANALYZE) tasks, documents, document_versions, audit_events, api_tokens');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}

export interface FixtureSizes {
  projects: number;
  bigProjects: number;
  tasks: number;
  documents: number;
}

export async function buildFixtures(ownerUrl: string, sizes: FixtureSizes): Promise<Fixtures> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    // Projects with tasks, each with every one of its members (viewers too): ~4 users a project.
    const listRows: Row[] = (await client.query(
      `WITH sample AS (
         SELECT p.id FROM projects p
          WHERE EXISTS (SELECT 1 FROM tasks t WHERE t.project_id = p.id)
          ORDER BY md5(p.id::text) LIMIT $1)
       SELECT s.id AS project, pm.user_id AS "user" FROM sample s JOIN project_members pm ON pm.project_id = s.id
        ORDER BY md5(s.id::text || pm.user_id::text)`,
      [sizes.projects],
    )).rows;
    // The projects with the most tasks (deep pages), with their members.
    const bigRows: Row[] = (await client.query(
      `WITH big AS (SELECT project_id FROM tasks GROUP BY project_id ORDER BY count(*) DESC, project_id LIMIT $1)
       SELECT b.project_id AS project, pm.user_id AS "user" FROM big b JOIN project_members pm ON pm.project_id = b.project_id
        ORDER BY md5(b.project_id::text || pm.user_id::text)`,
      [sizes.bigProjects],
    )).rows;
    const taskRows: Row[] = (await client.query(
      `SELECT t.id AS task, m.user_id AS "user"
         FROM (SELECT id, project_id FROM tasks ORDER BY md5(id::text) LIMIT $1) t
         CROSS JOIN LATERAL (SELECT user_id FROM project_members pm WHERE pm.project_id = t.project_id
                              ORDER BY md5(pm.user_id::text || t.id::text) LIMIT 1) m`,
      [sizes.tasks],
    )).rows;
    // Writers (owner, admin, member) of active projects.
    const writerRows: Row[] = (await client.query(
      `WITH sample AS (SELECT id FROM projects WHERE status = 'active' ORDER BY md5(id::text || 'write') LIMIT $1)
       SELECT s.id AS project, pm.user_id AS "user" FROM sample s
         JOIN project_members pm ON pm.project_id = s.id AND pm.role IN ('owner', 'admin', 'member')
        ORDER BY md5(s.id::text || pm.user_id::text)`,
      [sizes.projects],
    )).rows;
    const docWriters = Array.from({ length: sizes.documents }, (_, i) => writerRows[i % writerRows.length]);
    const docRows: Row[] = (await client.query(
      `INSERT INTO documents (workspace_id, project_id, title, content, author_id, metadata)
       SELECT p.workspace_id, x.project_id, 'Bench load document ' || x.n, 'First version.', x.user_id, $3::jsonb
         FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS x(project_id, user_id, n)
         JOIN projects p ON p.id = x.project_id
       RETURNING id, version, author_id AS "user"`,
      [docWriters.map((r) => r.project), docWriters.map((r) => r.user), MARK],
    )).rows;

    const users = new Set([...listRows, ...bigRows, ...taskRows, ...writerRows].map((r) => r.user));
    const tokens = await createTokens(client, [...users]);
    const as = (user: string) => tokens.get(user)!;

    return {
      listFirst: listRows.map((r) => ({ method: 'GET', path: `/projects/${r.project}/tasks`, token: as(r.user) })),
      listBig: bigRows.map((r) => ({ method: 'GET', path: `/projects/${r.project}/tasks`, token: as(r.user), projectId: r.project })),
      getTask: taskRows.map((r) => ({ method: 'GET', path: `/tasks/${r.task}`, token: as(r.user) })),
      createTask: writerRows.map((r, i) => ({
        method: 'POST', path: `/projects/${r.project}/tasks`, token: as(r.user),
        body: JSON.stringify({
          title: `Bench load task ${i}`, description: 'Created by npm run bench.', priority: 'high',
          tags: ['bench'], dueDate: '2099-01-01T00:00:00.000Z', metadata: { benchLoad: true },
        }),
      })),
      listProjects: [...users].map((u) => ({ method: 'GET', path: '/projects', token: as(u) })),
      documents: docRows.map((r) => ({ id: r.id, version: Number(r.version), token: as(r.user) })),
    };
  } finally {
    await client.end();
  }
}

async function createTokens(client: Client, users: string[]): Promise<Map<string, string>> {
  const made = users.map((user) => ({ user, ...newApiToken() }));
  await client.query(
    `INSERT INTO api_tokens (user_id, name, token_hash, token_prefix)
     SELECT * FROM unnest($1::uuid[], array_fill($2::text, ARRAY[cardinality($1::uuid[])]), $3::text[], $4::text[])`,
    [made.map((m) => m.user), TOKEN_NAME, made.map((m) => m.hash), made.map((m) => m.prefix)],
  );
  return new Map(made.map((m) => [m.user, m.token]));
}

/**
 * Follows a project's cursor chain through the API (as a member) and returns the request
 * for the page `depth` pages in, or the deepest page there is.
 */
export async function deepPage(appUrl: string, item: Item, depth: number): Promise<{ item: Item; depth: number } | null> {
  let cursor: string | null = null;
  let reached = 0;
  for (let page = 1; page <= depth; page += 1) {
    const path: string = cursor ? `${item.path}?cursor=${encodeURIComponent(cursor)}` : item.path;
    const res = await fetch(`${appUrl}${path}`, { headers: { authorization: `Bearer ${item.token}` } });
    if (!res.ok) throw new Error(`walking ${path}: ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { nextCursor: string | null };
    if (!body.nextCursor) break;
    cursor = body.nextCursor;
    reached = page;
  }
  if (!cursor) return null;
  return { item: { ...item, path: `${item.path}?cursor=${encodeURIComponent(cursor)}` }, depth: reached + 1 };
}

/** Reads the documents' current versions (a run may end with a PATCH whose answer it never read). */
export async function refreshVersions(ownerUrl: string, documents: DocState[]): Promise<void> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    const { rows } = await client.query('SELECT id, version FROM documents WHERE id = ANY ($1::uuid[])', [documents.map((d) => d.id)]);
    const versions = new Map(rows.map((r) => [r.id as string, Number(r.version)]));
    for (const doc of documents) doc.version = versions.get(doc.id) ?? doc.version;
  } finally {
    await client.end();
  }
}
