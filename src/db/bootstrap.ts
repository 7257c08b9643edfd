import { Client } from 'pg';

/**
 * What a superuser does once per cluster and database, before any migration: the owner
 * role (owns the schema, runs migrations and backups; BYPASSRLS so SECURITY DEFINER helpers
 * and pg_dump see every row), the application's login role (NOSUPERUSER, NOBYPASSRLS, a
 * member of application_role, the policies' target) and the database. Idempotent: roles
 * are cluster-wide and shared by every database of the cluster.
 */
export interface BootstrapOptions {
  adminUrl: string;
  database: string;
  ownerRole: string;
  ownerPassword: string;
  appRole: string;
  appPassword: string;
}

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier: ${name}`);
  return `"${name}"`;
};

export async function bootstrapDatabase(options: BootstrapOptions): Promise<void> {
  const admin = new Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    const owner = ident(options.ownerRole);
    const app = ident(options.appRole);
    await ensureRole(admin, 'application_role', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT');
    await ensureRole(admin, options.ownerRole, 'LOGIN NOSUPERUSER BYPASSRLS CREATEROLE');
    await ensureRole(admin, options.appRole, 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT');
    await admin.query(`ALTER ROLE ${owner} WITH PASSWORD ${literal(options.ownerPassword)}`);
    await admin.query(`ALTER ROLE ${app} WITH PASSWORD ${literal(options.appPassword)}`);
    await admin.query(`GRANT application_role TO ${app}`);
    // The owner grants application_role's privileges in migrations.
    await admin.query(`GRANT application_role TO ${owner} WITH ADMIN OPTION`);

    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [options.database]);
    if (exists.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${ident(options.database)} OWNER ${owner}`);
    }
    await admin.query(`REVOKE ALL ON DATABASE ${ident(options.database)} FROM PUBLIC`);
    await admin.query(`GRANT CONNECT ON DATABASE ${ident(options.database)} TO ${app}`);
  } finally {
    await admin.end();
  }
}

async function ensureRole(admin: Client, name: string, attributes: string): Promise<void> {
  const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  const verb = found.rowCount === 0 ? 'CREATE' : 'ALTER';
  try {
    await admin.query(`${verb} ROLE ${ident(name)} WITH ${attributes}`);
  } catch (error) {
    // Another database's bootstrap may create the same role at the same moment.
    if ((error as { code?: string }).code !== '23505' && (error as { code?: string }).code !== '42710') throw error;
  }
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
