import { hash } from '@node-rs/argon2';
import { Client } from 'pg';

/**
 * The large (benchmark) dataset: by default 10,000 workspaces, 50,000 users, 30,000
 * projects and 1,000,000 tasks, with members, subtasks, dependencies and versioned
 * documents. Built with set-based SQL (INSERT ... SELECT over generate_series) as the owner
 * role (direct connection, BYPASSRLS), in ONE transaction: a failure leaves nothing behind.
 * Unlike the demo seeder (seeders/demo.ts, which writes through the TypeORM entities), it keeps
 * hand-written SQL: a million rows one INSERT each would take hours instead of minutes.
 * The load locks the tables it writes (ALTER TABLE ... DISABLE TRIGGER) until it commits:
 * build it before the app serves that database, not beside live traffic.
 *
 * Deterministic: every id is md5(tag:kind:number) made a version-4 uuid, and every "random"
 * choice is a hash of the row's numbers, so two machines build the same rows. Sizes scale by
 * options (the EXPLAIN tests build it at 1/40); a distinct `tag` lets a second dataset live
 * beside the first.
 *
 * Shape (what the benchmark and the EXPLAIN tests rely on):
 * - user u: email `<tag>.user<u>@bench.example.com`, password `bench-password-123`.
 * - workspace w: slug `<tag>-w<w>`, members in 5 slots: users ((w-1)*5 + k) % users + 1,
 *   k = 0 owner, 1 admin, 2-3 member, 4 guest; every 4th workspace has a member from elsewhere.
 * - project p: in workspace ((p-1) % workspaces) + 1, owned by slot j % 4 (j = the project's
 *   rank in its workspace); 2% public, 20% internal, the rest private. Members: the owner plus
 *   2-4 other slots with roles member, viewer, admin, member (in that order).
 * - projects 1..bigProjects hold bigProjectTasks tasks each (deep pages); the other tasks are
 *   spread over the other projects with an exponential (skewed) distribution.
 * - subtasks: about 1 task in 200 is the child of the task created just before it;
 *   dependencies: task n of a project depends on task n-7 when n % 50 = 20 (always backwards,
 *   so the graph is acyclic).
 * - documents round-robin over the projects, with 1-3 versions each.
 */
export const LARGE_PASSWORD = 'bench-password-123';

