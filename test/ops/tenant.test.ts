import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { eraseTenant, exportTenant } from '../../scripts/ops/tenant';
import { owner } from '../support/db';
import { testEnv } from '../support/env';
import { aDocument, aTask, aTenant } from '../support/factories';
import { anAttachment, fingerprint } from '../support/ops-factories';

/** A tenant with something in every table: documents (and versions), a dependency, attachments, audit events. */
async function aFullTenant(uploadDir: string) {
  const tenant = await aTenant();
  const { project, owner: user, member, task } = tenant;
  const second = await aTask(project, member);
  await owner().query(
    `INSERT INTO task_dependencies (workspace_id, task_id, depends_on_task_id) VALUES ($1, $2, $3)`,
    [project.workspaceId, second.id, task.id],
  );
  const document = await aDocument(project, user);
  await owner().query(`UPDATE documents SET content = 'Second draft' WHERE id = $1`, [document.id]);
  const files = [
    await anAttachment(project, user, uploadDir, { type: 'task', id: task.id }),
    await anAttachment(project, member, uploadDir, { type: 'document', id: document.id }),
  ];
  return { ...tenant, document, files };
}

async function jsonLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  return text.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

async function tenantRowCounts(workspaceId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['workspace_members', 'projects', 'project_members', 'tasks', 'task_dependencies', 'documents',
    'document_versions', 'file_attachments', 'audit_events']) {
    const { rows } = await owner().query(`SELECT count(*)::int AS n FROM ${table} WHERE workspace_id = $1`, [workspaceId]);
    counts[table] = rows[0].n;
  }
  const { rows } = await owner().query(`SELECT count(*)::int AS n FROM workspaces WHERE id = $1`, [workspaceId]);
  counts.workspaces = rows[0].n;
  return counts;
}

