import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { requireUser, actorOf, userIdOf } from '../auth/user';
import { parse } from '../http/validate';
import { profiles } from './repository';
import { UpdateProfile, profileJson } from './schemas';

/** /users/me/profile: the signed-in user's own profile (RLS: user_profiles_*_own). */
export function usersRouter({ withTenant }: RouterDeps): Router {
  const router = Router();

  router.get('/users/me/profile', requireUser, async (req, res) => {
    // The first read creates the empty profile: a write, so not a READ ONLY transaction (decision 0014).
    const writer = { id: userIdOf(req), tokenHash: req.user?.tokenHash };
    res.json(profileJson(await withTenant(writer, (em) => profiles(em).mine())));
  });

  router.patch('/users/me/profile', requireUser, async (req, res) => {
    const body = parse(UpdateProfile, req.body, 'body');
    res.json(profileJson(await withTenant(actorOf(req), (em) => profiles(em).updateMine(body))));
  });

  return router;
}
