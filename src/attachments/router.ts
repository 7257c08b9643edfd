import { pipeline } from 'node:stream';
import { Router } from 'express';
import typeis from 'type-is';
import type { RouterDeps } from '../deps';
import { requireUser, actorOf } from '../auth/user';
import { HttpError } from '../errors';
import { refuseDeclaredOverLimit } from '../http/declared-length';
import { IdParams, parse } from '../http/validate';
import type { AttachmentEntityType } from './entity';
import { attachments } from './repository';
import { UploadFields, attachmentJson } from './schemas';
import { attachmentStorage, displayName, saneMimeType, storedFileRemover } from './storage';

// What a multipart body may carry besides the file, at most (multer's limits in storage.ts:
// 12 parts with their headers, 10 small fields): a declared length beyond the file limit plus
// this cannot hold an acceptable file.
const MULTIPART_ENVELOPE_BYTES = 1024 * 1024;

const PARENT_PATHS: Array<[AttachmentEntityType, string]> = [
  ['task', '/tasks/:id/attachments'],
  ['document', '/documents/:id/attachments'],
  ['project', '/projects/:id/attachments'],
];

/**
 * `attachment` always (never rendered inline from our origin); an ASCII fallback without
 * quotes, backslashes or control characters, and the exact name in RFC 8187 encoding.
 */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

/** Uploads to tasks, documents and projects; metadata, download and delete of attachments. */
export function attachmentsRouter({ withTenant, config, logger }: RouterDeps): Router {
  const router = Router();
  const storage = attachmentStorage(config.uploadDir, config.maxUploadBytes);
  const removeFiles = storedFileRemover(config.uploadDir, logger);

  for (const [entityType, route] of PARENT_PATHS) {
    router.post(route, requireUser, async (req, res) => {
      const { id } = parse(IdParams, req.params, 'path');
      if (!typeis(req, ['multipart/form-data'])) {
        throw HttpError.unsupportedMediaType('Send the file as multipart/form-data, in the field "file".');
      }
      refuseDeclaredOverLimit(req, res, config.maxUploadBytes + MULTIPART_ENVELOPE_BYTES);
      await withTenant(actorOf(req), (em) => attachments(em).checkWritableParent(entityType, id));
      const file = await storage.receive(req, res);
      try {
        if (!file && typeof req.body?.file === 'string') {
          // A part without a file name (curl's `filename=`) arrives as a text field.
          throw HttpError.validation([{ path: 'body.file', message: 'Send a file (a part with a file name), not a text field.' }]);
        }
        parse(UploadFields, { ...req.body }, 'body');
        if (!file) throw HttpError.validation([{ path: 'body.file', message: 'Attach the file in the field "file".' }]);
        if (file.size === 0) throw HttpError.validation([{ path: 'body.file', message: 'The file is empty.' }]);
        const stored = await storage.keep(file);
        try {
          const attachment = await withTenant(actorOf(req), (em) => attachments(em).create({
            entityType, entityId: id, filename: stored.storageId, storagePath: stored.storagePath,
            originalFilename: displayName(file.originalname), fileSize: file.size, mimeType: saneMimeType(file.mimetype),
          }));
          res.status(201).location(`/attachments/${attachment.id}`).json(attachmentJson(attachment));
        } catch (error) {
          await storage.remove(stored.storagePath); // no row, so no file
          throw error;
        }
      } finally {
        if (file) await storage.discard(file);
      }
    });
  }

  router.get('/attachments/:id', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    res.json(attachmentJson(await withTenant(actorOf(req), (em) => attachments(em).byId(id))));
  });

  // The row is read under RLS; the file is streamed after COMMIT, holding no connection.
  router.get('/attachments/:id/content', async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const attachment = await withTenant(actorOf(req), (em) => attachments(em).byId(id));
    const file = await storage.open(attachment.storagePath);
    if (!file) throw HttpError.notFound('The file of this attachment is no longer stored.');
    // setHeader, not res.set: Express would append a charset to the stored type.
    res.setHeader('Content-Type', attachment.mimeType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('Content-Disposition', contentDisposition(attachment.originalFilename));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Cache-Control', 'private, no-cache');
    pipeline(file.stream, res, (error) => {
      if (error) logger.debug({ err: error, attachmentId: id }, 'download ended early');
    });
  });

  router.delete('/attachments/:id', requireUser, async (req, res) => {
    const { id } = parse(IdParams, req.params, 'path');
    const storagePath = await withTenant(actorOf(req), (em) => attachments(em).delete(id));
    // After COMMIT: a failed removal leaves an orphan file, never a row without its file.
    await removeFiles([storagePath]);
    res.status(204).end();
  });

  return router;
}
