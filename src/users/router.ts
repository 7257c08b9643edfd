import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { requireUser, actorOf } from '../auth/user';
import { parse } from '../http/validate';
import { getMyProfile, updateMyProfile } from './queries';
import { UpdateProfile } from './schemas';

/** /users/me/profile: the signed-in user's own profile (RLS: user_profiles_*_own). */
export function usersRouter({ withTenant }: RouterDeps): Router {
  const router = Router();

  router.get('/users/me/profile', requireUser, async (req, res) => {
    res.json(await withTenant(actorOf(req), (db) => getMyProfile(db)));
  });

  router.patch('/users/me/profile', requireUser, async (req, res) => {
    const body = parse(UpdateProfile, req.body, 'body');
    res.json(await withTenant(actorOf(req), (db) => updateMyProfile(db, body)));
  });

  return router;
}
