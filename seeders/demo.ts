import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { faker } from '@faker-js/faker';
import { hash } from '@node-rs/argon2';
import { Client } from 'pg';
import {
  DEMO_PASSWORD, DEMO_PROJECTS, DEMO_TENANTS, type DemoProjectPlan, type DemoTenant,
} from './demo-tenants';

/**
 * Seeds the demo tenants as the owner role (a direct connection, BYPASSRLS). Each tenant is
 * one transaction, skipped when its workspace slug already exists: running twice changes
 * nothing. Every value (ids included) comes from faker with a fixed seed per tenant, so two
 * machines get the same data. The actor of each write is set with a transaction-local
 * app.current_user_id, so the audit triggers record who did what.
 */
const SEED = 20_251_123;
const TAGS = ['frontend', 'backend', 'design', 'bug', 'research', 'infra', 'docs', 'security', 'ux', 'qa'];
const TASK_STATUSES = ['pending', 'in_progress', 'review', 'done', 'blocked', 'cancelled'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

export interface SeedResult {
  tenant: string;
  workspaceId: string;
  created: boolean;
}

let passwordHash: Promise<string> | undefined;
// One argon2id hash (m=19456 KiB, t=2, p=1) shared by every demo user: hashing is slow on purpose.
const demoPasswordHash = () =>
  (passwordHash ??= hash(DEMO_PASSWORD, { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 }));

export async function seedDemo(ownerUrl: string, uploadDir: string): Promise<SeedResult[]> {
  const results: SeedResult[] = [];
  for (const [index, tenant] of DEMO_TENANTS.entries()) {
    results.push(await seedTenant(ownerUrl, uploadDir, tenant, SEED + index));
  }
  return results;
}

type Query = (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>;

async function seedTenant(ownerUrl: string, uploadDir: string, tenant: DemoTenant, seed: number): Promise<SeedResult> {
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  const q: Query = async (sql, params) => (await client.query(sql, params)).rows;
  const writtenFiles: string[] = [];
  try {
    await q('BEGIN');
    // Two seeders started at once (two demos) must not both seed the same tenant.
    await q(`SELECT pg_advisory_xact_lock(hashtext('demo-seed'), hashtext($1))`, [tenant.slug]);
    const [existing] = await q('SELECT id FROM workspaces WHERE slug = $1', [tenant.slug]);
    if (existing) {
      await q('ROLLBACK');
      return { tenant: tenant.name, workspaceId: existing.id as string, created: false };
    }
    faker.seed(seed);
    const workspaceId = await writeTenant(q, uploadDir, tenant, writtenFiles);
    await q('COMMIT');
    return { tenant: tenant.name, workspaceId, created: true };
  } catch (error) {
    await q('ROLLBACK').catch(() => undefined);
    // Files of a rolled-back seed would be orphans.
    await Promise.all(writtenFiles.map((file) => rm(file, { force: true })));
    throw error;
  } finally {
    await client.end();
  }
}

async function writeTenant(q: Query, uploadDir: string, tenant: DemoTenant, writtenFiles: string[]): Promise<string> {
  const actAs = (userId: string) => q(`SELECT set_config('app.current_user_id', $1, true)`, [userId]);

  const userIds: string[] = [];
  for (const person of tenant.people) {
    const id = faker.string.uuid();
    await q(
      `INSERT INTO users (id, email, username, password_hash, first_name, last_name, email_verified, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, true, $7) ON CONFLICT (email) DO NOTHING`,
      [id, person.email, person.username, await demoPasswordHash(), person.firstName, person.lastName,
        { demo: true, title: faker.person.jobTitle() }],
    );
    const [row] = await q('SELECT id FROM users WHERE email = $1', [person.email]);
    userIds.push(row.id as string);
    await q(
      `INSERT INTO user_profiles (user_id, bio, location, preferences) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id) DO NOTHING`,
      [row.id, faker.person.bio(), faker.location.city(), { theme: faker.helpers.arrayElement(['light', 'dark']) }],
    );
  }

  const ownerId = userIds[0];
  const workspaceId = faker.string.uuid();
  await actAs(ownerId);
  await q(
    `INSERT INTO workspaces (id, name, slug, owner_id, settings) VALUES ($1, $2, $3, $4, $5)`,
    [workspaceId, tenant.name, tenant.slug, ownerId, { timezone: 'UTC', demo: true }],
  );
  // The owner's membership row is written by trigger.
  for (const [i, person] of tenant.people.entries()) {
    if (i === 0) continue;
    await q(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, $3)`, [workspaceId, userIds[i], person.role]);
  }

  for (const plan of DEMO_PROJECTS) {
    await writeProject(q, actAs, uploadDir, { workspaceId, tenant, userIds, plan }, writtenFiles);
  }
  return workspaceId;
}

interface ProjectContext {
  workspaceId: string;
  tenant: DemoTenant;
  userIds: string[];
  plan: DemoProjectPlan;
}

async function writeProject(
  q: Query, actAs: (userId: string) => Promise<unknown>, uploadDir: string, ctx: ProjectContext, writtenFiles: string[],
): Promise<void> {
  const { workspaceId, tenant, userIds, plan } = ctx;
  const projectOwner = userIds[plan.owner];
  const projectId = faker.string.uuid();
  await actAs(projectOwner);
  await q(
    `INSERT INTO projects (id, workspace_id, name, description, owner_id, visibility, settings)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [projectId, workspaceId, `${tenant.name} ${plan.name}`, faker.company.catchPhrase(), projectOwner, plan.visibility,
      { theme: faker.helpers.arrayElement(['blue', 'green', 'orange']), boardColumns: ['todo', 'doing', 'done'] }],
  );
  for (const [index, role] of plan.members) {
    await q(
      `INSERT INTO project_members (workspace_id, project_id, user_id, role) VALUES ($1, $2, $3, $4)`,
      [workspaceId, projectId, userIds[index], role],
    );
  }
  // Who may write: the project owner and its admins and members (not viewers).
  const writers = [projectOwner, ...plan.members.filter(([, role]) => role !== 'viewer').map(([i]) => userIds[i])];
  const project = { workspaceId, projectId };

  const taskIds: string[] = [];
  for (let i = 0; i < plan.tasks; i += 1) {
    taskIds.push(await writeTask(q, actAs, project, writers, null));
  }
  for (let i = 0; i < plan.subtasks; i += 1) {
    await writeTask(q, actAs, project, writers, taskIds[i % taskIds.length]);
  }
  // Each dependency points to an earlier task, so the graph is acyclic by construction.
  for (let i = 2; i < taskIds.length; i += 3) {
    await actAs(faker.helpers.arrayElement(writers));
    await q(
      `INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id, dependency_type) VALUES ($1, $2, $3, $4)`,
      [workspaceId, taskIds[i], taskIds[faker.number.int({ min: 0, max: i - 1 })],
        faker.helpers.weightedArrayElement([{ weight: 4, value: 'blocks' }, { weight: 1, value: 'relates_to' }])],
    );
  }

  const documentIds: string[] = [];
  for (let i = 0; i < 2; i += 1) documentIds.push(await writeDocument(q, actAs, project, writers));

  await writeAttachment(q, actAs, uploadDir, project, writers, { type: 'task', id: taskIds[0] }, writtenFiles);
  await writeAttachment(q, actAs, uploadDir, project, writers, { type: 'document', id: documentIds[0] }, writtenFiles);

  if (plan.status !== 'active') {
    await actAs(projectOwner);
    await q(`UPDATE projects SET status = $2 WHERE id = $1`, [projectId, plan.status]);
  }
}

async function writeTask(
  q: Query, actAs: (userId: string) => Promise<unknown>, project: { workspaceId: string; projectId: string },
  writers: string[], parentTaskId: string | null,
): Promise<string> {
  const id = faker.string.uuid();
  const creator = faker.helpers.arrayElement(writers);
  const status = faker.helpers.arrayElement(TASK_STATUSES);
  await actAs(creator);
  await q(
    `INSERT INTO tasks (id, workspace_id, project_id, parent_task_id, title, description, status, priority,
                        assignee_id, creator_id, due_date, estimated_hours, tags, metadata, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7::task_status, $8, $9, $10,
             CASE WHEN $11::int IS NULL THEN NULL ELSE now() + make_interval(days => $11::int) END,
             $12, $13, $14, CASE WHEN $7::task_status = 'done' THEN now() END)`,
    [id, project.workspaceId, project.projectId, parentTaskId,
      faker.helpers.arrayElement([faker.hacker.phrase(), `${faker.hacker.verb()} the ${faker.hacker.noun()}`]).slice(0, 200),
      faker.lorem.sentences({ min: 1, max: 3 }), status, faker.helpers.arrayElement(PRIORITIES),
      faker.helpers.maybe(() => faker.helpers.arrayElement(writers), { probability: 0.8 }) ?? null, creator,
      faker.helpers.maybe(() => faker.number.int({ min: 3, max: 120 }), { probability: 0.85 }) ?? null,
      faker.helpers.maybe(() => faker.number.int({ min: 1, max: 40 }), { probability: 0.7 }) ?? null,
      faker.helpers.arrayElements(TAGS, { min: 0, max: 3 }),
      { storyPoints: faker.helpers.arrayElement([1, 2, 3, 5, 8]) }],
  );
  return id;
}

async function writeDocument(
  q: Query, actAs: (userId: string) => Promise<unknown>, project: { workspaceId: string; projectId: string },
  writers: string[],
): Promise<string> {
  const id = faker.string.uuid();
  const author = faker.helpers.arrayElement(writers);
  await actAs(author);
  await q(
    `INSERT INTO documents (id, workspace_id, project_id, title, content, author_id, tags, change_summary)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'First draft')`,
    [id, project.workspaceId, project.projectId, faker.helpers.arrayElement(['Spec: ', 'Notes: ', 'Plan: ']) + faker.company.buzzPhrase(),
      `# Overview\n\n${faker.lorem.paragraphs(2)}`, author, faker.helpers.arrayElements(TAGS, { min: 0, max: 2 })],
  );
  // Each content change makes the versioning trigger write the next document_versions row.
  const edits = faker.number.int({ min: 2, max: 3 });
  for (let i = 0; i < edits; i += 1) {
    await actAs(faker.helpers.arrayElement(writers));
    await q(
      `UPDATE documents SET content = content || $2, change_summary = $3 WHERE id = $1`,
      [id, `\n\n## ${faker.lorem.words(3)}\n\n${faker.lorem.paragraph()}`, faker.git.commitMessage()],
    );
  }
  if (faker.datatype.boolean()) {
    await q(`UPDATE documents SET status = 'published', published_at = now() WHERE id = $1`, [id]);
  }
  return id;
}

async function writeAttachment(
  q: Query, actAs: (userId: string) => Promise<unknown>, uploadDir: string,
  project: { workspaceId: string; projectId: string }, writers: string[],
  entity: { type: 'task' | 'document'; id: string }, writtenFiles: string[],
): Promise<void> {
  const id = faker.string.uuid();
  const uploader = faker.helpers.arrayElement(writers);
  const originalFilename = `${faker.system.commonFileName('txt')}`;
  const content = `${faker.lorem.paragraphs(3)}\n`;
  // Laid out as src/attachments/storage.ts does: `files/<uuid>`, relative to UPLOAD_DIR.
  const storagePath = `files/${id}`;
  const file = join(uploadDir, storagePath);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  writtenFiles.push(file);
  await actAs(uploader);
  await q(
    `INSERT INTO file_attachments (id, workspace_id, project_id, entity_type, entity_id, filename, original_filename,
                                   file_size, mime_type, storage_path, uploader_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'text/plain', $9, $10)`,
    [id, project.workspaceId, project.projectId, entity.type, entity.id, `${id}.txt`, originalFilename,
      Buffer.byteLength(content), storagePath, uploader],
  );
}
