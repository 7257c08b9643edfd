import { expect } from 'chai';
import express from 'express';
import supertest from 'supertest';
import { HttpError, problemHandler } from '../../src/errors';
import { createLogger, errorLogLimiter } from '../../src/logger';

/**
 * Error log lines are rate-limited per kind, with a count of what was left out: while a
 * dependency is down every request fails the same way, and a stack per request buried the log.
 */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function capturedLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger('info', { write: (line: string) => { lines.push(JSON.parse(line)); } });
  return { logger, lines };
}

describe('error log rate limiting', () => {
  it('writes the first few errors of a kind in full and then one line counting the rest', async () => {
    const { logger, lines } = capturedLogger();
    const logError = errorLogLimiter(logger, { burst: 3, windowMs: 100 });
    for (let i = 0; i < 1_000; i++) logError('pool down', { attempt: i }, 'request failed');
    expect(lines.map((l) => l.attempt)).to.deep.equal([0, 1, 2]);

    await sleep(150);
    expect(lines).to.have.length(4);
    expect(lines[3]).to.include({ kind: 'pool down', suppressed: 997 });
    expect(lines[3].msg).to.match(/997 more/);

    // A new window starts over.
    logError('pool down', { attempt: 1_000 }, 'request failed');
    expect(lines[4]).to.include({ attempt: 1_000 });
  });

  it('limits each kind on its own, and counts nothing when nothing was left out', async () => {
    const { logger, lines } = capturedLogger();
    const logError = errorLogLimiter(logger, { burst: 2, windowMs: 100 });
    for (let i = 0; i < 5; i++) logError('database', {}, 'request failed');
    logError('a bug', {}, 'request failed');
    expect(lines.map((l) => l.kind)).to.deep.equal(['database', 'database', 'a bug']);
    await sleep(150);
    expect(lines.slice(3)).to.have.length(1);
    expect(lines[3]).to.include({ kind: 'database', suppressed: 3 });
  });

  it('gives the request errors of a dependency that is down one stack per kind and window, not one per request', async () => {
    const { logger, lines } = capturedLogger();
    const app = express();
    app.get('/refused', () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6432'), { code: 'ECONNREFUSED' });
    });
    app.get('/terminated', () => {
      throw new Error('Connection terminated unexpectedly');
    });
    app.get('/bug/:id', (req) => {
      throw new TypeError(`Cannot read properties of undefined (reading 'x') for ${req.params.id}`);
    });
    app.use(problemHandler(logger, { burst: 3, windowMs: 1_000 }));
    const server = app.listen(0, '127.0.0.1');
    const client = supertest(server);

    const statuses = await Promise.all(Array.from({ length: 40 }, async (_, i) => [
      (await client.get('/refused')).status, (await client.get('/terminated')).status, (await client.get(`/bug/${i}`)).status,
    ]));
    server.close();
    expect(new Set(statuses.map(String))).to.deep.equal(new Set(['503,503,500']));
    const full = lines.filter((l) => l.err);
    expect(full).to.have.length(9); // three kinds, three each: the bug's varying number is one kind
    expect(full.every((l) => typeof (l.err as { stack?: string }).stack === 'string')).to.equal(true);

    await sleep(1_100);
    const counts = lines.filter((l) => l.suppressed !== undefined);
    expect(counts.map((l) => l.suppressed)).to.deep.equal([37, 37, 37]);
  });

  it('still answers every request as before: the limit is on the log only', async () => {
    const { logger } = capturedLogger();
    const app = express();
    app.get('/down', () => { throw HttpError.unavailable(); });
    app.use(problemHandler(logger, { burst: 1, windowMs: 1_000 }));
    const res = await supertest(app).get('/down');
    expect(res.status).to.equal(503);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  });
});
