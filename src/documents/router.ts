import { Router, type Response } from 'express';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf } from '../auth/user';
import { HttpError } from '../errors';
import { IdParams, NoBody, parse } from '../http/validate';
import type { Document } from './entity';
import { documents } from './repository';
import {
  CreateDocument, ListDocumentsQuery, ListVersionsQuery, UpdateDocument, VersionParams, documentJson, documentVersionJson,
  documentVersionSummaryJson, etagOf, ifMatchVersion,
} from './schemas';

/** Every answer that carries a document carries its version as a strong ETag. */
function sendDocument(res: Response, document: Document, status = 200): void {
  res.status(status).setHeader('ETag', etagOf(document.version));
  res.json(documentJson(document));
}

/** Documents and their versions. Reads work anonymously for public projects; RLS decides. */
export function documentsRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects/:id/documents', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListDocumentsQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => documents(em).pageOfProject(id, query));
    res.json({ data: page.data.map(documentJson), nextCursor: page.nextCursor });
  });

  router.post('/projects/:id/documents', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(CreateDocument, req.body, 'body');
    const document = await withTenant(actorOf(req), (em) => documents(em).create(id, body));
    res.location(`/documents/${document.id}`);
    sendDocument(res, document, 201);
  });

  router.get('/documents/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const document = await withTenant(actorOf(req), (em) => documents(em).byId(id));
    sendDocument(res, document);
  });

  router.patch('/documents/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const expected = ifMatchVersion(req.get('If-Match'));
    const body = parse(UpdateDocument, req.body, 'body');
    if (expected === undefined) throw HttpError.preconditionRequired('Send If-Match with the ETag of the version you are changing.');
    const document = await withTenant(actorOf(req), (em) => documents(em).update(id, expected, body), 'statement');
    sendDocument(res, document);
  });

  router.delete('/documents/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (em) => documents(em).delete(id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/documents/:id/publish', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    const document = await withTenant(actorOf(req), (em) => documents(em).publish(id));
    sendDocument(res, document);
  });

  router.get('/documents/:id/versions', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListVersionsQuery, req.query, 'query');
    const page = await withTenant(actorOf(req), (em) => documents(em).pageOfVersions(id, query));
    res.json({ data: page.data.map(documentVersionSummaryJson), nextCursor: page.nextCursor });
  });

  router.get('/documents/:id/versions/:number', async (req, res) => {
    const { id, number } = parse(VersionParams, req.params, 'path');
    const version = await withTenant(actorOf(req), (em) => documents(em).version(id, number));
    res.json(documentVersionJson(version));
  });

  router.post('/documents/:id/versions/:number/restore', requireUser, async (req, res) => {
    const { id, number } = parse(VersionParams, req.params, 'path');
    const expected = ifMatchVersion(req.get('If-Match'));
    parse(NoBody, req.body, 'body');
    const document = await withTenant(actorOf(req), (em) => documents(em).restore(id, number, expected));
    sendDocument(res, document);
  });

  return router;
}
