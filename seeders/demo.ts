import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { faker } from '@faker-js/faker';
import { hash } from '@node-rs/argon2';
import { DataSource, type EntityManager } from 'typeorm';
import { FileAttachment } from '../src/attachments/entity';
import { dataSourceOptions } from '../src/db/options';
import { Document } from '../src/documents/entity';
import { Project, ProjectMember } from '../src/projects/entity';
import { Task, TaskDependency } from '../src/tasks/entity';
import { User, UserProfile } from '../src/users/entity';
import { Workspace, WorkspaceMember } from '../src/workspaces/entity';
import {
  DEMO_PASSWORD, DEMO_PROJECTS, DEMO_TENANTS, type DemoProjectPlan, type DemoTenant,
} from './demo-tenants';

/**
 * Seeds the demo tenants through the TypeORM entities, as the owner role (a direct
 * connection, BYPASSRLS). Each tenant is one transaction, skipped when its workspace slug
 * already exists: running twice changes nothing. Every value (ids included) comes from faker
 * with a fixed seed per tenant, so two machines get the same data. Before each write the
 * acting user is made the transaction-local app.current_user_id, so the audit triggers record
 * who did what.
 */
const SEED = 20_251_123;
const TAGS = ['frontend', 'backend', 'design', 'bug', 'research', 'infra', 'docs', 'security', 'ux', 'qa'];
const TASK_STATUSES = ['pending', 'in_progress', 'review', 'done', 'blocked', 'cancelled'] as const;
const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;
const DAY_MS = 86_400_000;

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
  const dataSource = new DataSource(dataSourceOptions(ownerUrl, 1));
  await dataSource.initialize();
  try {
    const results: SeedResult[] = [];
    for (const [index, tenant] of DEMO_TENANTS.entries()) {
      results.push(await seedTenant(dataSource, uploadDir, tenant, SEED + index));
    }
    return results;
  } finally {
    await dataSource.destroy();
  }
}

async function seedTenant(dataSource: DataSource, uploadDir: string, tenant: DemoTenant, seed: number): Promise<SeedResult> {
  const writtenFiles: string[] = [];
  try {
    return await dataSource.transaction(async (em) => {
      // Two seeders started at once (two demos) must not both seed the same tenant.
      await em.query(`SELECT pg_advisory_xact_lock(hashtext('demo-seed'), hashtext($1))`, [tenant.slug]);
      const existing = await em.getRepository(Workspace).findOneBy({ slug: tenant.slug });
      if (existing) return { tenant: tenant.name, workspaceId: existing.id, created: false };
      faker.seed(seed);
      const workspaceId = await writeTenant(em, uploadDir, tenant, writtenFiles);
      return { tenant: tenant.name, workspaceId, created: true };
    });
  } catch (error) {
    // Files of a rolled-back seed would be orphans.
    await Promise.all(writtenFiles.map((file) => rm(file, { force: true })));
    throw error;
  }
}

/** Makes `userId` the transaction's actor: what the audit triggers and creator defaults read. */
const actAs = (em: EntityManager, userId: string) => em.query(`SELECT set_config('app.current_user_id', $1, true)`, [userId]);

async function writeTenant(em: EntityManager, uploadDir: string, tenant: DemoTenant, writtenFiles: string[]): Promise<string> {
  const userIds: string[] = [];
  for (const person of tenant.people) {
    const id = faker.string.uuid();
    // A person of several demo tenants is written once; later tenants find them by email.
    await em.getRepository(User).createQueryBuilder().insert().orIgnore().values({
      id, email: person.email, username: person.username, passwordHash: await demoPasswordHash(),
      firstName: person.firstName, lastName: person.lastName, emailVerified: true,
      metadata: { demo: true, title: faker.person.jobTitle() },
    }).updateEntity(false).execute();
    const user = await em.getRepository(User).findOneByOrFail({ email: person.email });
    userIds.push(user.id);
    await em.getRepository(UserProfile).createQueryBuilder().insert().orIgnore().values({
      userId: user.id, bio: faker.person.bio(), location: faker.location.city(),
      preferences: { theme: faker.helpers.arrayElement(['light', 'dark']) },
    }).updateEntity(false).execute();
  }

  const ownerId = userIds[0];
  const workspaceId = faker.string.uuid();
  await actAs(em, ownerId);
  await em.getRepository(Workspace).insert({
    id: workspaceId, name: tenant.name, slug: tenant.slug, ownerId, settings: { timezone: 'UTC', demo: true },
  });
  // The owner's membership row is written by trigger.
  for (const [i, person] of tenant.people.entries()) {
    if (i === 0) continue;
    await em.getRepository(WorkspaceMember).insert({ workspaceId, userId: userIds[i], role: person.role });
  }

  for (const plan of DEMO_PROJECTS) {
    await writeProject(em, uploadDir, { workspaceId, tenant, userIds, plan }, writtenFiles);
  }
  return workspaceId;
}

interface ProjectContext {
  workspaceId: string;
  tenant: DemoTenant;
  userIds: string[];
  plan: DemoProjectPlan;
}

interface ProjectRef {
  workspaceId: string;
  projectId: string;
}