describe('tenant:export and tenant:erase', () => {
  let work: string;
  let uploadDir: string;

  beforeEach(async () => {
    work = await mkdtemp(join(tmpdir(), 'pm-tenant-'));
    uploadDir = join(work, 'uploads');
  });
  afterEach(() => rm(work, { recursive: true, force: true }));

  describe('tenant:export', () => {
    it('writes every row of the workspace as JSON lines per table, and its attachment files', async () => {
      const tenant = await aFullTenant(uploadDir);
      await aFullTenant(uploadDir); // another tenant, which must not leak into the export
      const dir = join(work, 'export');

      const manifest = await exportTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, dir);

      const expected = await tenantRowCounts(tenant.workspace.id);
      for (const [table, count] of Object.entries(expected)) {
        const rows = await jsonLines(join(dir, `${table}.jsonl`));
        expect(rows, table).to.have.length(count);
        expect(manifest.rows[table], table).to.equal(count);
        for (const row of rows) expect(row[table === 'workspaces' ? 'id' : 'workspace_id'], table).to.equal(tenant.workspace.id);
      }
      expect(expected.document_versions).to.equal(2);
      const tasks = await jsonLines(join(dir, 'tasks.jsonl'));
      expect(tasks.map((t) => t.id)).to.include(tenant.task.id);
      for (const file of tenant.files) {
        expect(await readFile(join(dir, 'attachments', file.id), 'utf8')).to.equal(file.content);
      }
      expect(await readdir(join(dir, 'attachments'))).to.have.length(2);
    });

    it('lists the people the rows name, without their password hashes', async () => {
      const tenant = await aFullTenant(uploadDir);
      const dir = join(work, 'export');

      await exportTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, dir);

      const users = await jsonLines(join(dir, 'users.jsonl'));
      expect(users.map((u) => u.id)).to.have.members(
        [tenant.owner, tenant.admin, tenant.member, tenant.viewer, tenant.bystander].map((u) => u.id));
      for (const user of users) expect(user).not.to.have.property('password_hash');
      expect(await readFile(join(dir, 'users.jsonl'), 'utf8')).not.to.contain('$argon2');
    });

    it('refuses a directory that already holds files', async () => {
      const tenant = await aFullTenant(uploadDir);
      const dir = join(work, 'export');
      await exportTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, dir);

      const error = await exportTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, dir).catch((e: Error) => e);

      expect((error as Error).message).to.match(/not empty/);
    });

    it('fails for a workspace that does not exist', async () => {
      const error = await exportTenant(testEnv().ownerUrl, uploadDir, '00000000-0000-4000-8000-000000000000', join(work, 'x'))
        .catch((e: Error) => e);
      expect((error as Error).message).to.match(/no workspace/);
    });
  });

  describe('tenant:erase', () => {
    it('removes every row of the tenant, its audit log and its files', async () => {
      const tenant = await aFullTenant(uploadDir);
      const before = await tenantRowCounts(tenant.workspace.id);
      expect(Object.values(before).every((n) => n > 0), JSON.stringify(before)).to.equal(true);

      const result = await eraseTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, { confirmSlug: tenant.workspace.slug });

      expect(result.rows).to.include(before);
      expect(Object.values(await tenantRowCounts(tenant.workspace.id)).every((n) => n === 0)).to.equal(true);
      const { rows } = await owner().query(
        `SELECT count(*)::int AS n FROM audit_events WHERE row_id = ANY ($1)`,
        [[tenant.workspace.id, tenant.project.id, tenant.task.id, tenant.document.id]],
      );
      expect(rows[0].n).to.equal(0);
      for (const file of tenant.files) expect(existsSync(join(uploadDir, file.storagePath)), file.storagePath).to.equal(false);
      expect(result.files).to.deep.equal({ removed: 2, missing: 0 });
    });

    it('touches nothing of any other tenant: every other row and file is unchanged', async () => {
      const victim = await aFullTenant(uploadDir);
      const other = await aFullTenant(uploadDir);
      // The other tenant's owner also belongs to the erased workspace: their account must stay.
      await owner().query(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'member')`,
        [victim.workspace.id, other.owner.id]);
      const everythingElse = await fingerprint(testEnv().ownerUrl, { exceptWorkspace: victim.workspace.id });

      await eraseTenant(testEnv().ownerUrl, uploadDir, victim.workspace.id, { confirmSlug: victim.workspace.slug });

      expect(await fingerprint(testEnv().ownerUrl, { exceptWorkspace: victim.workspace.id })).to.deep.equal(everythingElse);
      expect(Object.values(await tenantRowCounts(other.workspace.id)).every((n) => n > 0)).to.equal(true);
      for (const file of other.files) expect(await readFile(join(uploadDir, file.storagePath), 'utf8')).to.equal(file.content);
    });

    it('with dryRun, reports the rows and files it would erase and erases nothing', async () => {
      const tenant = await aFullTenant(uploadDir);
      const everything = await fingerprint(testEnv().ownerUrl);

      const result = await eraseTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, { dryRun: true });

      expect(result.dryRun).to.equal(true);
      expect(result.workspace.slug).to.equal(tenant.workspace.slug);
      expect(result.rows).to.include(await tenantRowCounts(tenant.workspace.id));
      expect(result.files).to.deep.equal({ removed: 2, missing: 0 });
      expect(await fingerprint(testEnv().ownerUrl)).to.deep.equal(everything);
      for (const file of tenant.files) expect(existsSync(join(uploadDir, file.storagePath))).to.equal(true);
    });

    it('refuses a confirmation that is not the workspace\'s slug, erasing nothing', async () => {
      const tenant = await aFullTenant(uploadDir);
      const everything = await fingerprint(testEnv().ownerUrl);

      const error = await eraseTenant(testEnv().ownerUrl, uploadDir, tenant.workspace.id, { confirmSlug: `${tenant.workspace.slug}-x` })
        .catch((e: Error) => e);

      expect((error as Error).message).to.contain(`is not the slug of workspace ${tenant.workspace.id}; nothing was erased`);
      expect(await fingerprint(testEnv().ownerUrl)).to.deep.equal(everything);
      for (const file of tenant.files) expect(existsSync(join(uploadDir, file.storagePath))).to.equal(true);
    });

    it('fails for a workspace that does not exist, erasing nothing', async () => {
      const bystander = await aFullTenant(uploadDir);
      const everything = await fingerprint(testEnv().ownerUrl);

      const error = await eraseTenant(testEnv().ownerUrl, uploadDir, '00000000-0000-4000-8000-000000000000', { confirmSlug: 'none' })
        .catch((e: Error) => e);

      expect((error as Error).message).to.match(/no workspace/);
      expect(await fingerprint(testEnv().ownerUrl)).to.deep.equal(everything);
      for (const file of bystander.files) expect(existsSync(join(uploadDir, file.storagePath))).to.equal(true);
    });
  });
});
