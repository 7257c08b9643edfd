import { Router } from 'express';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import type { RouterDeps } from '../deps';
import { IdParams, NoBody, parse } from '../http/validate';
import { tasks } from './repository';
import {
  AddDependency, CreateTask, DependencyParams, ListQuery, ListSubtasksQuery, ListTasksQuery, UpdateTask,
  dependencyJson, taskJson,
} from './schemas';

/** Tasks, subtasks and dependencies. Reads work anonymously (public projects); writes need a user. */
export function tasksRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects/:id/tasks', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListTasksQuery, req.query, 'query');
    res.type('json').send(await withTenant(actorOf(req), (em) => tasks(em).pageOfProject(id, query), 'statement'));
  });

  router.post('/projects/:id/tasks', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(CreateTask, req.body, 'body');
    const task = await withTenant(actorOf(req), (em) => tasks(em).create(id, body), 'statement');
    res.status(201).location(`/tasks/${task.id}`).json(taskJson(task));
  });

  router.get('/tasks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(taskJson(await withTenant(actorOf(req), (em) => tasks(em).byId(id), 'statement')));
  });

  router.patch('/tasks/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateTask, req.body, 'body');
    res.json(taskJson(await withTenant(actorOf(req), (em) => tasks(em).update(id, body))));
  });

  router.delete('/tasks/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (em) => tasks(em).delete(id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/tasks/:id/complete', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    res.json(taskJson(await withTenant(actorOf(req), (em) => tasks(em).complete(id))));
  });

  router.get('/tasks/:id/subtasks', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListSubtasksQuery, req.query, 'query');
    res.type('json').send(await withTenant(actorOf(req), (em) => tasks(em).pageOfSubtasks(id, query)));
  });

  router.get('/tasks/:id/dependencies', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { limit, cursor } = parse(ListQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => tasks(em).pageOfDependencies(id, limit, cursor));
    res.json({ data: page.data.map(dependencyJson), nextCursor: page.nextCursor });
  });

  router.post('/tasks/:id/dependencies', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddDependency, req.body, 'body');
    const dependency = await withTenant(actorOf(req), (em) => tasks(em).addDependency(id, body));
    res.status(201).json(dependencyJson(dependency));
  });

  router.delete('/tasks/:id/dependencies/:dependsOnTaskId', requireUser, async (req, res) => {
    const { id, dependsOnTaskId } = parse(DependencyParams, req.params, 'path');
    await withTenant(actorOf(req), (em) => tasks(em).removeDependency(id, dependsOnTaskId));
    res.status(204).end();
  });

  return router;
}
