import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';

/**
 * TypeORM orders migrations by the timestamp in their names; two with the same one run in
 * whatever order the loader finds them, which may differ between machines. No two may share
 * a timestamp from now on. The one pair that already does was released as it is (renaming a
 * migration changes the name recorded in every deployed database), so it is the only exception.
 */
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'migrations');
const RELEASED_WITH_A_SHARED_TIMESTAMP = [
  '1795000000009-RequestIdentityAbortsItsTransaction.ts',
  '1795000000009-UnchangedRowsKeepUpdatedAt.ts',
];

describe('migration files', () => {
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.ts')).sort();

  it('are named <13-digit timestamp>-<Name>.ts, with that timestamp and name in the class and its name', () => {
    expect(files.length).to.be.greaterThan(10);
    for (const file of files) {
      const match = /^(\d{13})-([A-Za-z0-9]+)\.ts$/.exec(file);
      expect(match, file).to.not.equal(null);
      const [, timestamp, name] = match!;
      const source = readFileSync(join(MIGRATIONS_DIR, file), 'utf8');
      expect(source, file).to.include(`export class ${name}${timestamp} `);
      expect(source, file).to.include(`name = '${name}${timestamp}'`);
    }
  });

  it('never share a timestamp, except the pair released before this rule', () => {
    const byTimestamp = new Map<string, string[]>();
    for (const file of files) byTimestamp.set(file.slice(0, 13), [...(byTimestamp.get(file.slice(0, 13)) ?? []), file]);
    const shared = [...byTimestamp.values()].filter((group) => group.length > 1);
    expect(shared).to.deep.equal([RELEASED_WITH_A_SHARED_TIMESTAMP]);
  });
});
