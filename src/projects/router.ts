import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, NoBody, parse } from '../http/validate';
import { projects } from './repository';
import {
  AddProjectMember, CreateProject, ListProjectsQuery, ListQuery, MemberParams, UpdateProject, UpdateProjectMember,
  projectJson, projectMemberJson,
} from './schemas';

/** /projects and /projects/:id/members: who may do what is decided by RLS (migration 3). */
export function projectsRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects', requireUser, async (req, res) => {
    const query = parse(ListProjectsQuery, req.query, 'query');
    res.type('json').send(await withTenant(actorOf(req), (em) => projects(em).pageOfMyWorkspaces(query), 'statement'));
  });

  router.post('/projects', requireUser, async (req, res) => {
    const body = parse(CreateProject, req.body, 'body');
    const project = await withTenant(actorOf(req), (em) => projects(em).create(body));
    res.status(201).location(`/projects/${project.id}`).json(projectJson(project));
  });

  // No requireUser: a public project is readable by anyone; RLS hides the rest (404).
  router.get('/projects/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(projectJson(await withTenant(actorOf(req), (em) => projects(em).byId(id))));
  });

  router.patch('/projects/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateProject, req.body, 'body');
    res.json(projectJson(await withTenant(actorOf(req), (em) => projects(em).update(id, body))));
  });

  router.delete('/projects/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (em) => projects(em).delete(id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/projects/:id/archive', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    res.json(projectJson(await withTenant(actorOf(req), (em) => projects(em).archive(id))));
  });

  router.post('/projects/:id/restore', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    res.json(projectJson(await withTenant(actorOf(req), (em) => projects(em).restore(id))));
  });

  router.get('/projects/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { limit, cursor } = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => projects(em).pageOfMembers(id, limit, cursor));
    res.json({ data: page.data.map(projectMemberJson), nextCursor: page.nextCursor });
  });

  router.post('/projects/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddProjectMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (em) => projects(em).addMember(id, body));
    res.status(201).json(projectMemberJson(member));
  });

  router.patch('/projects/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    const { role } = parse(UpdateProjectMember, req.body, 'body');
    res.json(projectMemberJson(await withTenant(actorOf(req), (em) => projects(em).updateMember(id, userId, role))));
  });

  router.delete('/projects/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    await withTenant(actorOf(req), (em) => projects(em).removeMember(id, userId));
    res.status(204).end();
  });

  return router;
}
