import { Router } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { IdParams, NoBody, parse } from '../http/validate';
import {
  addDependency, completeTask, createTask, deleteTask, getTask, listDependencies, listProjectTasks,
  listSubtasks, removeDependency, updateTask,
} from './queries';
import {
  AddDependency, CreateTask, DependencyParams, ListQuery, ListSubtasksQuery, ListTasksQuery, UpdateTask,
} from './schemas';

/** Tasks, subtasks and dependencies. Reads work anonymously (public projects); writes need a user. */
export function tasksRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects/:id/tasks', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListTasksQuery, req.query, 'query');
    res.type('json').send(await withTenant(actorOf(req), (db) => listProjectTasks(db, id, query), 'statement'));
  });

  router.post('/projects/:id/tasks', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(CreateTask, req.body, 'body');
    const task = await withTenant(actorOf(req), (db) => createTask(db, id, body), 'statement');
    res.status(201).location(`/tasks/${task.id}`).json(task);
  });

  router.get('/tasks/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(await withTenant(actorOf(req), (db) => getTask(db, id), 'statement'));
  });

  router.patch('/tasks/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(UpdateTask, req.body, 'body');
    res.json(await withTenant(actorOf(req), (db) => updateTask(db, id, body)));
  });

  router.delete('/tasks/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (db) => deleteTask(db, id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/tasks/:id/complete', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    res.json(await withTenant(actorOf(req), (db) => completeTask(db, id)));
  });

  router.get('/tasks/:id/subtasks', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListSubtasksQuery, req.query, 'query');
    res.type('json').send(await withTenant(actorOf(req), (db) => listSubtasks(db, id, query)));
  });

  router.get('/tasks/:id/dependencies', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const { limit, cursor } = parse(ListQuery, req.query, 'query');
    res.json(await withTenant(actorOf(req), (db) => listDependencies(db, id, limit, cursor)));
  });

  router.post('/tasks/:id/dependencies', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(AddDependency, req.body, 'body');
    const dependency = await withTenant(actorOf(req), (db) => addDependency(db, id, body));
    res.status(201).json(dependency);
  });

  router.delete('/tasks/:id/dependencies/:dependsOnTaskId', requireUser, async (req, res) => {
    const { id, dependsOnTaskId } = parse(DependencyParams, req.params, 'path');
    await withTenant(actorOf(req), (db) => removeDependency(db, id, dependsOnTaskId));
    res.status(204).end();
  });

  return router;
}
