import type { PostgresDataSourceOptions } from 'typeorm/driver/postgres/PostgresDataSourceOptions';
import { ENTITIES } from './entities';

/** TypeORM options shared by the app (application role, through pgBouncer) and the CLI (owner role). */
export function dataSourceOptions(url: string, poolSize: number): PostgresDataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [`${__dirname}/../../migrations/*.{ts,js}`],
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // The migrations own the schema: TypeORM must not CREATE EXTENSION "uuid-ossp" on connect
    // (gen_random_uuid() is core since PostgreSQL 13).
    installExtensions: false,
    migrationsRun: false,
    logging: false,
    poolSize,
    extra: {
      application_name: 'pm-api',
      connectionTimeoutMillis: 5_000,
      idleTimeoutMillis: 30_000,
    },
  };
}

/**
 * The app's pool. Its connections are pipelined: statements queued together leave together,
 * which lets a request transaction send BEGIN, its identity statement and its first query in
 * one round trip (src/db/tenant.ts; pgBouncer in transaction mode passes them through as one
 * transaction). Each statement has a client-side timeout, so it also covers a query queued
 * inside pgBouncer while PostgreSQL is down (statement_timeout cannot: the query never reaches
 * the server, and pgBouncer drops it as a startup parameter). Migrations and scripts use
 * dataSourceOptions(): their DDL may rightly take long.
 */
export function appDataSourceOptions(url: string, poolSize: number, queryTimeoutMs: number, replicaUrls: string[] = []): PostgresDataSourceOptions {
  const options = dataSourceOptions(url, poolSize);
  const extra = { ...options.extra, pipeline: true, query_timeout: queryTimeoutMs };
  if (replicaUrls.length === 0) return { ...options, extra };
  // TypeORM's replication: 'master' query runners use the primary, 'slave' ones a replica
  // (withTenant asks for a replica for READ ONLY work only). Each gets a pool of poolSize.
  const { url: _primary, ...rest } = options;
  return { ...rest, extra, replication: { master: { url }, slaves: replicaUrls.map((replica) => ({ url: replica })) } };
}
