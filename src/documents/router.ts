import { Router, type Response } from 'express';
import { z } from 'zod';
import type { RouterDeps } from '../deps';
import { storedFileRemover } from '../attachments/storage';
import { requireUser, actorOf, userIdOf } from '../auth/user';
import { HttpError } from '../errors';
import { decodeCursor } from '../http/pagination';
import { IdParams, NoBody, parse, uuid } from '../http/validate';
import {
  createDocument, deleteDocument, getDocument, getVersion, listDocuments, listVersions, publishDocument,
  restoreVersion, updateDocument, type DocumentRow,
} from './queries';
import {
  CreateDocument, ListDocumentsQuery, ListVersionsQuery, UpdateDocument, VersionParams, etagOf, ifMatchVersion,
} from './schemas';

const DocumentCursor = z.tuple([z.iso.datetime(), uuid]);
const VersionCursor = z.tuple([z.number().int().min(1)]);

/** Every answer that carries a document carries its version as a strong ETag. */
function sendDocument(res: Response, document: DocumentRow, status = 200): void {
  res.status(status).setHeader('ETag', etagOf(document.version));
  res.json(document);
}

/** Documents and their versions. Reads work anonymously for public projects; RLS decides. */
export function documentsRouter({ withTenant, config, logger }: RouterDeps): Router {
  const removeFiles = storedFileRemover(config.uploadDir, logger);
  const router = Router();

  router.get('/projects/:id/documents', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListDocumentsQuery, req.query, 'query');
    const after = decodeCursor(query.cursor, DocumentCursor);
    const page = await withTenant(actorOf(req), (db) => listDocuments(db, id, { limit: query.limit, after, status: query.status }));
    res.json(page);
  });

  router.post('/projects/:id/documents', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const body = parse(CreateDocument, req.body, 'body');
    const me = userIdOf(req)!;
    const document = await withTenant(actorOf(req), (db) => createDocument(db, me, id, body));
    res.location(`/documents/${document.id}`);
    sendDocument(res, document, 201);
  });

  router.get('/documents/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const document = await withTenant(actorOf(req), (db) => getDocument(db, id));
    sendDocument(res, document);
  });

  router.patch('/documents/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const expected = ifMatchVersion(req.get('If-Match'));
    const body = parse(UpdateDocument, req.body, 'body');
    if (expected === undefined) throw HttpError.preconditionRequired('Send If-Match with the ETag of the version you are changing.');
    const document = await withTenant(actorOf(req), (db) => updateDocument(db, id, expected, body), 'statement');
    sendDocument(res, document);
  });

  router.delete('/documents/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const files = await withTenant(actorOf(req), (db) => deleteDocument(db, id));
    await removeFiles(files); // its attachments' files, now that the rows are gone
    res.status(204).end();
  });

  router.post('/documents/:id/publish', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    parse(NoBody, req.body, 'body');
    const document = await withTenant(actorOf(req), (db) => publishDocument(db, id));
    sendDocument(res, document);
  });

  router.get('/documents/:id/versions', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const query = parse(ListVersionsQuery, req.query, 'query');
    const [before] = decodeCursor(query.cursor, VersionCursor) ?? [];
    const page = await withTenant(actorOf(req), (db) => listVersions(db, id, { limit: query.limit, before }));
    res.json(page);
  });

  router.get('/documents/:id/versions/:number', async (req, res) => {
    const { id, number } = parse(VersionParams, req.params, 'path');
    const version = await withTenant(actorOf(req), (db) => getVersion(db, id, number));
    res.json(version);
  });

  router.post('/documents/:id/versions/:number/restore', requireUser, async (req, res) => {
    const { id, number } = parse(VersionParams, req.params, 'path');
    const expected = ifMatchVersion(req.get('If-Match'));
    parse(NoBody, req.body, 'body');
    const document = await withTenant(actorOf(req), (db) => restoreVersion(db, id, number, expected));
    sendDocument(res, document);
  });

  return router;
}
