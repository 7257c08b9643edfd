import autocannon from 'autocannon';
import type { DocState, Item } from './fixtures';
import { runWrk } from './wrk';

/**
 * One load run, with wrk (bench/wrk.ts) or autocannon: every connection sends its next
 * request as soon as the previous one answered. Requests rotate over the endpoint's items
 * (many users, many rows); for the document PATCH each in-flight request holds its own
 * document, so two connections never race on one If-Match (the caller refreshes the
 * documents' versions before each run: a request cut off at the end of a run may have
 * changed one). Latencies are taken per response, so the percentiles (p95 included) come
 * from every request, not from per-second samples, and several runs (slices) can be
 * summarised together.
 */
export type Workload = { kind: 'items'; items: Item[] } | { kind: 'documents'; documents: DocState[] };

export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Non-2xx answers other than 412, plus connection errors (timeouts included). */
  errors: number;
  /** 412 Precondition Failed: an If-Match race (the PATCH load avoids them). */
  preconditionFailed: number;
  statuses: Record<string, number>;
  bytesPerRequest: number;
}

/** What one run saw, before summarising. */
export interface RawRun {
  /** Milliseconds: every answer's (autocannon), or evenly spaced quantiles of them (wrk). */
  latencies: number[];
  requests: number;
  maxMs: number;
  statuses: Record<string, number>;
  bytes: number;
  /** Connection errors and timeouts. */
  socketErrors: number;
  seconds: number;
}

export type LoadGenerator = 'wrk' | 'autocannon';

export function runLoad(generator: LoadGenerator, url: string, workload: Workload, connections: number, durationSeconds: number): Promise<RawRun> {
  return generator === 'wrk'
    ? runWrk(url, workload, connections, durationSeconds)
    : runAutocannon(url, workload, connections, durationSeconds);
}

async function runAutocannon(url: string, workload: Workload, connections: number, durationSeconds: number): Promise<RawRun> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let bytes = 0;
  let next = 0;
  const free = workload.kind === 'documents' ? [...workload.documents] : [];

  const request = workload.kind === 'items'
    ? {
      setupRequest(req: autocannon.Request) {
        const item = workload.items[next++ % workload.items.length];
        req.method = item.method;
        req.path = item.path;
        req.headers = { ...req.headers, authorization: `Bearer ${item.token}`, ...(item.body ? { 'content-type': 'application/json' } : {}) };
        if (item.body) req.body = item.body;
        return req;
      },
    }
    : {
      setupRequest(req: autocannon.Request, context: { doc?: DocState }) {
        const doc = free.shift();
        if (!doc) throw new Error('more connections than bench documents');
        context.doc = doc;
        next += 1;
        req.method = 'PATCH';
        req.path = `/documents/${doc.id}`;
        req.headers = { ...req.headers, authorization: `Bearer ${doc.token}`, 'content-type': 'application/json', 'if-match': `"${doc.version}"` };
        req.body = JSON.stringify({ content: `Edit ${next} by the benchmark.`, changeSummary: 'bench edit' });
        return req;
      },
      onResponse(status: number, _body: string, context: { doc?: DocState }, headers: Record<string, string>) {
        const doc = context.doc;
        if (!doc) return;
        // The new version comes back as the ETag; a document whose version is unknown is retired.
        const etag = /^"(\d+)"$/.exec(headers.etag ?? headers.ETag ?? '');
        if (status === 200 && etag) doc.version = Number(etag[1]);
        if (status !== 412) free.push(doc);
        context.doc = undefined;
      },
    };

  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url, connections, duration: durationSeconds, timeout: 10, requests: [request as autocannon.Request] },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client, statusCode, resBytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      bytes += resBytes;
    });
  });
  return { latencies, requests: latencies.length, maxMs: latencies.reduce((max, ms) => Math.max(max, ms), 0), statuses, bytes, socketErrors: result.errors, seconds: durationSeconds };
}

/** Slices of one endpoint and role run equally long, so their quantiles merge as they are. */
export function summarize(runs: RawRun[]): Measurement {
  const requests = runs.reduce((n, r) => n + r.requests, 0);
  const latencies = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const statuses: Record<string, number> = {};
  for (const run of runs) for (const [code, n] of Object.entries(run.statuses)) statuses[code] = (statuses[code] ?? 0) + n;
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const bytes = runs.reduce((n, r) => n + r.bytes, 0);
  const at = (q: number) => (latencies.length ? latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] : NaN);
  const non2xx = Object.entries(statuses).filter(([code]) => !code.startsWith('2')).reduce((n, [, c]) => n + c, 0);
  const preconditionFailed = statuses['412'] ?? 0;
  return {
    requests,
    seconds,
    rps: requests / seconds,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
    max: runs.length ? Math.max(...runs.map((r) => r.maxMs)) : NaN,
    errors: non2xx - preconditionFailed + runs.reduce((n, r) => n + r.socketErrors, 0),
    preconditionFailed,
    statuses,
    bytesPerRequest: requests ? Math.round(bytes / requests) : 0,
  };
}

/**
 * Has the app verify each token of the workload once, before the load: `GET /auth/csrf`
 * authenticates the bearer and touches no data. The slices then measure clients whose tokens
 * the app knows, as in a steady state (src/auth/passport.ts), not each token's first look-up
 * in a new process: thousands of them, each an extra transaction, landed in the slices.
 */
export async function verifyTokens(appUrl: string, workload: Workload): Promise<void> {
  const clients = workload.kind === 'items' ? workload.items : workload.documents;
  const tokens = [...new Set(clients.map((client) => client.token))];
  let next = 0;
  const verifyInTurn = async () => {
    while (next < tokens.length) {
      const token = tokens[next++];
      const res = await fetch(`${appUrl}/auth/csrf`, { headers: { authorization: `Bearer ${token}` } });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET /auth/csrf with a fixture's token answered ${res.status}`);
    }
  };
  await Promise.all(Array.from({ length: 16 }, verifyInTurn));
}
