import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives a Config.
 * Outside production, local defaults let `npm start` and the tests run on a developer
 * machine; in production every secret and address must be given.
 */
const LOCAL = {
  DATABASE_URL: 'postgres://pm_app:pm_app@127.0.0.1:5432/pm',
  MIGRATION_DATABASE_URL: 'postgres://pm_owner:pm_owner@127.0.0.1:5432/pm',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'local-development-secret-change-me-0123456789',
};

const url = (protocols: string[]) =>
  z.string().refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  MIGRATION_DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  // Comma-separated read replicas (streaming standbys, or their pgBouncers): safe GETs read there.
  DATABASE_REPLICA_URLS: z.string().default('').transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(url(['postgres:', 'postgresql:']))),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(24),
  TRUST_PROXY: z.string().default('false'),
  UPLOAD_DIR: z.string().min(1).default('uploads'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
  MAX_JSON_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  logLevel: string;
  databaseUrl: string;
  migrationDatabaseUrl: string;
  /** Read replicas of databaseUrl, as the application role; empty: every request uses the primary. */
  databaseReplicaUrls: string[];
  dbPoolSize: number;
  /** A request's query that gets no answer in this time fails (503) instead of hanging. */
  dbQueryTimeoutMs: number;
  redisUrl: string;
  sessionSecret: string;
  sessionIdleMs: number;
  sessionAbsoluteMs: number;
  trustProxy: boolean | number | string;
  uploadDir: string;
  maxUploadBytes: number;
  maxJsonBytes: number;
  loginAttemptsPerIp: number;
  loginAttemptsPerAccount: number;
  loginWindowMs: number;
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {}

export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = e.NODE_ENV === 'production';
  const required = (name: keyof typeof LOCAL, value: string | undefined): string => {
    if (value) return value;
    if (production) throw new ConfigError(`Invalid configuration:\n  ${name}: required when NODE_ENV=production`);
    return LOCAL[name];
  };
  return Object.freeze({
    env: e.NODE_ENV,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: required('DATABASE_URL', e.DATABASE_URL),
    migrationDatabaseUrl: required('MIGRATION_DATABASE_URL', e.MIGRATION_DATABASE_URL),
    databaseReplicaUrls: e.DATABASE_REPLICA_URLS,
    dbPoolSize: e.DB_POOL_SIZE,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    redisUrl: required('REDIS_URL', e.REDIS_URL),
    sessionSecret: required('SESSION_SECRET', e.SESSION_SECRET),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    uploadDir: e.UPLOAD_DIR,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxJsonBytes: e.MAX_JSON_BYTES,
    loginAttemptsPerIp: e.LOGIN_ATTEMPTS_PER_IP,
    loginAttemptsPerAccount: e.LOGIN_ATTEMPTS_PER_ACCOUNT,
    loginWindowMs: e.LOGIN_WINDOW_SECONDS * 1000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  });
}

// Express's `trust proxy`: true/false, a hop count, or a list of addresses/subnets.
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** For the TypeORM CLI, which needs only the owner's connection. */
export function readMigrationDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  // Never DATABASE_URL: that is the application role, through pgBouncer.
  const value = env.MIGRATION_DATABASE_URL;
  if (value) return value;
  if (env.NODE_ENV === 'production') throw new ConfigError('MIGRATION_DATABASE_URL is required when NODE_ENV=production');
  return LOCAL.MIGRATION_DATABASE_URL;
}
