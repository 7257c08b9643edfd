import { expect } from 'chai';
import { owner } from '../support/db';
import { startTestApp, type TestApp } from '../support/app';
import { aUser, TEST_PASSWORD } from '../support/factories';

/**
 * The app as NODE_ENV=production runs it, in-process: cookie login only where the Secure
 * cookie can be kept (HTTPS, or a trusted proxy that says so), and the monitoring endpoints
 * closed to the public.
 */
const TOKEN = 'a-monitoring-token-for-this-test-0123456789';

async function sessionRows(userId: string): Promise<number> {
  const { rows } = await owner().query(`SELECT count(*)::int AS n FROM user_sessions WHERE user_id = $1`, [userId]);
  return rows[0].n;
}

describe('in production', () => {
  const apps: TestApp[] = [];
  const production = async (overrides: Parameters<typeof startTestApp>[0] = {}) => {
    const app = await startTestApp({ env: 'production', ...overrides });
    apps.push(app);
    return app;
  };
  after(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  describe('cookie login', () => {
    it('over plain HTTP answers 403 problem+json saying HTTPS is needed, and writes no session', async () => {
      const { request } = await production();
      const user = await aUser();

      const res = await request.post('/auth/login').send({ email: user.email, password: TEST_PASSWORD });

      expect(res.status).to.equal(403);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.body.detail).to.match(/^Log in over HTTPS/);
      expect(res.body.detail).to.contain('TRUST_PROXY');
      expect(res.headers['set-cookie']).to.equal(undefined);
      expect(await sessionRows(user.id)).to.equal(0);
    });

    it('does not believe X-Forwarded-Proto from a proxy it was not told to trust', async () => {
      const { request } = await production();
      const user = await aUser();

      const res = await request.post('/auth/login').set('X-Forwarded-Proto', 'https').send({ email: user.email, password: TEST_PASSWORD });

      expect(res.status).to.equal(403);
      expect(await sessionRows(user.id)).to.equal(0);
    });

    it('behind a trusted proxy that terminated TLS, logs in with a Secure session cookie', async () => {
      const { request } = await production({ trustProxy: 1 });
      const user = await aUser();

      const res = await request.post('/auth/login').set('X-Forwarded-Proto', 'https').send({ email: user.email, password: TEST_PASSWORD });

      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      const sid = (res.headers['set-cookie'] as unknown as string[]).find((cookie) => cookie.startsWith('sid='));
      expect(sid).to.match(/; Secure/);
      expect(res.body.csrfToken).to.be.a('string');
      expect(await sessionRows(user.id)).to.equal(1);
    });
  });

  describe('/metrics and /ready', () => {
    it('answer 404 without METRICS_TOKEN, as if absent; /health stays open', async () => {
      const { request } = await production();

      const metrics = await request.get('/metrics');
      const ready = await request.get('/ready');
      const health = await request.get('/health');

      expect(metrics.status).to.equal(404);
      expect(metrics.text).not.to.contain('http_request_duration_seconds');
      expect(ready.status).to.equal(404);
      expect(ready.body).not.to.have.property('checks');
      expect(health.status).to.equal(200);
    });

    it('with METRICS_TOKEN, answer 401 without the token or with another one, and 200 with it', async () => {
      const { request } = await production({ metricsToken: TOKEN });

      const none = await request.get('/metrics');
      const wrong = await request.get('/ready').set('Authorization', `Bearer ${TOKEN}x`);
      const metrics = await request.get('/metrics').set('Authorization', `Bearer ${TOKEN}`);
      const ready = await request.get('/ready').set('Authorization', `Bearer ${TOKEN}`);

      expect(none.status).to.equal(401);
      expect(none.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(none.headers['www-authenticate']).to.equal('Bearer');
      expect(wrong.status).to.equal(401);
      expect(wrong.body).not.to.have.property('checks');
      expect(metrics.status).to.equal(200);
      expect(metrics.text).to.match(/^http_request_duration_seconds_bucket/m);
      expect(ready.status).to.equal(200);
      expect(ready.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', redis: 'ok' } });
    });

    it('outside production, a METRICS_TOKEN that is set is required too', async () => {
      const app = await startTestApp({ metricsToken: TOKEN });
      apps.push(app);

      expect((await app.request.get('/metrics')).status).to.equal(401);
      expect((await app.request.get('/metrics').set('Authorization', `Bearer ${TOKEN}`)).status).to.equal(200);
    });
  });
});
