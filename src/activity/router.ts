import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, parse } from '../http/validate';
import { listProjectActivity } from './queries';
import { ActivityQuery } from './schemas';

/** GET /projects/:id/activity: the audit log of one project, as RLS lets the user read it. */
export function activityRouter({ withTenant }: RouterDeps): Router {
  const router = Router();

  router.get('/projects/:id/activity', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ActivityQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (db) => listProjectActivity(db, id, query.limit, query.cursor));
    res.json(page);
  });

  return router;
}
