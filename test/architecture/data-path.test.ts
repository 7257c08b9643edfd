import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { ESLint } from 'eslint';

/**
 * Issue F's rule, kept by lint and checked here: a resource folder reaches data only through
 * the EntityManager withTenant hands its work, through its own repository.
 */
describe('the data path of a resource', function () {
  this.timeout(60_000);
  const eslint = new ESLint();
  const resources = readdirSync('src', { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && readdirSync(join('src', entry.name)).includes('entity.ts'))
    .map((entry) => entry.name);

  async function problemsOf(code: string, filePath: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath });
    return result.messages.map((message) => message.ruleId ?? message.message);
  }

  it('refuses a router that imports the DataSource or reaches for it', async () => {
    const code = `import { DataSource } from 'typeorm';\nexport const leak = (deps: { dataSource: DataSource }) => deps.dataSource.manager;\n`;
    expect(await problemsOf(code, 'src/tasks/router.ts')).to.include.members(['no-restricted-imports', 'no-restricted-syntax']);
  });

  it('refuses a repository that opens a connection of its own', async () => {
    const code = `import { Client } from 'pg';\nexport const own = () => new Client();\n`;
    expect(await problemsOf(code, 'src/projects/repository.ts')).to.include('no-restricted-imports');
  });

  it('gives every resource with an entity a repository, and no query module', () => {
    for (const resource of resources) {
      const files = readdirSync(join('src', resource));
      expect(files, `src/${resource}`).to.include('repository.ts');
      expect(files, `src/${resource}`).not.to.include('queries.ts');
    }
  });

  it('keeps hand-written SQL out of routers', () => {
    for (const resource of resources) {
      const router = join('src', resource, 'router.ts');
      const text = readFileSync(router, 'utf8');
      expect(text, router).not.to.match(/\.query\(|\b(SELECT|INSERT|UPDATE|DELETE)\s+(\*|FROM|INTO)\b/);
    }
  });
});
