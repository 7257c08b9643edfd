import { expect } from 'chai';
import { Client } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { bootstrapDatabase } from '../../src/db/bootstrap';
import { runMigrations } from '../../src/db/migrate';
import { dataSourceOptions } from '../../src/db/options';
import type { TenantManager } from '../../src/db/tenant';
import { documents } from '../../src/documents/repository';
import { UpdateDocument } from '../../src/documents/schemas';
import { projects } from '../../src/projects/repository';
import { ListProjectsQuery } from '../../src/projects/schemas';
import { tasks } from '../../src/tasks/repository';
import { CreateTask, ListTasksQuery } from '../../src/tasks/schemas';
import { seedLarge } from '../../seeders/large';
import { ROLES, testEnv, uniqueDatabaseName, withDatabase } from '../support/env';
import { StatementRecorder, explain, nodes, render, rowsRead, scansOf, seqScans, type PlanNode, type Statement } from './plans';

/**
 * The hot queries' plans, read as the application role with app.current_user_id set, on a
 * dataset shaped like the large one (seeders/large.ts at 1/40: 25,000 tasks, big projects
 * of 3,000) in a database of its own, ANALYZEd: big enough that the planner would choose a
 * sequential scan if the intended index could not serve the query. The statements are the
 * routes' own, recorded while the query functions run, so a change of their SQL that loses
 * the index fails here (the repositories run on a TypeORM manager whose logger records them). No enable_seqscan tricks: they would hide exactly that.
 */
const TENANT_TABLES = [
  'tasks', 'projects', 'documents', 'document_versions', 'project_members', 'workspace_members', 'task_dependencies',
  'users', 'workspaces',
];
const PAGE = 50;

