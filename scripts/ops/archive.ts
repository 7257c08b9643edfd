import { Client } from 'pg';

/**
 * Retention, run on a schedule as the owner role: projects with no activity for N days
 * become `archived` (status and archived_at; their data stays, read-only in practice and out
 * of the default lists), and login sessions past their expiry are deleted. The archive
 * writes audit events with no actor: the system did it.
 */
export interface ArchiveOptions {
  inactiveDays: number;
  dryRun?: boolean;
}

export interface ArchiveResult {
  archivedProjects: Array<{ id: string; workspaceId: string; name: string; lastActivityAt: Date }>;
  purgedSessions: number;
}

export async function archiveInactive(ownerUrl: string, { inactiveDays, dryRun = false }: ArchiveOptions): Promise<ArchiveResult> {
  if (!Number.isInteger(inactiveDays) || inactiveDays < 1) throw new Error(`inactive days must be a whole number >= 1, got ${inactiveDays}`);
  const client = new Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query(`SELECT set_config('app.current_user_id', '', true)`);
    // Last activity: the project row itself, its tasks and documents, and anything audited in it.
    const { rows: projects } = await client.query(`
      WITH activity AS (
        SELECT p.id, GREATEST(
                 p.updated_at,
                 (SELECT max(t.updated_at) FROM tasks t WHERE t.project_id = p.id),
                 (SELECT max(d.updated_at) FROM documents d WHERE d.project_id = p.id),
                 (SELECT max(a.created_at) FROM audit_events a WHERE a.project_id = p.id)) AS last_activity_at
          FROM projects p
         WHERE p.status <> 'archived')
      UPDATE projects p
         SET status = 'archived', archived_at = now()
        FROM activity
       WHERE activity.id = p.id AND activity.last_activity_at < now() - make_interval(days => $1)
      RETURNING p.id, p.workspace_id AS "workspaceId", p.name, activity.last_activity_at AS "lastActivityAt"`,
    [inactiveDays]);
    const sessions = await client.query(`DELETE FROM user_sessions WHERE expires_at < now()`);
    await client.query(dryRun ? 'ROLLBACK' : 'COMMIT');
    return { archivedProjects: projects, purgedSessions: sessions.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await client.end();
  }
}
