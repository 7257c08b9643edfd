import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { readMigrationDatabaseUrl } from './src/config';
import { dataSourceOptions } from './src/db/options';

// The TypeORM CLI's DataSource: migrations run as the owner role on a direct connection.
export default new DataSource(dataSourceOptions(readMigrationDatabaseUrl(), 2));