export interface LargeOptions {
  workspaces: number;
  users: number;
  projects: number;
  tasks: number;
  documents: number;
  /** How many projects get bigProjectTasks tasks each (for the deep-page benchmark). */
  bigProjects: number;
  bigProjectTasks: number;
  /** Prefix of slugs, emails and id derivation: lower-case letters and digits. */
  tag: string;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export const LARGE_DEFAULTS: LargeOptions = {
  workspaces: 10_000,
  users: 50_000,
  projects: 30_000,
  tasks: 1_000_000,
  documents: 50_000,
  bigProjects: 20,
  bigProjectTasks: 6_000,
  tag: 'bench',
};

/** The default sizes at 1/scale (scale 1: the full dataset), keeping big projects for deep pages. */
export function scaledLargeOptions(scale: number): Partial<LargeOptions> {
  const d = LARGE_DEFAULTS;
  const part = (n: number) => Math.max(1, Math.round(n / scale));
  const bigProjects = Math.min(d.bigProjects, Math.max(2, part(d.bigProjects)));
  return {
    workspaces: part(d.workspaces), users: Math.max(10, part(d.users)), projects: part(d.projects),
    tasks: part(d.tasks), documents: part(d.documents), bigProjects,
    // At most a quarter of the tasks are in the big projects.
    bigProjectTasks: Math.min(d.bigProjectTasks, Math.floor(part(d.tasks) / 4 / bigProjects)),
  };
}

export interface LargeResult {
  created: boolean;
  seconds: number;
  counts: Record<string, number>;
}

// Every table the load writes and whose user triggers (owner memberships, versioning, audit,
// cycle guard) it switches off: the load writes those rows itself, set-based.
const TRIGGERED_TABLES = [
  'workspaces', 'workspace_members', 'projects', 'project_members', 'tasks', 'task_dependencies', 'documents',
];

/** Builds the dataset unless its first workspace already exists (then only counts). */
export async function seedLarge(ownerUrl: string, options: Partial<LargeOptions> = {}): Promise<LargeResult> {
  const o = { ...LARGE_DEFAULTS, ...options };
  validate(o);
  const log = o.log ?? (() => undefined);
  const started = Date.now();
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    // Two seeders started at once must not both build the same dataset.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('large-seed'), hashtext($1))`, [o.tag]);
    const existing = await client.query('SELECT 1 FROM workspaces WHERE slug = $1', [`${o.tag}-w1`]);
    if (existing.rowCount) {
      await client.query('ROLLBACK');
      return { created: false, seconds: 0, counts: await countRows(client, o.tag) };
    }
    // Durability of each commit is irrelevant for a bulk load that is one transaction.
    await client.query(`SET LOCAL synchronous_commit = off`);
    await client.query(`SET LOCAL work_mem = '64MB'`);
    await client.query(`SET LOCAL jit = off`);
    // DISABLE TRIGGER is transactional: a failed load rolls it back with everything else.
    for (const table of TRIGGERED_TABLES) await client.query(`ALTER TABLE ${table} DISABLE TRIGGER USER`);
    try {
      const passwordHash = await hash(LARGE_PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 });
      for (const [name, sql] of statements(o)) {
        const t0 = Date.now();
        const result = await client.query(sql, name === 'users' ? [passwordHash] : []);
        log(`${name.padEnd(18)} ${String(result.rowCount ?? '').padStart(9)} rows  ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      }
    } finally {
      for (const table of TRIGGERED_TABLES) await client.query(`ALTER TABLE ${table} ENABLE TRIGGER USER`).catch(() => undefined);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }

  // Statistics and the visibility map (index-only scans) for the planner, outside the load.
  const maintenance = new Client({ connectionString: ownerUrl });
  await maintenance.connect();
  try {
    const t0 = Date.now();
    for (const table of ['users', ...TRIGGERED_TABLES, 'document_versions']) await maintenance.query(`VACUUM (ANALYZE) ${table}`);
    log(`vacuum analyze     ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return { created: true, seconds: (Date.now() - started) / 1000, counts: await countRows(maintenance, o.tag) };
  } finally {
    await maintenance.end();
  }
}

function validate(o: LargeOptions): void {
  if (!/^[a-z][a-z0-9]{0,15}$/.test(o.tag)) throw new Error(`tag must be 1-16 lower-case letters and digits: ${o.tag}`);
  for (const key of ['workspaces', 'users', 'projects', 'tasks', 'documents', 'bigProjects', 'bigProjectTasks'] as const) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) throw new Error(`${key} must be a non-negative integer`);
  }
  if (o.workspaces < 1 || o.projects < 1) throw new Error('at least one workspace and one project');
  if (o.users < 10) throw new Error('at least 10 users (5 distinct members per workspace plus guests from elsewhere)');
  if (o.bigProjects >= o.projects) throw new Error('bigProjects must be fewer than projects');
  if (o.bigProjects * o.bigProjectTasks > o.tasks) throw new Error('the big projects alone exceed the task count');
}

/** Counts of this tag's rows, e.g. to tell whether a database already holds the dataset. */
export async function countRows(client: Client, tag: string): Promise<Record<string, number>> {
  const { rows } = await client.query(
    `WITH ws AS (SELECT id FROM workspaces WHERE slug LIKE $1 || '-w%')
     SELECT (SELECT count(*) FROM ws)::int AS workspaces,
            (SELECT count(*) FROM users WHERE email LIKE $1 || '.user%')::int AS users,
            (SELECT count(*) FROM projects WHERE workspace_id IN (SELECT id FROM ws))::int AS projects,
            (SELECT count(*) FROM tasks WHERE workspace_id IN (SELECT id FROM ws))::int AS tasks,
            (SELECT count(*) FROM documents WHERE workspace_id IN (SELECT id FROM ws))::int AS documents`,
    [tag],
  );
  return rows[0];
}

