import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, parse } from '../http/validate';
import { workspaces } from './repository';
import {
  AddWorkspaceMember, CreateWorkspace, ListQuery, MemberParams, UpdateWorkspace, UpdateWorkspaceMember, workspaceJson,
  workspaceMemberJson,
} from './schemas';

/** /workspaces and /workspaces/:id/members: who may do what is decided by RLS (migration 3). */
export function workspacesRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/workspaces', requireUser, async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => workspaces(em).pageOfMine(query.limit, query.cursor));
    res.json({ data: page.data.map(workspaceJson), nextCursor: page.nextCursor });
  });

  router.post('/workspaces', requireUser, async (req, res) => {
    const body = parse(CreateWorkspace, req.body, 'body');
    const workspace = await withTenant(actorOf(req), (em) => workspaces(em).create(body));
    res.status(201).location(`/workspaces/${workspace.id}`).json(workspaceJson(workspace));
  });

  router.get('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const workspace = await withTenant(actorOf(req), (em) => workspaces(em).byId(id));
    res.json(workspaceJson(workspace));
  });

  router.patch('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateWorkspace, req.body, 'body');
    const workspace = await withTenant(actorOf(req), (em) => workspaces(em).update(id, body));
    res.json(workspaceJson(workspace));
  });

  router.delete('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (em) => workspaces(em).delete(id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.get('/workspaces/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => workspaces(em).pageOfMembers(id, query.limit, query.cursor));
    res.json({ data: page.data.map(workspaceMemberJson), nextCursor: page.nextCursor });
  });

  router.post('/workspaces/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddWorkspaceMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (em) => workspaces(em).addMember(id, body));
    res.status(201).json(workspaceMemberJson(member));
  });

  router.patch('/workspaces/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    const { role } = parse(UpdateWorkspaceMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (em) => workspaces(em).updateMember(id, userId, role));
    res.json(workspaceMemberJson(member));
  });

  router.delete('/workspaces/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    await withTenant(actorOf(req), (em) => workspaces(em).removeMember(id, userId));
    res.status(204).end();
  });

  return router;
}
