import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verify } from '@node-rs/argon2';
import { expect } from 'chai';
import { Client } from 'pg';
import { seedDemo } from '../../seeders/demo';
import { DEMO_PASSWORD } from '../../seeders/demo-tenants';
import { newApiToken } from '../../src/auth/tokens';
import { startTestApp } from '../support/app';
import { fingerprint, scratchDatabase, withClient, type ScratchDatabase } from '../support/ops-factories';

describe('the demo seed', function () {
  this.timeout(120_000);
  let work: string;
  let db: ScratchDatabase;
  let uploadDir: string;
  let sql: (text: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;
  let client: Client;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-seed-'));
    uploadDir = join(work, 'uploads');
    db = await scratchDatabase({ migrate: true });
    await seedDemo(db.ownerUrl, uploadDir);
    client = new Client({ connectionString: db.ownerUrl });
    await client.connect();
    sql = async (text, params) => (await client.query(text, params)).rows;
  });

  after(async () => {
    await client?.end();
    await db?.drop();
    await rm(work, { recursive: true, force: true });
  });

  it('creates Acme, Globex and Initech, each with an owner, an admin, members and a viewer', async () => {
    const rows = await sql(`
      SELECT w.slug, array_agg(DISTINCT wm.role::text) AS workspace_roles,
             (SELECT array_agg(DISTINCT pm.role::text) FROM project_members pm WHERE pm.workspace_id = w.id) AS project_roles
        FROM workspaces w JOIN workspace_members wm ON wm.workspace_id = w.id
       GROUP BY w.id ORDER BY w.slug`);
    expect(rows.map((r) => r.slug)).to.deep.equal(['acme', 'globex', 'initech']);
    for (const row of rows) {
      expect(row.workspace_roles, String(row.slug)).to.include.members(['owner', 'admin', 'member']);
      expect(row.project_roles, String(row.slug)).to.have.members(['owner', 'admin', 'member', 'viewer']);
    }
    const [acme] = await sql(`SELECT u.email FROM workspaces w JOIN users u ON u.id = w.owner_id WHERE w.slug = 'acme'`);
    expect(acme.email).to.equal('alice@acme.test');
  });

  it('gives every tenant projects of each visibility and 50+ tasks with subtasks, dependencies, tags and future due dates', async () => {
    const rows = await sql(`
      SELECT w.slug,
             (SELECT array_agg(DISTINCT visibility::text) FROM projects p WHERE p.workspace_id = w.id) AS visibilities,
             (SELECT count(*)::int FROM tasks t WHERE t.workspace_id = w.id) AS tasks,
             (SELECT count(*)::int FROM tasks t WHERE t.workspace_id = w.id AND t.parent_task_id IS NOT NULL) AS subtasks,
             (SELECT count(*)::int FROM task_dependencies d WHERE d.workspace_id = w.id) AS dependencies,
             (SELECT count(*)::int FROM tasks t WHERE t.workspace_id = w.id AND cardinality(t.tags) > 0) AS tagged,
             (SELECT count(*)::int FROM tasks t WHERE t.workspace_id = w.id AND t.due_date > now()) AS due_later,
             (SELECT count(*)::int FROM tasks t WHERE t.workspace_id = w.id AND t.due_date <= now()) AS overdue
        FROM workspaces w ORDER BY w.slug`);
    for (const row of rows) {
      expect(row.visibilities, String(row.slug)).to.have.members(['private', 'internal', 'public']);
      expect(row.tasks, String(row.slug)).to.be.at.least(50);
      expect(row.subtasks, String(row.slug)).to.be.at.least(5);
      expect(row.dependencies, String(row.slug)).to.be.at.least(5);
      expect(row.tagged, String(row.slug)).to.be.at.least(10);
      expect(row.due_later, String(row.slug)).to.be.at.least(10);
      expect(row.overdue, String(row.slug)).to.equal(0);
    }
  });

  it('gives documents several versions, written by the versioning trigger', async () => {
    const rows = await sql(`
      SELECT d.id, d.version, count(v.id)::int AS versions, max(v.version_number) AS latest
        FROM documents d JOIN document_versions v ON v.document_id = d.id GROUP BY d.id`);
    expect(rows.length).to.be.at.least(6);
    for (const row of rows) {
      expect(row.version).to.be.at.least(3);
      expect(row.versions).to.equal(row.version);
      expect(row.latest).to.equal(row.version);
    }
  });

  it('stores attachments as files under UPLOAD_DIR with matching sizes', async () => {
    const rows = await sql(`SELECT storage_path, file_size::int AS size FROM file_attachments`);
    expect(rows.length).to.be.at.least(6);
    for (const row of rows) {
      const content = await readFile(join(uploadDir, String(row.storage_path)));
      expect(content.length).to.equal(row.size);
    }
  });

  it('records the activity with the people who did it as actors', async () => {
    const [row] = await sql(`
      SELECT count(*)::int AS events, count(*) FILTER (WHERE actor_id IS NULL)::int AS anonymous,
             count(DISTINCT actor_id)::int AS actors, count(DISTINCT table_name)::int AS tables
        FROM audit_events`);
    expect(row.events).to.be.greaterThan(300);
    expect(row.anonymous).to.equal(0);
    expect(row.actors).to.be.at.least(9);
    expect(row.tables).to.equal(8);
  });

  it('gives every demo user the documented password, hashed with argon2id', async () => {
    const rows = await sql(`SELECT email, password_hash FROM users ORDER BY email`);
    expect(rows).to.have.length(15);
    const [alice] = rows.filter((r) => r.email === 'alice@acme.test');
    expect(String(alice.password_hash)).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verify(String(alice.password_hash), DEMO_PASSWORD)).to.equal(true);
  });

  it('changes nothing when run a second time', async () => {
    const before = await fingerprint(db.ownerUrl);

    const results = await seedDemo(db.ownerUrl, uploadDir);

    expect(results.map((r) => r.created)).to.deep.equal([false, false, false]);
    expect(await fingerprint(db.ownerUrl)).to.deep.equal(before);
  });

  it('is deterministic: another database gets the same ids and content', async () => {
    const other = await scratchDatabase({ migrate: true });
    try {
      await seedDemo(other.ownerUrl, join(work, 'other-uploads'));
      const stable = `SELECT md5(string_agg(id::text || title || status || coalesce(assignee_id::text, '') || tags::text, ',' ORDER BY id)) AS tasks,
                             (SELECT md5(string_agg(id::text || name || visibility, ',' ORDER BY id)) FROM projects) AS projects
                        FROM tasks`;
      const [mine] = await sql(stable);
      const [theirs] = await withClient(other.ownerUrl, async (c) => (await c.query(stable)).rows);
      expect(theirs).to.deep.equal(mine);
    } finally {
      await other.drop();
    }
  });

  it('lets alice list every Acme project through the API, and no private or internal project of another tenant', async () => {
    const [alice] = await sql(`SELECT id FROM users WHERE email = 'alice@acme.test'`);
    const { token, hash, prefix } = newApiToken();
    await sql(`INSERT INTO api_tokens (user_id, name, token_hash, token_prefix) VALUES ($1, 'test', $2, $3)`, [alice.id, hash, prefix]);
    const app = await startTestApp({ databaseUrl: db.appUrl });
    try {
      const res = await app.request.get('/projects?limit=200').set('Authorization', `Bearer ${token}`);

      expect(res.status).to.equal(200);
      const seen: string[] = res.body.data.map((p: { id: string }) => p.id);
      const ids = async (where: string) =>
        (await sql(`SELECT p.id FROM projects p JOIN workspaces w ON w.id = p.workspace_id WHERE ${where}`)).map((p) => String(p.id));
      expect(seen).to.include.members(await ids(`w.slug = 'acme'`));
      const hidden = await ids(`w.slug <> 'acme' AND p.visibility <> 'public'`);
      expect(hidden).to.have.length(6);
      expect(seen.filter((id) => hidden.includes(id))).to.deep.equal([]);
    } finally {
      await app.close();
    }
  });

  it('leaves no rows and no files behind when a tenant\'s seed fails half-way', async () => {
    const broken = await scratchDatabase({ migrate: true });
    const dir = join(work, 'broken-uploads');
    try {
      // The first attachment (on a task) goes in with its file; the second (on a document) fails.
      await withClient(broken.ownerUrl, (c) =>
        c.query(`ALTER TABLE file_attachments ADD CONSTRAINT no_document_files CHECK (entity_type <> 'document') NOT VALID`));

      const error = await seedDemo(broken.ownerUrl, dir).catch((e: Error) => e);

      expect(error).to.be.instanceOf(Error);
      expect((error as Error).message).to.match(/no_document_files/);
      const counts = await withClient(broken.ownerUrl, async (c) =>
        (await c.query(`SELECT (SELECT count(*)::int FROM workspaces) AS workspaces, (SELECT count(*)::int FROM tasks) AS tasks`)).rows[0]);
      expect(counts).to.deep.equal({ workspaces: 0, tasks: 0 });
      expect(existsSync(join(dir, 'files')), 'the files directory was made before the failure').to.equal(true);
      expect(await readdir(join(dir, 'files'))).to.deep.equal([]);
    } finally {
      await broken.drop();
    }
  });
});
