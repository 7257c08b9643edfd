import { expect } from 'chai';
import { Client } from 'pg';
import { testEnv } from '../support/env';
import { ACTORS, COMMANDS, MATRIX, actorId, attempt, buildFixture, type Fixture } from './matrix-cases';

/** The tables the matrix covers: the catalog test fails when a table is added without a row here. */
export const MATRIX_TABLES = Object.keys(MATRIX);

/**
 * The RLS matrix on the primary: every tenant table x SELECT/INSERT/UPDATE/DELETE x actor, as
 * the application role (the cases: ./matrix-cases.ts).
 */
describe('row-level security matrix (application role)', function () {
  this.timeout(120_000);
  let fixture: Fixture;
  let client: Client;

  before(async () => {
    fixture = await buildFixture();
    client = new Client({ connectionString: testEnv().appDirectUrl });
    await client.connect();
  });
  after(async () => {
    await client?.end();
  });

  for (const [table, commands] of Object.entries(MATRIX)) {
    for (const command of COMMANDS) {
      const { statement, allowed } = commands[command];
      it(`${table} ${command}: allowed for ${allowed.length ? allowed.join(', ') : 'nobody'}; refused for the rest`, async () => {
        const outcome: Record<string, boolean> = {};
        for (const actor of ACTORS) {
          const userId = actorId(fixture, actor);
          outcome[actor] = await attempt(client, userId, command, statement(fixture, userId));
        }
        const expected = Object.fromEntries(ACTORS.map((actor) => [actor, allowed.includes(actor)]));
        expect(outcome).to.deep.equal(expected);
      });
    }
  }
});
