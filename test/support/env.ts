import { randomBytes } from 'node:crypto';

/**
 * Where this test run's services are. Filled by test/setup/hooks.ts before any test runs;
 * each run gets its own database, so runs never share rows.
 */
export interface TestEnv {
  adminUrl: string;
  database: string;
  ownerUrl: string;
  /** The application role, straight to PostgreSQL (for SQL-level RLS tests). */
  appDirectUrl: string;
  /** The application role through the run's pgBouncer (what the app uses). */
  appUrl: string;
  bouncerPort: number;
  bouncerAdminUrl: string;
  redisUrl: string;
}

export const ROLES = { owner: 'pm_owner', ownerPassword: 'pm_owner', app: 'pm_app', appPassword: 'pm_app' };

let current: TestEnv | undefined;

export function setTestEnv(env: TestEnv): void {
  current = env;
}

export function testEnv(): TestEnv {
  if (!current) throw new Error('the test environment is not ready (test/setup/hooks.ts did not run)');
  return current;
}

export function adminUrlFromEnv(): string {
  return process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export function redisUrlFromEnv(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export function uniqueDatabaseName(prefix = 'pm_test'): string {
  return `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`;
}

export function withDatabase(url: string, database: string, user?: string, password?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user) {
    u.username = user;
    u.password = password ?? '';
  }
  return u.toString();
}
