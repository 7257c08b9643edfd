import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';

/**
 * TypeORM options shared by the app (application role, through pgBouncer) and the CLI (owner role).
 * The app passes `queryTimeoutMs`; migrations and scripts do not (their DDL may rightly take long).
 */
export function dataSourceOptions(url: string, poolSize: number, queryTimeoutMs?: number): DataSourceOptions {
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
      // Client-side, so it also covers a query queued inside pgBouncer while PostgreSQL is down
      // (statement_timeout cannot: the query never reaches the server, and pgBouncer drops it as a startup parameter).
      ...(queryTimeoutMs ? { query_timeout: queryTimeoutMs } : {}),
    },
  };
}
