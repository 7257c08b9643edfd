import { Client } from 'pg';

/**
 * What a superuser does once per cluster and database, before any migration: the owner
 * role (owns the schema, runs migrations and backups; BYPASSRLS so SECURITY DEFINER helpers
 * and pg_dump see every row), the application's login role (NOSUPERUSER, NOBYPASSRLS, a
 * member of application_role, the policies' target) and the database. Idempotent: roles
 * are cluster-wide and shared by every database of the cluster, so a role that exists keeps
 * its password unless `resetPasswords` says otherwise (another deployment may use it).
 */
export interface BootstrapOptions {
  adminUrl: string;
  database: string;
  ownerRole: string;
  /** Needed when the role is created; an existing role's password changes only with resetPasswords. */
  ownerPassword?: string;
  appRole: string;
  appPassword?: string;
  /** Set the passwords of roles that already exist too (default: leave them as they are). */
  resetPasswords?: boolean;
}

export interface BootstrapResult {
  /** Login roles created now (with the given passwords). */
  createdRoles: string[];
  /** Existing login roles whose password was set now (resetPasswords). */
  passwordsReset: string[];
  /** Existing login roles left with the password they had. */
  passwordsKept: string[];
  databaseCreated: boolean;
  /** Who owns the database: the owner role, unless it existed before under someone else. */
  databaseOwner: string;
}

const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`unsafe identifier: ${name}`);
  return `"${name}"`;
};

export async function bootstrapDatabase(options: BootstrapOptions): Promise<BootstrapResult> {
  const result: BootstrapResult = { createdRoles: [], passwordsReset: [], passwordsKept: [], databaseCreated: false, databaseOwner: options.ownerRole };
  const admin = new Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    const owner = ident(options.ownerRole);
    const app = ident(options.appRole);
    const db = ident(options.database);
    await ensureRole(admin, 'application_role', 'NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT');
    const logins = [
      { name: options.ownerRole, password: options.ownerPassword, attributes: 'LOGIN NOSUPERUSER BYPASSRLS CREATEROLE' },
      { name: options.appRole, password: options.appPassword, attributes: 'LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE INHERIT' },
    ];
    for (const role of logins) {
      const created = await ensureRole(admin, role.name, role.attributes, role.password);
      if (created) {
        result.createdRoles.push(role.name);
      } else if (options.resetPasswords && role.password) {
        await admin.query(`ALTER ROLE ${ident(role.name)} WITH PASSWORD ${literal(role.password)}`);
        result.passwordsReset.push(role.name);
      } else {
        result.passwordsKept.push(role.name);
      }
    }
    await admin.query(`GRANT application_role TO ${app}`);
    // The owner grants application_role's privileges in migrations.
    await admin.query(`GRANT application_role TO ${owner} WITH ADMIN OPTION`);

    const existing = await admin.query<{ owner: string }>(
      'SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = $1', [options.database]);
    if (existing.rowCount === 0) {
      await admin.query(`CREATE DATABASE ${db} OWNER ${owner}`);
      result.databaseCreated = true;
    } else {
      result.databaseOwner = existing.rows[0].owner;
    }
    await admin.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    // Explicit for the owner role too: a database created beforehand (a hosting provider's) is not its own.
    await admin.query(`GRANT CONNECT, CREATE, TEMPORARY ON DATABASE ${db} TO ${owner}`);
    await admin.query(`GRANT CONNECT ON DATABASE ${db} TO ${app}`);
    if (result.databaseOwner !== options.ownerRole) await grantPublicSchema(options.adminUrl, options.database, owner);
  } finally {
    await admin.end();
  }
  return result;
}

/**
 * In a database someone else owns, schema public belongs to that owner (PostgreSQL 15+ lets
 * nobody else create in it): the migrations create there and grant its use to application_role.
 */
async function grantPublicSchema(adminUrl: string, database: string, owner: string): Promise<void> {
  const url = new URL(adminUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${owner} WITH GRANT OPTION`);
  } finally {
    await client.end();
  }
}

/** Creates the role (with its password) or brings an existing one's attributes in line; true when created. */
async function ensureRole(admin: Client, name: string, attributes: string, password?: string): Promise<boolean> {
  const found = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
  if (found.rowCount !== 0) {
    await admin.query(`ALTER ROLE ${ident(name)} WITH ${attributes}`);
    return false;
  }
  if (attributes.startsWith('LOGIN') && !password) {
    throw new Error(`role ${name} does not exist and no password was given for it: put one in its URL`);
  }
  try {
    await admin.query(`CREATE ROLE ${ident(name)} WITH ${attributes}${password ? ` PASSWORD ${literal(password)}` : ''}`);
    return true;
  } catch (error) {
    // Another database's bootstrap may create the same role at the same moment.
    const code = (error as { code?: string }).code;
    if (code !== '23505' && code !== '42710') throw error;
    return false;
  }
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
