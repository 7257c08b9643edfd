import { expect } from 'chai';
import { fromDatabaseError, toHttpError } from '../../src/errors';
import { api } from '../support/app';
import { owner } from '../support/db';
import { aTenant, auth } from '../support/factories';
import { count, expectProblem } from './support';

/**
 * PostgreSQL's data exceptions (class 22) are bad input, whichever code: a 400 problem+json,
 * never a 500. A time zone offset beyond ±15:59 passes JSON and ISO-8601 checks but not
 * PostgreSQL (22009, "time zone displacement out of range").
 */
describe('data exceptions from PostgreSQL', () => {
  it('answers 400 to an anonymous task list filtered by a due date with a +20:00 offset', async () => {
    const { project } = await aTenant({ visibility: 'public' });
    const res = await (await api()).get(`/projects/${project.id}/tasks`).query({ dueBefore: '2999-01-01T00:00:00+20:00' });
    const body = expectProblem(res, 400);
    expect(JSON.stringify(body)).to.match(/time zone offset/); // named in the detail or the field's error
  });

  it('answers 400 to a task created with a due date at +16:00, and writes nothing', async () => {
    const { project, member } = await aTenant();
    const created = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(member))
      .send({ title: 'Far east', dueDate: '2999-01-01T00:00:00+16:00' });
    expectProblem(created, 400);
    expect(await count(`SELECT 1 FROM tasks WHERE project_id = $1 AND title = 'Far east'`, [project.id])).to.equal(0);
  });

  it('answers 400 to a task changed to a due date at +16:00, as creating one does, and changes nothing', async () => {
    const { member, task } = await aTenant();
    const changed = await (await api()).patch(`/tasks/${task.id}`).set(auth(member)).send({ dueDate: '2999-01-01T00:00:00+16:00' });
    expect(JSON.stringify(expectProblem(changed, 400))).to.match(/time zone offset/);
    expect(await count(`SELECT 1 FROM tasks WHERE id = $1 AND due_date IS NOT NULL`, [task.id])).to.equal(0);
  });

  // One real error per row, raised by PostgreSQL itself: the map must not need a case per code.
  const dataExceptions: Array<[string, string]> = [
    ['22009', `SELECT '2999-01-01T00:00:00+20:00'::timestamptz`],
    ['22012', 'SELECT 1 / 0'],
    ['22P02', `SELECT 'not a uuid'::uuid`],
    ['22003', 'SELECT 99999999999::int'],
    ['22008', `SELECT make_date(2020, 13, 1)`],
    ['22011', `SELECT substring('abc' FROM 1 FOR -1)`],
    ['2201E', 'SELECT ln(0)'],
    ['2201F', 'SELECT power(0, -1)'],
    ['2201B', `SELECT regexp_match('a', '(')`],
    ['22025', `SELECT 'a' LIKE 'a' ESCAPE 'ab'`],
    ['22023', `SELECT repeat('x', 1) FROM generate_series(1, 2, 0)`],
    ['22004', `SELECT array_fill(1, ARRAY[NULL]::int[])`],
  ];
  for (const [code, sql] of dataExceptions) {
    it(`maps ${code} (raised by ${sql}) to a 400`, async () => {
      const error = await owner().query(sql).then(() => undefined, (e: unknown) => e);
      expect((error as { code?: string } | undefined)?.code, 'PostgreSQL raised the expected code').to.equal(code);
      expect(fromDatabaseError(error)?.status).to.equal(400);
      expect(toHttpError(error).detail).not.to.match(/select|timestamptz|regexp|power|array/i);
    });
  }

  it('maps every other code of the class to a 400 as well', () => {
    for (const code of ['22000', '22004', '22005', '2200B', '22010', '22019', '22027', '22P06', '2203A', '22039']) {
      expect(fromDatabaseError({ code, message: 'x' })?.status, code).to.equal(400);
    }
  });
});
