import { expect } from 'chai';
import type { Response } from 'supertest';
import { api } from '../support/app';
import { aTask, aTenant, auth, type TestUser } from '../support/factories';
import { arrangeTasks, type ArrangedTask } from './support';

const PRIORITIES = ['low', 'medium', 'high', 'urgent'] as const;

interface Arranged {
  id: string;
  createdAt: string;
  dueDate: string | null;
  priority: (typeof PRIORITIES)[number];
}

/**
 * Twelve tasks whose keys tie on purpose: created_at values a microsecond apart (a JS Date
 * would round them together) and equal ones, due dates equal, distinct or NULL, and
 * repeated priorities, so every order leans on its id tie-break and its NULL handling.
 */
function twelveTasks(): Array<ArrangedTask & { createdAt: string; priority: Arranged['priority'] }> {
  const micro = (n: number) => `2024-03-01T10:00:00.${String(n).padStart(6, '0')}Z`;
  const due = (day: number) => `2099-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;
  const created = [micro(1), micro(2), micro(2), micro(2), micro(3), micro(500), micro(501), micro(501), micro(999999), micro(7), micro(7), micro(8)];
  const dues = [due(5), null, due(5), due(1), null, due(9), due(5), null, due(2), due(1), null, due(9)];
  return created.map((createdAt, i) => ({ createdAt, dueDate: dues[i], priority: PRIORITIES[i % 4] }));
}

function expectedOrder(rows: Arranged[], sort: string): string[] {
  const descending = sort.startsWith('-');
  const field = sort.replace(/^-/, '');
  const key = (row: Arranged): string | number | null =>
    field === 'priority' ? PRIORITIES.indexOf(row.priority) : field === 'dueDate' ? row.dueDate : row.createdAt;
  return [...rows].sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    if (ka === null || kb === null) {
      if (ka !== kb) return ka === null ? 1 : -1; // NULL due dates come last both ways
    } else if (ka !== kb) {
      return (ka < kb ? -1 : 1) * (descending ? -1 : 1);
    }
    return (a.id < b.id ? -1 : 1) * (descending ? -1 : 1);
  }).map((row) => row.id);
}

async function readAll(user: TestUser, projectId: string, query: Record<string, string | number>, between?: () => Promise<void>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res: Response = await (await api()).get(`/projects/${projectId}/tasks`).query({ ...query, ...(cursor ? { cursor } : {}) }).set(auth(user));
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body).to.have.all.keys('data', 'nextCursor');
    expect(res.body.data.length).to.be.at.most(Number(query.limit ?? 50));
    ids.push(...res.body.data.map((task: { id: string }) => task.id));
    cursor = res.body.nextCursor;
    pages += 1;
    if (pages === 1 && between) await between();
    expect(pages).to.be.below(50);
  } while (cursor);
  return { ids, pages };
}

describe('tasks: listing, sorting and keyset pagination', () => {
  let tenant: Awaited<ReturnType<typeof aTenant>>;
  let rows: Arranged[];

  before(async () => {
    tenant = await aTenant();
    // The tenant's own task is removed so the project holds exactly the arranged twelve.
    await (await api()).delete(`/tasks/${tenant.task.id}`).set(auth(tenant.owner));
    const arranged = twelveTasks();
    const created = await arrangeTasks(tenant.project, tenant.member, arranged);
    rows = created.map((task, i) => ({ id: task.id, createdAt: arranged[i].createdAt, dueDate: arranged[i].dueDate ?? null, priority: arranged[i].priority }));
  });

  for (const sort of ['-createdAt', 'createdAt', '-updatedAt', 'updatedAt', 'dueDate', '-dueDate', 'priority', '-priority']) {
    it(`visits every task exactly once, in order, sorted by ${sort} five at a time`, async () => {
      const { ids, pages } = await readAll(tenant.viewer, tenant.project.id, { sort, limit: 5 });
      expect(pages).to.equal(3);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(ids).to.deep.equal(expectedOrder(rows, sort.replace('updatedAt', 'createdAt')));
    });
  }

  it('sorts newest first by default, with a null nextCursor on the last page', async () => {
    const res = await (await api()).get(`/projects/${tenant.project.id}/tasks`).set(auth(tenant.member));
    expect(res.status).to.equal(200);
    expect(res.body.data.map((t: { id: string }) => t.id)).to.deep.equal(expectedOrder(rows, '-createdAt'));
    expect(res.body.nextCursor).to.equal(null);
  });

  it('pages one at a time through every order without losing a task', async () => {
    for (const sort of ['dueDate', '-dueDate', 'priority']) {
      const { ids } = await readAll(tenant.member, tenant.project.id, { sort, limit: 1 });
      expect(ids, sort).to.deep.equal(expectedOrder(rows, sort));
    }
  });

  it('stays stable when tasks are inserted between pages', async () => {
    const { project, member, task } = await aTenant();
    const arranged = await arrangeTasks(project, member, Array.from({ length: 11 }, () => ({})));
    const originals = [task.id, ...arranged.map((t) => t.id)];
    for (const sort of ['-createdAt', 'createdAt', 'dueDate', '-dueDate', 'priority']) {
      const inserted: string[] = [];
      const { ids } = await readAll(member, project.id, { sort, limit: 5 }, async () => {
        for (let i = 0; i < 3; i += 1) inserted.push((await aTask(project, member, { priority: 'urgent' })).id);
      });
      expect(new Set(ids).size, `${sort}: no task twice`).to.equal(ids.length);
      for (const id of originals) expect(ids.filter((x) => x === id), `${sort}: every original once`).to.have.length(1);
      for (const id of ids) expect([...originals, ...inserted]).to.include(id);
      originals.push(...inserted);
    }
  });

  describe('filters', () => {
    let filtered: Awaited<ReturnType<typeof aTenant>>;
    let ids: Record<string, string>;

    before(async () => {
      filtered = await aTenant();
      const { admin, member, project } = filtered;
      const [parent] = await arrangeTasks(project, member, [{ title: 'Parent' }]);
      const made = await arrangeTasks(project, member, [
        { title: 'Alpha release', status: 'done', priority: 'high', tags: ['release', 'docs'], assigneeId: admin.id, dueDate: '2099-01-01T00:00:00Z' },
        { title: 'Beta release', status: 'pending', priority: 'high', tags: ['release'], dueDate: '2099-06-01T00:00:00Z', parentTaskId: parent.id },
        { title: 'Gamma', status: 'pending', priority: 'low', tags: ['docs'], assigneeId: admin.id, parentTaskId: parent.id },
        { title: 'Delta', status: 'blocked', priority: 'urgent' },
      ]);
      ids = { parent: parent.id, alpha: made[0].id, beta: made[1].id, gamma: made[2].id, delta: made[3].id, original: filtered.task.id };
    });

    const cases: Array<[string, Record<string, string>, string[]]> = [
      ['status', { status: 'pending' }, ['beta', 'gamma', 'parent', 'original']],
      ['priority', { priority: 'high' }, ['alpha', 'beta']],
      ['assigneeId', { assigneeId: 'ADMIN' }, ['alpha', 'gamma']],
      ['tag', { tag: 'docs' }, ['alpha', 'gamma']],
      ['dueBefore', { dueBefore: '2099-03-01T00:00:00Z' }, ['alpha']],
      ['parentTaskId', { parentTaskId: 'PARENT' }, ['beta', 'gamma']],
      ['q (case-insensitive)', { q: 'RELEASE' }, ['alpha', 'beta']],
      ['several at once', { tag: 'release', status: 'pending', q: 'bet' }, ['beta']],
    ];
    for (const [what, query, expected] of cases) {
      it(`filters by ${what}, through every page`, async () => {
        const resolved = Object.fromEntries(Object.entries(query).map(([k, v]) =>
          [k, v === 'ADMIN' ? filtered.admin.id : v === 'PARENT' ? ids.parent : v]));
        const { ids: seen } = await readAll(filtered.viewer, filtered.project.id, { ...resolved, limit: 1 });
        expect([...seen].sort()).to.deep.equal(expected.map((name) => ids[name]).sort());
      });
    }
  });
});
