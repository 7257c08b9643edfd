import { DataSource } from 'typeorm';
import { dataSourceOptions } from './options';

/** Runs (or reverts) the migrations with the owner's direct connection, never through pgBouncer. */
export async function runMigrations(ownerUrl: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(ownerUrl, 1));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}

export async function revertAllMigrations(ownerUrl: string): Promise<number> {
  const dataSource = new DataSource(dataSourceOptions(ownerUrl, 1));
  await dataSource.initialize();
  let reverted = 0;
  try {
    while ((await dataSource.query(`SELECT count(*)::int AS n FROM typeorm_migrations`))[0].n > 0) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted += 1;
    }
  } finally {
    await dataSource.destroy();
  }
  return reverted;
}
