import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, parse } from '../http/validate';
import {
  addWorkspaceMember, createWorkspace, deleteWorkspace, getWorkspace, listMyWorkspaces, listWorkspaceMembers,
  removeWorkspaceMember, updateWorkspace, updateWorkspaceMember,
} from './queries';
import { AddWorkspaceMember, CreateWorkspace, ListQuery, MemberParams, UpdateWorkspace, UpdateWorkspaceMember } from './schemas';

/** /workspaces and /workspaces/:id/members: who may do what is decided by RLS (migration 3). */
export function workspacesRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/workspaces', requireUser, async (req, res) => {
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (db) => listMyWorkspaces(db, query.limit, query.cursor));
    res.json(page);
  });

  router.post('/workspaces', requireUser, async (req, res) => {
    const body = parse(CreateWorkspace, req.body, 'body');
    const workspace = await withTenant(actorOf(req), (db) => createWorkspace(db, body));
    res.status(201).location(`/workspaces/${workspace.id}`).json(workspace);
  });

  router.get('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const workspace = await withTenant(actorOf(req), (db) => getWorkspace(db, id));
    res.json(workspace);
  });

  router.patch('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateWorkspace, req.body, 'body');
    const workspace = await withTenant(actorOf(req), (db) => updateWorkspace(db, id, body));
    res.json(workspace);
  });

  router.delete('/workspaces/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (db) => deleteWorkspace(db, id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.get('/workspaces/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (db) => listWorkspaceMembers(db, id, query.limit, query.cursor));
    res.json(page);
  });

  router.post('/workspaces/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddWorkspaceMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (db) => addWorkspaceMember(db, id, body));
    res.status(201).json(member);
  });

  router.patch('/workspaces/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    const { role } = parse(UpdateWorkspaceMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (db) => updateWorkspaceMember(db, id, userId, role));
    res.json(member);
  });

  router.delete('/workspaces/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    await withTenant(actorOf(req), (db) => removeWorkspaceMember(db, id, userId));
    res.status(204).end();
  });

  return router;
}
