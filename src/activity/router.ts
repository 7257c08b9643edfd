import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, parse } from '../http/validate';
import { activity } from './repository';
import { ActivityQuery, activityEventJson } from './schemas';

/** GET /projects/:id/activity: the audit log of one project, as RLS lets the user read it. */
export function activityRouter({ withTenant }: RouterDeps): Router {
  const router = Router();

  router.get('/projects/:id/activity', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { limit, cursor } = parse(ActivityQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => activity(em).pageOfProject(id, limit, cursor));
    res.json({ data: page.data.map(activityEventJson), nextCursor: page.nextCursor });
  });

  return router;
}
