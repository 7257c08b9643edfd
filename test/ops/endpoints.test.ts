import { expect } from 'chai';
import { api, startTestApp } from '../support/app';
import { aUser, auth } from '../support/factories';

describe('operations endpoints', () => {
  it('GET /health answers 200 while the process is up', async () => {
    const res = await (await api()).get('/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
  });

  it('GET /ready answers 200 with the database (through the pool) and Redis checked', async () => {
    const res = await (await api()).get('/ready');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
  });

  it('GET /ready answers 503 problem+json naming what is down when Redis is unreachable', async () => {
    const app = await startTestApp();
    try {
      await app.deps.redis.close();

      const res = await app.request.get('/ready');

      expect(res.status).to.equal(503);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body).to.include({ status: 503, title: 'Service Unavailable' });
      expect(res.body.checks).to.deep.equal({ database: 'ok', redis: 'unavailable' });
    } finally {
      await app.close();
    }
  });

  it('GET /ready answers 503 when the database pool is gone', async () => {
    const app = await startTestApp();
    try {
      await app.deps.dataSource.destroy();

      const res = await app.request.get('/ready');

      expect(res.status).to.equal(503);
      expect(res.body.checks).to.deep.equal({ database: 'unavailable', redis: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('GET /docs serves the Swagger UI page itself (no redirect), with its assets under /docs/', async () => {
    const agent = await api();
    const page = await agent.get('/docs');
    expect(page.status).to.equal(200);
    expect(page.headers['content-type']).to.match(/^text\/html/);
    expect(page.text).to.contain('<base href="/docs/">');
    for (const asset of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js']) {
      expect((await agent.get(asset)).status, asset).to.equal(200);
    }
    const init = await agent.get('/docs/swagger-ui-init.js');
    expect(init.text).to.contain('"url": "/openapi.json"');
    for (const missing of ['/docs/package.json', '/docs/a/b/package.json', '/docs/no-such-asset.js']) {
      const res = await agent.get(missing);
      expect(res.status, missing).to.equal(404);
      expect(res.headers['content-type'], missing).to.match(/^application\/problem\+json/);
    }
  });

  it('GET /metrics exposes request durations by route pattern and status, pool usage and Redis status', async () => {
    // The pool and Redis gauges follow the app built last in this process: build one for this test.
    const app = await startTestApp();
    const res = await (async () => {
      try {
        await app.request.get('/health');
        await app.request.get('/no-such-thing-0123');
        return await app.request.get('/metrics');
      } finally {
        await app.close();
      }
    })();

    expect(res.status).to.equal(200);
    expect(res.headers['content-type']).to.match(/^text\/plain/);
    expect(res.text).to.match(/^http_request_duration_seconds_bucket\{.*route="\/health",status="200"/m);
    expect(res.text).to.match(/^http_request_duration_seconds_count\{method="GET",route="unmatched",status="404"\}/m);
    expect(res.text).not.to.contain('no-such-thing-0123');
    for (const state of ['in_use', 'idle', 'waiting']) expect(res.text).to.match(new RegExp(`^db_pool_connections\\{state="${state}"\\} \\d+`, 'm'));
    expect(res.text).to.match(/^redis_up 1$/m);
    expect(res.text).to.match(/^process_cpu_user_seconds_total /m);
  });

  it('GET /metrics counts the waits for a database connection of the requests that used one', async () => {
    const agent = await api();
    const user = await aUser();
    const waits = async () => Number(/^db_pool_wait_seconds_count (\d+)$/m.exec((await agent.get('/metrics')).text)?.[1]);
    const before = await waits();

    expect((await agent.get('/users/me/profile').set(auth(user))).status).to.equal(200);
    expect((await agent.get('/health')).status).to.equal(200);

    expect(await waits()).to.equal(before + 1);
  });

  it('echoes a sane X-Request-Id and replaces one that is not', async () => {
    const agent = await api();
    const kept = await agent.get('/health').set('X-Request-Id', 'abc-123.def:456');
    const replaced = await agent.get('/health').set('X-Request-Id', 'x'.repeat(300));
    expect(kept.headers['x-request-id']).to.equal('abc-123.def:456');
    expect(replaced.headers['x-request-id']).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-/);
  });
});
