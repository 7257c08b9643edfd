import type { Request, Response } from 'express';
import { HttpError } from '../errors';

/**
 * A body whose declared Content-Length is over the limit is refused before a byte of it is
 * read: the parsers would read it all first (a client declaring 100 MB and sending slowly
 * held the request open for minutes). The connection closes after the 413, unread.
 */
export function refuseDeclaredOverLimit(req: Request, res: Response, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    res.setHeader('Connection', 'close');
    throw HttpError.tooLarge('The request body is too large.');
  }
}