async function writeProject(em: EntityManager, uploadDir: string, ctx: ProjectContext, writtenFiles: string[]): Promise<void> {
  const { workspaceId, tenant, userIds, plan } = ctx;
  const projectOwner = userIds[plan.owner];
  const projectId = faker.string.uuid();
  await actAs(em, projectOwner);
  await em.getRepository(Project).insert({
    id: projectId, workspaceId, name: `${tenant.name} ${plan.name}`, description: faker.company.catchPhrase(),
    ownerId: projectOwner, visibility: plan.visibility,
    settings: { theme: faker.helpers.arrayElement(['blue', 'green', 'orange']), boardColumns: ['todo', 'doing', 'done'] },
  });
  for (const [index, role] of plan.members) {
    await em.getRepository(ProjectMember).insert({ workspaceId, projectId, userId: userIds[index], role });
  }
  // Who may write: the project owner and its admins and members (not viewers).
  const writers = [projectOwner, ...plan.members.filter(([, role]) => role !== 'viewer').map(([i]) => userIds[i])];
  const project = { workspaceId, projectId };

  const taskIds: string[] = [];
  for (let i = 0; i < plan.tasks; i += 1) {
    taskIds.push(await writeTask(em, project, writers, null));
  }
  for (let i = 0; i < plan.subtasks; i += 1) {
    await writeTask(em, project, writers, taskIds[i % taskIds.length]);
  }
  // Each dependency points to an earlier task, so the graph is acyclic by construction.
  for (let i = 2; i < taskIds.length; i += 3) {
    await actAs(em, faker.helpers.arrayElement(writers));
    await em.getRepository(TaskDependency).insert({
      workspaceId, taskId: taskIds[i], dependsOnTaskId: taskIds[faker.number.int({ min: 0, max: i - 1 })],
      dependencyType: faker.helpers.weightedArrayElement([{ weight: 4, value: 'blocks' as const }, { weight: 1, value: 'relates_to' as const }]),
    });
  }

  const documentIds: string[] = [];
  for (let i = 0; i < 2; i += 1) documentIds.push(await writeDocument(em, project, writers));

  await writeAttachment(em, uploadDir, project, writers, { type: 'task', id: taskIds[0] }, writtenFiles);
  await writeAttachment(em, uploadDir, project, writers, { type: 'document', id: documentIds[0] }, writtenFiles);

  if (plan.status !== 'active') {
    await actAs(em, projectOwner);
    await em.getRepository(Project).update({ id: projectId }, { status: plan.status });
  }
}

async function writeTask(em: EntityManager, project: ProjectRef, writers: string[], parentTaskId: string | null): Promise<string> {
  const id = faker.string.uuid();
  const creator = faker.helpers.arrayElement(writers);
  const status = faker.helpers.arrayElement(TASK_STATUSES);
  const title = faker.helpers.arrayElement([faker.hacker.phrase(), `${faker.hacker.verb()} the ${faker.hacker.noun()}`]).slice(0, 200);
  const description = faker.lorem.sentences({ min: 1, max: 3 });
  const priority = faker.helpers.arrayElement(PRIORITIES);
  const assigneeId = faker.helpers.maybe(() => faker.helpers.arrayElement(writers), { probability: 0.8 }) ?? null;
  const dueInDays = faker.helpers.maybe(() => faker.number.int({ min: 3, max: 120 }), { probability: 0.85 });
  const estimatedHours = faker.helpers.maybe(() => faker.number.int({ min: 1, max: 40 }), { probability: 0.7 }) ?? null;
  const tags = faker.helpers.arrayElements(TAGS, { min: 0, max: 3 });
  const metadata = { storyPoints: faker.helpers.arrayElement([1, 2, 3, 5, 8]) };
  await actAs(em, creator);
  await em.getRepository(Task).insert({
    id, workspaceId: project.workspaceId, projectId: project.projectId, parentTaskId, title, description, status, priority,
    assigneeId, creatorId: creator, dueDate: dueInDays === undefined ? null : new Date(Date.now() + dueInDays * DAY_MS),
    estimatedHours, tags, metadata, completedAt: status === 'done' ? new Date() : null,
  });
  return id;
}

async function writeDocument(em: EntityManager, project: ProjectRef, writers: string[]): Promise<string> {
  const documents = em.getRepository(Document);
  const id = faker.string.uuid();
  const author = faker.helpers.arrayElement(writers);
  await actAs(em, author);
  await documents.insert({
    id, workspaceId: project.workspaceId, projectId: project.projectId,
    title: faker.helpers.arrayElement(['Spec: ', 'Notes: ', 'Plan: ']) + faker.company.buzzPhrase(),
    content: `# Overview\n\n${faker.lorem.paragraphs(2)}`, authorId: author,
    tags: faker.helpers.arrayElements(TAGS, { min: 0, max: 2 }), changeSummary: 'First draft',
  });
  // Each content change makes the versioning trigger write the next document_versions row.
  const edits = faker.number.int({ min: 2, max: 3 });
  for (let i = 0; i < edits; i += 1) {
    await actAs(em, faker.helpers.arrayElement(writers));
    await documents.createQueryBuilder().update()
      .set({ content: () => 'content || :more', changeSummary: faker.git.commitMessage() })
      .where('id = :id', { id, more: `\n\n## ${faker.lorem.words(3)}\n\n${faker.lorem.paragraph()}` })
      .updateEntity(false)
      .execute();
  }
  if (faker.datatype.boolean()) {
    await documents.createQueryBuilder().update()
      .set({ status: 'published', publishedAt: () => 'now()' })
      .where('id = :id', { id })
      .updateEntity(false)
      .execute();
  }
  return id;
}

async function writeAttachment(
  em: EntityManager, uploadDir: string, project: ProjectRef, writers: string[],
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
  await actAs(em, uploader);
  await em.getRepository(FileAttachment).insert({
    id, workspaceId: project.workspaceId, projectId: project.projectId, entityType: entity.type, entityId: entity.id,
    filename: `${id}.txt`, originalFilename, fileSize: Buffer.byteLength(content), mimeType: 'text/plain', storagePath,
    uploaderId: uploader,
  });
}
