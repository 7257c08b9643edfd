import { z } from 'zod';
import type { TenantManager } from '../db/tenant';
import { HttpError } from '../errors';
import { decodeCursor, toPage, type Page } from '../http/pagination';
import { uuid } from '../http/validate';
import { Project } from '../projects/entity';
import { AuditEvent } from './entity';

/**
 * A project's activity, from audit_events (written by triggers; RLS lets whoever can see
 * the project read its events), on the request's EntityManager. Keyset by the log's sequence
 * number, newest first; the cursor names the last event by its id, because the sequence is
 * shared by every tenant and would let one count the others' writes.
 */
export function activity(em: TenantManager): ActivityRepository {
  return new ActivityRepository(em);
}

const lastEventId = z.tuple([uuid]);

export class ActivityRepository {
  constructor(private readonly em: TenantManager) {}

  async pageOfProject(projectId: string, pageSize: number, cursor?: string): Promise<Page<AuditEvent>> {
    const after = decodeCursor(cursor, lastEventId);
    if (!(await this.em.getRepository(Project).existsBy({ id: projectId }))) throw HttpError.notFound('Project not found.');
    const query = this.em.getRepository(AuditEvent).createQueryBuilder('e')
      .where('e.projectId = :projectId', { projectId })
      .orderBy('e.seq', 'DESC')
      .limit(pageSize + 1);
    if (after) {
      // An event of another project (a borrowed cursor) matches nothing: an empty page.
      query.andWhere('e.seq < (SELECT c.seq FROM audit_events c WHERE c.id = :afterId AND c.project_id = :projectId)', { afterId: after[0] });
    }
    return toPage(await query.getMany(), pageSize, (event) => event, (event) => [event.id]);
  }
}
