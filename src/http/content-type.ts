import type { RequestHandler } from 'express';
import typeis from 'type-is';
import { HttpError } from '../errors';

/** The upload routes, which take multipart and check the type themselves. */
const UPLOAD_PATH = /^\/(tasks|documents|projects)\/[^/]+\/attachments\/?$/i;

/**
 * A body sent to this API is JSON, or multipart for the upload routes only; anything else
 * (multipart to a JSON route included) is a 415 rather than a body silently ignored.
 */
export function requireJsonBodies(): RequestHandler {
  return (req, _res, next) => {
    // Many clients send `Content-Length: 0` on a bodiless POST: that is no body, not a wrong type.
    if (!typeis.hasBody(req) || req.headers['content-length'] === '0' || req.method === 'GET' || req.method === 'HEAD') return next();
    if (typeis(req, ['application/json', 'application/*+json'])) return next();
    if (req.method === 'POST' && UPLOAD_PATH.test(req.path)) return next();
    next(HttpError.unsupportedMediaType('Send the body as application/json.'));
  };
}
