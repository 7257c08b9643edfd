import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'uploads/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Only config.ts reads the environment (see docs/decisions/0001).
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts.' }],
    },
  },
  {
    // Resource folders reach data only through the request's EntityManager (withTenant): never
    // a DataSource, its global manager, or a connection of their own.
    files: ['src/*/router.ts', 'src/*/repository.ts', 'src/*/schemas.ts'],
    ignores: ['src/ops/**', 'src/db/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'typeorm', importNames: ['DataSource', 'getRepository', 'getManager', 'getConnection'], message: 'Use the EntityManager withTenant hands the work.' },
          { name: 'pg', message: 'Use the EntityManager withTenant hands the work.' },
        ],
        patterns: [
          { group: ['**/ormconfig', '**/db/options', '**/db/migrate'], message: 'Use the EntityManager withTenant hands the work.' },
        ],
      }],
      'no-restricted-syntax': ['error', {
        selector: "MemberExpression[property.name='dataSource']",
        message: 'Routes and repositories never touch the DataSource: use the EntityManager withTenant hands the work.',
      }],
    },
  },
  {
    files: ['src/config.ts', 'scripts/**', 'test/**', 'bench/**', 'seeders/**', 'ormconfig.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
);