/** The load, statement by statement, in foreign-key order. Only validated integers and the tag are inlined. */
function statements(o: LargeOptions): Array<[string, string]> {
  // An md5 with the version (4) and variant (10xx) bits of RFC 9562 set: the API validates ids strictly.
  const id = (kind: string, ...parts: string[]) =>
    `overlay(overlay(md5('${o.tag}:${kind}:' || ${parts.join(` || ':' || `)}) placing '4' from 13) placing '8' from 17)::uuid`;
  // User id of workspace w's member slot k (0-4).
  const slotUser = (w: string, k: string) => id('u', `(((${w} - 1) * 5 + ${k}) % ${o.users} + 1)`);
  // A uniform number in [0, 2^32) from the given integers: deterministic "randomness".
  const h = (expr: string) => `(hashint8(${expr})::bigint + 2147483648)`;
  const epoch = `timestamptz '2024-01-01 00:00:00+00'`;
  // Another workspace's member joins every 4th workspace: some users are in two tenants.
  const guestOffset = Math.floor(o.users / 2);
  const normalTasks = o.tasks - o.bigProjects * o.bigProjectTasks;

  return [
    ['users', `
      INSERT INTO users (id, email, username, password_hash, first_name, last_name, email_verified, status, created_at, updated_at, metadata)
      SELECT ${id('u', 'u')}, '${o.tag}.user' || u || '@bench.example.com', '${o.tag}_user' || u, $1,
             (ARRAY['Ada','Grace','Alan','Edsger','Barbara','Ken','Margaret','Donald'])[u % 8 + 1],
             (ARRAY['Lovelace','Hopper','Turing','Dijkstra','Liskov','Thompson','Hamilton','Knuth'])[(u / 8) % 8 + 1],
             true, 'active', ${epoch} + u * interval '1 second', ${epoch} + u * interval '1 second', '{"bench": true}'
        FROM generate_series(1, ${o.users}) u`],

    ['workspaces', `
      INSERT INTO workspaces (id, name, slug, owner_id, settings, created_at, updated_at)
      SELECT ${id('w', 'w')}, 'Bench workspace ' || w, '${o.tag}-w' || w, ${slotUser('w', '0')},
             jsonb_build_object('timezone', 'UTC', 'bench', true), ${epoch} + interval '1 day' + w * interval '1 minute',
             ${epoch} + interval '1 day' + w * interval '1 minute'
        FROM generate_series(1, ${o.workspaces}) w`],

    ['workspace_members', `
      INSERT INTO workspace_members (workspace_id, user_id, role, joined_at)
      SELECT ${id('w', 'w')}, ${slotUser('w', 'k')},
             (CASE k WHEN 0 THEN 'owner' WHEN 1 THEN 'admin' WHEN 4 THEN 'guest' ELSE 'member' END)::workspace_role,
             ${epoch} + interval '1 day' + w * interval '1 minute' + k * interval '1 second'
        FROM generate_series(1, ${o.workspaces}) w, generate_series(0, 4) k
      UNION ALL
      SELECT ${id('w', 'w')}, ${slotUser('w', String(guestOffset))}, 'member', ${epoch} + interval '2 days' + w * interval '1 minute'
        FROM generate_series(4, ${o.workspaces}, 4) w`],

    // The plan of every project: its workspace, owner slot, members and task count.
    ['plan', `
      CREATE TEMP TABLE large_seed_plan ON COMMIT DROP AS
      WITH base AS (
        SELECT p, (p - 1) % ${o.workspaces} + 1 AS w, ((p - 1) / ${o.workspaces}) % 4 AS s0, 2 + p % 3 AS others,
               -- exponential weights (mean 1): most projects are small, a few are large
               -ln(1 - (${h('p::bigint * 7919')} % 1000000 + 0.5) / 1000000.0) AS weight
          FROM generate_series(1, ${o.projects}) p
      ), spread AS (
        SELECT *, sum(weight) FILTER (WHERE p > ${o.bigProjects}) OVER (ORDER BY p) AS upto,
               sum(weight) FILTER (WHERE p > ${o.bigProjects}) OVER () AS total
          FROM base
      )
      SELECT p, w, ${id('p', 'p')} AS project_id, ${id('w', 'w')} AS workspace_id, others,
             ARRAY(SELECT ${slotUser('w', '(s0 + i) % 5')} FROM generate_series(0, others) i ORDER BY i) AS members,
             ${epoch} + interval '7 days' + p * interval '10 minutes' AS created_at,
             CASE WHEN p <= ${o.bigProjects} THEN ${o.bigProjectTasks}
                  ELSE (round(${normalTasks} * upto / total) - round(${normalTasks} * (upto - weight) / total))::int
             END AS n_tasks
        FROM spread`],

    ['projects', `
      INSERT INTO projects (id, workspace_id, name, description, owner_id, status, visibility, settings, created_at, updated_at, archived_at)
      SELECT project_id, workspace_id, 'Project ' || p, 'Benchmark project ' || p || ' of workspace ' || w, members[1],
             (CASE WHEN p % 40 = 7 THEN 'archived' WHEN p % 25 = 3 THEN 'completed' ELSE 'active' END)::project_status,
             (CASE WHEN p % 50 = 0 THEN 'public' WHEN p % 5 = 1 AND p > ${o.bigProjects} THEN 'internal' ELSE 'private' END)::project_visibility,
             jsonb_build_object('theme', (ARRAY['light','dark'])[p % 2 + 1]), created_at, created_at,
             CASE WHEN p % 40 = 7 THEN created_at + interval '30 days' END
        FROM large_seed_plan`],

    ['project_members', `
      INSERT INTO project_members (workspace_id, project_id, user_id, role, joined_at)
      SELECT workspace_id, project_id, members[i + 1],
             (CASE i WHEN 0 THEN 'owner' WHEN 1 THEN 'member' WHEN 2 THEN 'viewer' WHEN 3 THEN 'admin' ELSE 'member' END)::project_role,
             created_at + i * interval '1 second'
        FROM large_seed_plan, generate_series(0, others) i`],

    ['tasks', `
      INSERT INTO tasks (id, workspace_id, project_id, parent_task_id, title, description, status, priority, assignee_id,
                         creator_id, due_date, estimated_hours, tags, metadata, created_at, updated_at, completed_at)
      SELECT ${id('t', 'p', 'n')}, workspace_id, project_id,
             CASE WHEN n > 1 AND r % 200 = 0 THEN ${id('t', 'p', '(n - 1)')} END,
             (ARRAY['Fix','Write','Review','Design','Ship','Test','Plan','Refactor'])[r % 8 + 1] || ' ' ||
             (ARRAY['login flow','billing page','search index','API docs','release notes','onboarding','dashboard','export'])[(r / 8) % 8 + 1] ||
             ' #' || n,
             CASE WHEN r % 3 = 0 THEN 'Details of task ' || n || ' in project ' || p || '. Acceptance: it works, it is tested, it is documented.' END,
             (CASE WHEN r % 100 < 35 THEN 'pending' WHEN r % 100 < 55 THEN 'in_progress' WHEN r % 100 < 65 THEN 'review'
                   WHEN r % 100 < 90 THEN 'done' WHEN r % 100 < 95 THEN 'blocked' ELSE 'cancelled' END)::task_status,
             (CASE WHEN r / 100 % 100 < 20 THEN 'low' WHEN r / 100 % 100 < 65 THEN 'medium' WHEN r / 100 % 100 < 90 THEN 'high'
                   ELSE 'urgent' END)::task_priority,
             CASE WHEN r % 7 = 0 THEN NULL ELSE members[1 + (r / 7) % (others + 1)] END,
             members[1 + (r / 13) % 2],
             CASE WHEN r % 10 < 7 THEN created + (1 + r % 60) * interval '1 day' END,
             CASE WHEN r % 4 = 0 THEN 1 + r % 40 END,
             CASE r % 8 WHEN 0 THEN '{}'::text[] WHEN 1 THEN '{backend}' WHEN 2 THEN '{frontend}' WHEN 3 THEN '{bug,backend}'
                        WHEN 4 THEN '{design,ux}' WHEN 5 THEN '{infra}' WHEN 6 THEN '{docs}' ELSE '{bug,security,backend}' END,
             CASE WHEN r % 10 = 0 THEN jsonb_build_object('storyPoints', r % 13) ELSE '{}'::jsonb END,
             created, created,
             CASE WHEN r % 100 BETWEEN 65 AND 89 THEN created + interval '2 days' END
        FROM large_seed_plan
       CROSS JOIN LATERAL generate_series(1, n_tasks) n
       CROSS JOIN LATERAL (SELECT ${h('p::bigint * 1000003 + n')} AS r,
                                  -- strictly increasing with n: the keyset order is the creation order
                                  created_at + n * interval '1 minute' + (${h('p::bigint * 31 + n')} % 59000) * interval '1 millisecond' AS created) x`],

    ['task_dependencies', `
      INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id, dependency_type, created_at)
      SELECT workspace_id, ${id('t', 'p', 'n')}, ${id('t', 'p', '(n - 7)')},
             (CASE WHEN n % 150 = 20 THEN 'relates_to' ELSE 'blocks' END)::dependency_type,
             created_at + n * interval '1 minute' + interval '1 hour'
        FROM large_seed_plan
       CROSS JOIN LATERAL generate_series(20, n_tasks, 50) n`],

    ['documents', `
      INSERT INTO documents (id, workspace_id, project_id, title, content, content_type, author_id, version, status, tags,
                             metadata, change_summary, created_at, updated_at, published_at)
      SELECT ${id('d', 'd')}, pl.workspace_id, pl.project_id, 'Document ' || d || ' of project ' || pl.p,
             '# Document ' || d || E'\\n\\n' || repeat('Lorem ipsum dolor sit amet, consectetur adipiscing elit. ', 8) || E'\\n\\nVersion ' || (1 + d % 3),
             'markdown', pl.members[1 + d % 2], 1 + d % 3,
             (CASE d % 4 WHEN 0 THEN 'draft' WHEN 1 THEN 'review' WHEN 2 THEN 'published' ELSE 'archived' END)::document_status,
             CASE WHEN d % 2 = 0 THEN '{spec}'::text[] ELSE '{notes}' END, '{}', CASE WHEN d % 3 > 0 THEN 'Revision ' || (1 + d % 3) END,
             pl.created_at + interval '1 hour', pl.created_at + interval '1 hour' + (d % 3) * interval '1 day',
             CASE WHEN d % 4 = 2 THEN pl.created_at + interval '3 days' END
        FROM generate_series(1, ${o.documents}) d
        JOIN large_seed_plan pl ON pl.p = (d - 1) % ${o.projects} + 1`],

    ['document_versions', `
      INSERT INTO document_versions (workspace_id, document_id, version_number, title, content, change_summary, author_id, created_at)
      SELECT d.workspace_id, d.id, v, d.title,
             CASE WHEN v = d.version THEN d.content ELSE '# Earlier draft ' || v END,
             CASE WHEN v > 1 THEN 'Revision ' || v END, d.author_id, d.created_at + (v - 1) * interval '1 day'
        FROM documents d
        JOIN large_seed_plan pl ON pl.project_id = d.project_id
       CROSS JOIN LATERAL generate_series(1, d.version) v`],
  ];
}
