import { execFile } from 'node:child_process';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { DRAIN_MAX_BYTES } from '../../src/http/declared-length';
import { testApp } from '../support/app';

/**
 * A body over the limit is answered 413 at once, and the client must be able to read that
 * answer: closing the socket with its body unread sends a TCP reset, which can destroy the
 * 413 before the client reads it. The client runs in its own process, as a real one would:
 * in the test's own event loop the race never shows.
 */
const TWELVE_MB = 12 * 1024 * 1024;

let server: Server;
let port: number;

before(async () => {
  server = (await testApp()).app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

// Node's fetch (undici) in a child process: ten POSTs of a 12 MB JSON body, each status or error code.
const FETCH_TEN_TIMES = `
const body = JSON.stringify({ name: 'Big', slug: 'big', settings: { blob: 'x'.repeat(${TWELVE_MB}) } });
(async () => {
  const outcomes = [];
  for (let i = 0; i < 10; i++) {
    try {
      const res = await fetch(process.argv[1], { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      outcomes.push({ status: res.status, type: res.headers.get('content-type'), body: await res.json() });
    } catch (error) {
      outcomes.push({ error: String(error.cause?.code ?? error.message) });
    }
  }
  console.log(JSON.stringify(outcomes));
})();
`;

describe('a request body over the limit', () => {
  it('gets its 413 problem+json ten times out of ten from Node\'s fetch sending 12 MB', async function () {
    this.timeout(60_000);
    const { stdout } = await promisify(execFile)(process.execPath, ['-e', FETCH_TEN_TIMES, `http://127.0.0.1:${port}/workspaces`], { maxBuffer: 1024 * 1024 });
    const outcomes = JSON.parse(stdout) as Array<{ status?: number; type?: string; body?: { status: number }; error?: string }>;
    expect(outcomes.map((o) => o.status ?? o.error)).to.deep.equal(Array(10).fill(413));
    for (const outcome of outcomes) {
      expect(outcome.type).to.match(/^application\/problem\+json/);
      expect(outcome.body?.status).to.equal(413);
    }
  });

  it('gets its 413 even when the client sends the whole body before it reads anything', async function () {
    this.timeout(30_000);
    const body = Buffer.alloc(TWELVE_MB, 'x');
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.pause(); // read nothing until the whole body is written
    const failed = new Promise<never>((_resolve, reject) => socket.once('error', reject));
    const written = new Promise<void>((resolve, reject) => {
      socket.write(`POST /workspaces HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
      socket.write(body, (error) => (error ? reject(error) : resolve()));
    });
    await Promise.race([written, failed]);
    let answer = '';
    socket.setEncoding('latin1').on('data', (chunk: string) => { answer += chunk; });
    socket.resume();
    await Promise.race([once(socket, 'end'), failed]);
    socket.destroy();
    expect(answer.split('\r\n')[0]).to.equal('HTTP/1.1 413 Payload Too Large');
    expect(answer).to.match(/\r\nConnection: close\r\n/i);
  });

  it('is read only up to a bound: a client that keeps sending is cut off', async function () {
    this.timeout(30_000);
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.on('data', () => undefined); // the 413 arrives at once; what matters is when the socket closes
    socket.on('error', () => undefined); // the reset that ends it
    socket.write(`POST /workspaces HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 999999999999\r\n\r\n`);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    let sent = 0;
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    while (!socket.destroyed && sent < 4 * DRAIN_MAX_BYTES) {
      if (!socket.write(chunk)) await Promise.race([once(socket, 'drain').catch(() => undefined), closed]);
      sent += chunk.length;
    }
    await closed;
    expect(sent).to.be.below(4 * DRAIN_MAX_BYTES);
  });
});
