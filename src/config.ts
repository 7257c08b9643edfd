import { z } from 'zod';

/**
 * The one place that reads the environment. Everything else receives a Config.
 * Outside production, local defaults let `npm start` and the tests run on a developer
 * machine; in production every secret and address must be given, and none may be one this
 * repository publishes. Each process kind reads only what it uses: the server
 * (readConfig) never the owner's URL, the operations scripts (readOwnerConfig) only it.
 */
const LOCAL = {
  DATABASE_URL: 'postgres://pm_app:pm_app@127.0.0.1:5432/pm',
  MIGRATION_DATABASE_URL: 'postgres://pm_owner:pm_owner@127.0.0.1:5432/pm',
  REDIS_URL: 'redis://127.0.0.1:6379',
  SESSION_SECRET: 'local-development-secret-change-me-0123456789',
};

// Published in this repository (local defaults, earlier compose defaults): anyone could sign cookies or log in.
const PUBLISHED_SESSION_SECRETS = new Set([LOCAL.SESSION_SECRET, 'compose-local-session-secret-change-me-0123456789']);
const PUBLISHED_PASSWORDS = new Set(['pm_app', 'pm_owner', 'postgres']);

const url = (protocols: string[]) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'required' : undefined) }).refine((value) => {
    try {
      return protocols.includes(new URL(value).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

const postgresUrl = url(['postgres:', 'postgresql:']);
const nodeEnv = z.enum(['development', 'test', 'production']).default('development');

// The server's settings: never the owner's URL (BYPASSRLS credentials it has no use for).
const serverSchema = z.object({
  NODE_ENV: nodeEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: postgresUrl.optional(),
  // Comma-separated read replicas (streaming standbys, or their pgBouncers): safe GETs read there.
  DATABASE_REPLICA_URLS: z.string().default('').transform((value) => value.split(',').map((item) => item.trim()).filter(Boolean))
    .pipe(z.array(postgresUrl)),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  DB_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).default(24),
  TRUST_PROXY: z.string().default('false'),
  METRICS_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  UPLOAD_DIR: z.string().min(1).default('uploads'),
  MAX_UPLOAD_BYTES: z.coerce.number().int().min(1).default(10 * 1024 * 1024),
  MAX_JSON_BYTES: z.coerce.number().int().min(1024).default(256 * 1024),
  LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().min(1).default(100),
  LOGIN_ATTEMPTS_PER_ACCOUNT: z.coerce.number().int().min(1).default(10),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
});

// The operations scripts and the seeder: the owner's direct connection and the files, nothing else.
const ownerSchema = z.object({
  NODE_ENV: nodeEnv,
  MIGRATION_DATABASE_URL: postgresUrl.optional(),
  UPLOAD_DIR: z.string().min(1).default('uploads'),
});

// db:setup: a superuser, and the two roles to create; no defaults anywhere (it sets passwords).
const setupSchema = z.object({
  ADMIN_DATABASE_URL: postgresUrl,
  MIGRATION_DATABASE_URL: postgresUrl,
  DATABASE_URL: postgresUrl,
});

export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  logLevel: string;
  databaseUrl: string;
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
  /** Bearer token for /metrics and /ready; null: open outside production, closed in it (decision 0015). */
  metricsToken: string | null;
  uploadDir: string;
  maxUploadBytes: number;
  maxJsonBytes: number;
  loginAttemptsPerIp: number;
  loginAttemptsPerAccount: number;
  loginWindowMs: number;
  shutdownTimeoutMs: number;
}

/** What the operations scripts (backup, restore, archive, export, erase, seed) need. */
export interface OwnerConfig {
  env: 'development' | 'test' | 'production';
  /** The owner role, straight to PostgreSQL. */
  migrationDatabaseUrl: string;
  uploadDir: string;
}

/** What db:setup needs: every URL given, so no password is ever a default. */
export interface SetupConfig {
  adminUrl: string;
  migrationDatabaseUrl: string;
  databaseUrl: string;
}

export class ConfigError extends Error {}

function parseEnv<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv): z.infer<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** Collects every problem, so an operator fixes them in one go rather than one per start. */
class Problems {
  private readonly lines: string[] = [];

  constructor(private readonly production: boolean) {}

  /** The given value; outside production the local default; in production a problem if missing. */
  required(name: keyof typeof LOCAL, value: string | undefined): string {
    if (value) return value;
    if (this.production) this.lines.push(`  ${name}: required when NODE_ENV=production`);
    return LOCAL[name];
  }

  /** In production, a secret or a database password this repository publishes is refused. */
  notPublished(name: string, value: string | undefined, kind: 'secret' | 'url'): void {
    if (!this.production || !value) return;
    const published = kind === 'secret' ? PUBLISHED_SESSION_SECRETS.has(value) : PUBLISHED_PASSWORDS.has(passwordOf(value));
    if (published) {
      this.lines.push(`  ${name}: ${kind === 'secret' ? 'is' : 'has a password that is'} a default published with this ` +
        'project; set one of your own (docker/generate-env.sh writes random ones)');
    }
  }

  throwIfAny(): void {
    if (this.lines.length > 0) throw new ConfigError(`Invalid configuration:\n${this.lines.join('\n')}`);
  }
}

function passwordOf(value: string): string {
  try {
    return decodeURIComponent(new URL(value).password);
  } catch {
    return '';
  }
}

/** The API server's configuration. */
export function readConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(serverSchema, env);
  const problems = new Problems(e.NODE_ENV === 'production');
  const config: Config = {
    env: e.NODE_ENV,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    databaseUrl: problems.required('DATABASE_URL', e.DATABASE_URL),
    databaseReplicaUrls: e.DATABASE_REPLICA_URLS,
    dbPoolSize: e.DB_POOL_SIZE,
    dbQueryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    redisUrl: problems.required('REDIS_URL', e.REDIS_URL),
    sessionSecret: problems.required('SESSION_SECRET', e.SESSION_SECRET),
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionAbsoluteMs: e.SESSION_ABSOLUTE_HOURS * 3_600_000,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    metricsToken: e.METRICS_TOKEN ?? null,
    uploadDir: e.UPLOAD_DIR,
    maxUploadBytes: e.MAX_UPLOAD_BYTES,
    maxJsonBytes: e.MAX_JSON_BYTES,
    loginAttemptsPerIp: e.LOGIN_ATTEMPTS_PER_IP,
    loginAttemptsPerAccount: e.LOGIN_ATTEMPTS_PER_ACCOUNT,
    loginWindowMs: e.LOGIN_WINDOW_SECONDS * 1000,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
  problems.notPublished('DATABASE_URL', e.DATABASE_URL, 'url');
  e.DATABASE_REPLICA_URLS.forEach((replica, i) => problems.notPublished(`DATABASE_REPLICA_URLS[${i}]`, replica, 'url'));
  problems.notPublished('SESSION_SECRET', e.SESSION_SECRET, 'secret');
  problems.throwIfAny();
  return Object.freeze(config);
}

// Express's `trust proxy`: true/false, a hop count, or a list of addresses/subnets.
function parseTrustProxy(value: string): boolean | number | string {
  if (value === 'true') return true;
  if (value === 'false' || value === '') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/** The operations scripts' configuration: the owner's URL (never DATABASE_URL, the app role) and UPLOAD_DIR. */
export function readOwnerConfig(env: NodeJS.ProcessEnv = process.env): OwnerConfig {
  const e = parseEnv(ownerSchema, env);
  const problems = new Problems(e.NODE_ENV === 'production');
  const config: OwnerConfig = {
    env: e.NODE_ENV,
    migrationDatabaseUrl: problems.required('MIGRATION_DATABASE_URL', e.MIGRATION_DATABASE_URL),
    uploadDir: e.UPLOAD_DIR,
  };
  problems.notPublished('MIGRATION_DATABASE_URL', e.MIGRATION_DATABASE_URL, 'url');
  problems.throwIfAny();
  return Object.freeze(config);
}

/** For the TypeORM CLI, which needs only the owner's connection. */
export function readMigrationDatabaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return readOwnerConfig(env).migrationDatabaseUrl;
}

/** db:setup's configuration: all three URLs, in every environment (it creates roles with these passwords). */
export function readSetupConfig(env: NodeJS.ProcessEnv = process.env): SetupConfig {
  const e = parseEnv(setupSchema, env);
  return Object.freeze({ adminUrl: e.ADMIN_DATABASE_URL, migrationDatabaseUrl: e.MIGRATION_DATABASE_URL, databaseUrl: e.DATABASE_URL });
}
