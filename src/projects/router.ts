import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, NoBody, parse } from '../http/validate';
import {
  addProjectMember, createProject, deleteProject, getProject, listProjectMembers, listProjects,
  removeProjectMember, setProjectArchived, updateProject, updateProjectMember,
} from './queries';
import {
  AddProjectMember, CreateProject, ListProjectsQuery, ListQuery, MemberParams, UpdateProject, UpdateProjectMember,
} from './schemas';

/** /projects and /projects/:id/members: who may do what is decided by RLS (migration 3). */
export function projectsRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects', requireUser, async (req, res) => {
    const query = parse(ListProjectsQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (db) => listProjects(db, query), 'statement');
    res.json(page);
  });

  router.post('/projects', requireUser, async (req, res) => {
    const body = parse(CreateProject, req.body, 'body');
    const project = await withTenant(actorOf(req), (db) => createProject(db, body));
    res.status(201).location(`/projects/${project.id}`).json(project);
  });

  // No requireUser: a public project is readable by anyone; RLS hides the rest (404).
  router.get('/projects/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const project = await withTenant(actorOf(req), (db) => getProject(db, id));
    res.json(project);
  });

  router.patch('/projects/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateProject, req.body, 'body');
    const project = await withTenant(actorOf(req), (db) => updateProject(db, id, body));
    res.json(project);
  });

  router.delete('/projects/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (db) => deleteProject(db, id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/projects/:id/archive', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    const project = await withTenant(actorOf(req), (db) => setProjectArchived(db, id, true));
    res.json(project);
  });

  router.post('/projects/:id/restore', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    const project = await withTenant(actorOf(req), (db) => setProjectArchived(db, id, false));
    res.json(project);
  });

  router.get('/projects/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (db) => listProjectMembers(db, id, query.limit, query.cursor));
    res.json(page);
  });

  router.post('/projects/:id/members', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddProjectMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (db) => addProjectMember(db, id, body));
    res.status(201).json(member);
  });

  router.patch('/projects/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    const { role } = parse(UpdateProjectMember, req.body, 'body');
    const member = await withTenant(actorOf(req), (db) => updateProjectMember(db, id, userId, role));
    res.json(member);
  });

  router.delete('/projects/:id/members/:userId', requireUser, async (req, res) => {
    const { id, userId } = parse(MemberParams, req.params, 'path');
    await withTenant(actorOf(req), (db) => removeProjectMember(db, id, userId));
    res.status(204).end();
  });

  return router;
}