describe('EXPLAIN of the hot queries (application role, large-dataset shape)', function () {
  this.timeout(300_000);
  const database = uniqueDatabaseName('pm_perf');
  let appDataSource: DataSource;
  const recorder = new StatementRecorder();
  let bigProject: string;
  let member: string;
  let taskId: string;
  let doc: { id: string; version: number };
  let deepCursor: string;

  /** Runs `work` in a transaction as the application role acting as `userId`; always rolled back. */
  async function asUser<T>(userId: string, work: (runner: QueryRunner) => Promise<T>): Promise<T> {
    const runner = appDataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('BEGIN');
      await runner.query(`SELECT set_config('app.current_user_id', $1, true)`, [userId]);
      return await work(runner);
    } finally {
      await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /** The statements `call` sends through the request's manager, each with its plan (EXPLAIN ANALYZE for reads). */
  async function plansOf(userId: string, call: (em: TenantManager) => Promise<unknown>, analyze = true) {
    return asUser(userId, async (runner) => {
      const log: Statement[] = [];
      recorder.statements = log;
      try {
        await call(runner.manager);
      } finally {
        recorder.statements = undefined;
      }
      const plans: Array<{ sql: string; plan: PlanNode }> = [];
      for (const statement of log) {
        const read = analyze && !/\b(INSERT|UPDATE|DELETE)\b/i.test(statement.sql);
        plans.push({ sql: statement.sql, plan: await explain(runner, statement, read) });
      }
      return plans;
    });
  }

  const shown = (plan: PlanNode) => `\n${render(plan)}`;

  function expectNoSeqScan(plan: PlanNode): void {
    expect(seqScans(plan, TENANT_TABLES), `a sequential scan of a tenant table:${shown(plan)}`).to.deep.equal([]);
  }

  /**
   * The policies' membership helpers are InitPlans: evaluated once per statement, not per
   * row. A helper that lost its `(SELECT ...)` wrapper shows up as a call in a row filter.
   */
  const HELPER_CALL = /app_(visible_project_ids|project_ids|workspace_ids)\(/;
  function expectInitPlansRunOnce(plan: PlanNode): void {
    const initPlans = nodes(plan).filter((n) => n['Parent Relationship'] === 'InitPlan');
    expect(initPlans.length, `no InitPlan: the policies' helpers are not computed once per statement:${shown(plan)}`).to.be.greaterThan(0);
    for (const node of initPlans) {
      expect(node['Actual Loops'] ?? 1, `an InitPlan ran more than once:${shown(plan)}`).to.be.at.most(1);
    }
    for (const node of nodes(plan)) {
      for (const condition of [node.Filter, node['Index Cond']]) {
        expect(String(condition ?? ''), `a membership helper called per row:${shown(plan)}`).to.not.match(HELPER_CALL);
      }
    }
  }

  before(async () => {
    const { adminUrl } = testEnv();
    await bootstrapDatabase({
      adminUrl, database,
      ownerRole: ROLES.owner, ownerPassword: ROLES.ownerPassword, appRole: ROLES.app, appPassword: ROLES.appPassword,
    });
    const ownerUrl = withDatabase(adminUrl, database, ROLES.owner, ROLES.ownerPassword);
    await runMigrations(ownerUrl);
    await seedLarge(ownerUrl, {
      tag: 'perf', workspaces: 250, users: 1250, projects: 750, tasks: 25_000, documents: 1250,
      bigProjects: 2, bigProjectTasks: 3000,
    });
    const appUrl = withDatabase(adminUrl, database, ROLES.app, ROLES.appPassword);
    appDataSource = new DataSource({ ...dataSourceOptions(appUrl, 1), logger: recorder });
    await appDataSource.initialize();

    const owner = new Client({ connectionString: ownerUrl });
    await owner.connect();
    try {
      const pick = async (sql: string, params: unknown[]) => (await owner.query(sql, params)).rows[0];
      bigProject = (await pick(`SELECT project_id FROM tasks GROUP BY project_id ORDER BY count(*) DESC LIMIT 1`, [])).project_id;
      member = (await pick(`SELECT user_id FROM project_members WHERE project_id = $1 AND role = 'member' LIMIT 1`, [bigProject])).user_id;
      taskId = (await pick(`SELECT id FROM tasks WHERE project_id = $1 ORDER BY id LIMIT 1`, [bigProject])).id;
      doc = await pick(`SELECT id, version FROM documents WHERE project_id = $1 ORDER BY id LIMIT 1`, [bigProject]);
    } finally {
      await owner.end();
    }
    // A cursor 55 pages (2,750 of 3,000 tasks) into the big project, walked with the route's own query.
    deepCursor = await asUser(member, async (runner) => {
      let query = ListTasksQuery.parse({});
      for (let page = 0; page < 55; page += 1) {
        const { nextCursor } = JSON.parse(await tasks(runner.manager).pageOfProject(bigProject, query)) as { nextCursor: string };
        query = ListTasksQuery.parse({ cursor: nextCursor });
      }
      return query.cursor!;
    });
  });

  after(async () => {
    await appDataSource?.destroy();
    const admin = new Client({ connectionString: testEnv().adminUrl });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('catches a query that no index serves (the checks below can fail)', async () => {
    const [{ plan }] = await plansOf(member, (em) => em.query(`SELECT id FROM tasks WHERE title = $1 ORDER BY created_at LIMIT 51`, ['nope']));
    expect(() => expectNoSeqScan(plan)).to.throw(/sequential scan/);
  });

  it('catches a membership helper evaluated per row (the InitPlan check can fail)', async () => {
    const [{ plan }] = await plansOf(member, (em) => em.query(
      `SELECT id FROM tasks WHERE project_id = $1 AND project_id = ANY (app_visible_project_ids()) LIMIT 51`, [bigProject]));
    expect(() => expectInitPlansRunOnce(plan)).to.throw(/helper called per row/);
  });

  it('lists the first page of a project\'s tasks from idx_tasks_project_created, reading one page of rows', async () => {
    const [{ plan }] = await plansOf(member, (em) => tasks(em).pageOfProject(bigProject, ListTasksQuery.parse({})));
    expectNoSeqScan(plan);
    expectInitPlansRunOnce(plan);
    expect(scansOf(plan, 'tasks').map((n) => n['Index Name']), shown(plan)).to.deep.equal(['idx_tasks_project_created']);
    expect(rowsRead(plan, 'tasks'), shown(plan)).to.be.at.most(PAGE + 1);
  });

  it('serves a page 55 pages deep from the same index, starting at the cursor and in its order: no more rows read than page 1', async () => {
    const [{ plan }] = await plansOf(member, (em) => tasks(em).pageOfProject(bigProject, ListTasksQuery.parse({ cursor: deepCursor })));
    expectNoSeqScan(plan);
    const [scan] = scansOf(plan, 'tasks');
    expect(scan['Index Name'], shown(plan)).to.equal('idx_tasks_project_created');
    // The keyset condition is an index condition (where the scan starts), not a filter over skipped rows.
    expect(scan['Index Cond'], shown(plan)).to.match(/ROW\(created_at, id\) </);
    // The rest of the project in index order, stopped after one page: not all of it, sorted.
    expect(nodes(plan).map((n) => n['Node Type']), shown(plan)).to.not.include('Sort');
    expect(rowsRead(plan, 'tasks'), shown(plan)).to.be.at.most(PAGE + 1);
  });

  it('gets a task by id through app_task(), whose statement reads one row by a unique index on id', async () => {
    const plans = await plansOf(member, (em) => tasks(em).byId(taskId));
    expect(plans.map(({ plan }) => plan['Node Type']), 'the route reads the task through app_task() alone').to.deep.equal(['Function Scan']);
    expect(plans[0].plan['Function Name']).to.equal('app_task');
    // The statement app_task() keeps a plan for (decision 0011), read from the function as deployed.
    const plan = await asUser(member, async (runner) => {
      const [{ body }] = await runner.query(`SELECT prosrc AS body FROM pg_proc WHERE proname = 'app_task'`);
      const [, sql] = /RETURN QUERY (SELECT [^;]+);/.exec(body as string) ?? [];
      expect(sql, `no RETURN QUERY in app_task():\n${body}`).to.be.a('string');
      return explain(runner, { sql: sql.replace(/\bp_id\b/g, '$1'), params: [taskId] }, true);
    });
    expectNoSeqScan(plan);
    expectInitPlansRunOnce(plan);
    const [scan] = scansOf(plan, 'tasks');
    expect(scan['Index Name'], shown(plan)).to.be.oneOf(['tasks_pkey', 'tasks_id_project_key', 'tasks_id_workspace_key']);
    expect(scan['Index Cond'], shown(plan)).to.match(/^\(id = /);
    expect(rowsRead(plan, 'tasks')).to.equal(1);
  });

  it('lists my projects by my workspaces\' index entries, never a scan of all projects', async () => {
    const plans = await plansOf(member, (em) => projects(em).pageOfMyWorkspaces(ListProjectsQuery.parse({})));
    for (const { plan } of plans) {
      expectNoSeqScan(plan);
      expectInitPlansRunOnce(plan);
      // The user is in one or two workspaces of three projects each: the scan reads those, not 750.
      expect(rowsRead(plan, 'projects'), shown(plan)).to.be.at.most(20);
    }
  });

  it('gets a document by id through a unique index on id', async () => {
    const plans = await plansOf(member, (em) => documents(em).byId(doc.id));
    for (const { plan } of plans) expectNoSeqScan(plan);
    const [scan] = scansOf(plans[0].plan, 'documents');
    expect(scan['Index Cond'], shown(plans[0].plan)).to.match(/^\(id = /);
    expect(rowsRead(plans[0].plan, 'documents')).to.equal(1);
  });

  it('creates a task with index look-ups only (visibility, references, insert)', async () => {
    const plans = await plansOf(member, (em) => tasks(em).create(bigProject, CreateTask.parse({ title: 'EXPLAIN me', assigneeId: member })), false);
    expect(plans.length).to.be.greaterThan(0);
    for (const { plan } of plans) expectNoSeqScan(plan);
  });

  it('updates a document with If-Match through the index on id', async () => {
    const plans = await plansOf(member, (em) => documents(em).update(doc.id, doc.version, UpdateDocument.parse({ content: 'Edited.' })), false);
    expect(plans.length).to.be.greaterThan(0);
    for (const { plan } of plans) expectNoSeqScan(plan);
    const update = plans.find(({ sql }) => /\bUPDATE "?documents"?/i.test(sql));
    expect(update, 'no UPDATE statement was sent').to.not.equal(undefined);
    expect(scansOf(update!.plan, 'documents').map((n) => n['Index Cond']).join(' '), shown(update!.plan)).to.match(/\(id = /);
  });
});
