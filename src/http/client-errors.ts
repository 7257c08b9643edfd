import type { Socket } from 'node:net';
import { HttpError, problem } from '../errors';

/**
 * Requests Node refuses before Express sees them (headers or URL over the size limit, a
 * malformed request line) get problem+json like every other error, not Node's bare reply.
 * For `server.on('clientError', ...)`; the shape follows Node's documented example.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const http = error.code === 'HPE_HEADER_OVERFLOW'
    ? new HttpError(431, 'Request Header Fields Too Large', 'The request line or headers are too large.')
    : error.code === 'HPE_REQUEST_TIMEOUT' || error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? new HttpError(408, 'Request Timeout', 'The request took too long to arrive.')
      : HttpError.badRequest('The request is not valid HTTP.');
  const body = JSON.stringify(problem(http));
  socket.end([
    `HTTP/1.1 ${http.status} ${http.title}`,
    'Content-Type: application/problem+json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n'));
}
