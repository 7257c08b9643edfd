import type { Socket } from 'node:net';
import type { Request, Response } from 'express';
import { HttpError } from '../errors';

/**
 * How much of a refused body is read and thrown away after the 413, at most: enough for a
 * client that sends its whole body before reading the answer, bounded so that a client
 * declaring 100 MB and sending slowly cannot hold the connection for minutes.
 */
export const DRAIN_MAX_BYTES = 64 * 1024 * 1024;
export const DRAIN_MAX_MS = 10_000;

/**
 * A body whose declared Content-Length is over the limit is refused before a byte of it is
 * read: the parsers would read it all first. The 413 leaves at once with `Connection: close`;
 * the rest of the body is then read and discarded up to a bound (see lingerAfterAnswer).
 */
export function refuseDeclaredOverLimit(req: Request, res: Response, limit: number): void {
  const declared = Number(req.headers['content-length']);
  if (declared > limit) {
    res.setHeader('Connection', 'close');
    lingerAfterAnswer(req, res);
    throw HttpError.tooLarge('The request body is too large.');
  }
}

/**
 * Node closes a `Connection: close` socket as soon as the answer is written. Closing with
 * bytes of the body still unread makes the kernel send a reset, which can reach the client
 * before it reads the 413 (Node's fetch saw EPIPE instead in half the tries). So the socket
 * only half-closes after the answer, keeps reading (Node discards an unread body), and is
 * destroyed once the body has all arrived, the client has closed its side, or the bound is hit.
 */
function lingerAfterAnswer(req: Request, res: Response): void {
  const socket: Socket = req.socket;
  // Node's ending of a `Connection: close` response calls this: end our side, nothing more.
  socket.destroySoon = function halfClose(this: Socket) {
    if (this.writable) this.end();
  };
  res.once('finish', () => {
    const started = Date.now();
    const readBefore = socket.bytesRead;
    // Node reads a discarded body without events for its bytes: watch the socket's count.
    const watch = setInterval(() => {
      if (Date.now() - started > DRAIN_MAX_MS || socket.bytesRead - readBefore > DRAIN_MAX_BYTES) close();
    }, 100);
    watch.unref();
    const close = () => {
      clearInterval(watch);
      if (socket.writableFinished) socket.destroy();
      else socket.once('finish', () => socket.destroy());
    };
    if (req.complete) return close();
    req.once('end', close);
    socket.once('end', close);
    socket.once('close', () => clearInterval(watch));
  });
}
