import { randomUUID } from 'node:crypto';
import type { ReadStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Request, Response } from 'express';
import multer from 'multer';
import { HttpError } from '../errors';
import type { Logger } from '../logger';

/**
 * Files on disk under UPLOAD_DIR. multer streams an upload into `tmp/` under a random name
 * (never the client's), with the size limit enforced while it streams (multer removes a
 * file that goes over it); a kept file is renamed into `files/<uuid>`, atomically, since
 * both are on one file system. Rows store the path relative to UPLOAD_DIR.
 */
export interface StoredFile {
  storageId: string;
  storagePath: string;
}

export interface AttachmentStorage {
  /** Reads the multipart body; the file of the field `file`, if any, is in tmp/. */
  receive(req: Request, res: Response): Promise<Express.Multer.File | undefined>;
  keep(file: Express.Multer.File): Promise<StoredFile>;
  /** Removes a temporary file that was not kept (a no-op once it was). */
  discard(file: Express.Multer.File): Promise<void>;
  remove(storagePath: string): Promise<void>;
  /** The stored file to stream, or undefined when it is not on disk. */
  open(storagePath: string): Promise<{ stream: ReadStream; size: number } | undefined>;
}

export function attachmentStorage(uploadDir: string, maxUploadBytes: number): AttachmentStorage {
  const root = path.resolve(uploadDir);
  const tmpDir = path.join(root, 'tmp');
  const filesDir = path.join(root, 'files');

  const upload = multer({
    storage: multer.diskStorage({
      destination: (_req, _file, done) => {
        mkdir(tmpDir, { recursive: true }).then(() => done(null, tmpDir), (error: Error) => done(error, tmpDir));
      },
    }),
    limits: { fileSize: maxUploadBytes, files: 1, fields: 10, fieldSize: 1024, parts: 12, headerPairs: 50 },
    defParamCharset: 'utf8', // browsers and curl send file names as UTF-8
  }).single('file');

  const absolute = (storagePath: string) => insideUploadDir(root, storagePath);

  return {
    receive(req, res) {
      return new Promise((resolve, reject) => {
        upload(req, res, (error: unknown) => (error ? reject(uploadError(error)) : resolve(req.file)));
      });
    },

    async keep(file) {
      const storageId = randomUUID();
      await mkdir(filesDir, { recursive: true });
      await rename(file.path, path.join(filesDir, storageId));
      return { storageId, storagePath: `files/${storageId}` };
    },

    async discard(file) {
      await rm(file.path, { force: true });
    },

    async remove(storagePath) {
      await removeFile(root, storagePath);
    },

    async open(storagePath) {
      let handle;
      try {
        handle = await open(absolute(storagePath), 'r');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      try {
        const { size } = await handle.stat();
        return { stream: handle.createReadStream(), size };
      } catch (error) {
        await handle.close();
        throw error;
      }
    },
  };
}

/**
 * multer's own limits (LIMIT_FILE_SIZE -> 413, others -> 400) are mapped in src/errors.ts;
 * a disk failure stays a 500; anything else is busboy refusing a malformed body: a 400.
 */
function uploadError(error: unknown): unknown {
  if (error instanceof multer.MulterError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return error;
  return HttpError.badRequest('The multipart body is not valid.');
}

// Control and bidirectional-override characters: they can disguise a name (e.g. "exe.pdf").
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_NAMES = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** The client's file name, for display only: no directories, no control characters, at most 255 characters. */
export function displayName(clientName: string | undefined): string {
  const base = (clientName ?? '').split(/[\\/]/).pop() ?? '';
  const clean = Array.from(base.normalize('NFC').replace(UNSAFE_IN_NAMES, '').trim()).slice(0, 255).join('');
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,62}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}$/;

/** The client's MIME type when it is a plain type/subtype; anything else is stored as binary. */
export function saneMimeType(clientType: string | undefined): string {
  const type = (clientType ?? '').trim().toLowerCase();
  return MIME_TYPE.test(type) && type.length <= 100 ? type : 'application/octet-stream';
}

// A stored path is ours, but resolve it strictly inside UPLOAD_DIR all the same.
function insideUploadDir(root: string, storagePath: string): string {
  const resolved = path.resolve(root, storagePath);
  if (!resolved.startsWith(root + path.sep)) throw new Error('storage path escapes the upload directory');
  return resolved;
}

async function removeFile(root: string, storagePath: string): Promise<void> {
  await rm(insideUploadDir(root, storagePath), { force: true });
}

/**
 * What the delete routes need of the storage: removing the files of attachment rows that are
 * gone, after their transaction committed (a deleted attachment, or those that went with a
 * deleted task, document, project or workspace). A failure is logged; the request has
 * succeeded all the same.
 */
export function storedFileRemover(uploadDir: string, logger: Logger): (storagePaths: string[]) => Promise<void> {
  const root = path.resolve(uploadDir);
  return async (storagePaths) => {
    await Promise.all(storagePaths.map((storagePath) => removeFile(root, storagePath).catch((error: unknown) => {
      logger.warn({ err: error, storagePath }, 'could not remove an attachment file');
    })));
  };
}
