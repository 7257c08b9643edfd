import client from 'prom-client';

/** The Prometheus registry GET /metrics serves: Node.js defaults plus the app's own. */
export const metricsRegistry = new client.Registry();
client.collectDefaultMetrics({ register: metricsRegistry });

export const requestDuration = new client.Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP request duration by route and status',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

// Under load most of a request's time is spent here, queued for one of the pool's connections:
// the first thing to read when latency grows (docs/performance.md).
export const dbPoolWait = new client.Histogram({
  name: 'db_pool_wait_seconds',
  help: 'Time a request transaction waited for a connection of the database pool',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});
