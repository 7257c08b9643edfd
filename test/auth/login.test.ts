import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { aUser } from '../support/factories';
import { testApp, type TestApp } from '../support/app';
import {
  appBehindProxy, cookieValue, expectProblem, logInWithCookie, sessionIdOf, setCookieHeader, sha256, uniqueEmail, uniqueIp,
} from './support';

describe('POST /auth/login and POST /auth/logout', () => {
  let shared: TestApp;
  let proxied: TestApp;
  before(async () => {
    shared = await testApp();
    proxied = await appBehindProxy();
  });

  it('answers 200 with the user and a CSRF token, and sets an HttpOnly SameSite=Lax session cookie', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).post('/auth/login').send({ email: user.email, password: user.password });
    expect(res.status).to.equal(200);
    expect(res.body.user).to.include({ id: user.id, email: user.email, username: user.username, status: 'active' });
    expect(res.body.user).to.not.have.any.keys('passwordHash', 'password_hash', 'password');
    expect(res.body.csrfToken).to.be.a('string').with.length.greaterThan(20);
    const cookie = setCookieHeader(res, 'sid')!;
    expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i).and.match(/Expires=/i).and.not.match(/Secure/i);
  });

  it('accepts the email in any case', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).post('/auth/login').send({ email: user.email.toUpperCase(), password: user.password });
    expect(res.status).to.equal(200);
    expect(res.body.user.id).to.equal(user.id);
  });

  it('records the login: last_login_at, and a registry row holding a hash of the session id, never the id', async () => {
    const user = await aUser();
    const { sid } = await logInWithCookie(shared.app, user, undefined, { 'User-Agent': 'login-test/1.0' });
    const sessionId = sessionIdOf(sid);
    const { rows } = await owner().query(
      `SELECT session_token, host(ip_address) AS ip, user_agent, is_active, expires_at, created_at FROM user_sessions WHERE user_id = $1`, [user.id]);
    expect(rows).to.have.length(1);
    expect(rows[0].session_token).to.equal(sha256(sessionId)).and.not.equal(sessionId);
    expect(rows[0].ip).to.match(/127\.0\.0\.1$/);
    expect(rows[0].user_agent).to.equal('login-test/1.0');
    expect(rows[0].is_active).to.equal(true);
    const lifetime = rows[0].expires_at.getTime() - rows[0].created_at.getTime();
    expect(lifetime).to.be.closeTo(shared.deps.config.sessionAbsoluteMs, 5_000);
    const { rows: [seen] } = await owner().query(`SELECT last_login_at FROM users WHERE id = $1`, [user.id]);
    expect(seen.last_login_at).to.be.an.instanceOf(Date);
  });

  it('keeps only the user id and the login time in Redis, under the hash of the session id', async () => {
    const user = await aUser();
    const { sid } = await logInWithCookie(shared.app, user);
    const sessionId = sessionIdOf(sid);
    const redis = shared.deps.redis;
    expect(await redis.exists(`sess:${sessionId}`)).to.equal(0);
    const stored = JSON.parse((await redis.get(`sess:${sha256(sessionId)}`))!);
    expect(Object.keys(stored).sort()).to.deep.equal(['cookie', 'loginAt', 'passport']);
    expect(stored.passport).to.deep.equal({ user: user.id });
    const ttl = await redis.ttl(`sess:${sha256(sessionId)}`);
    expect(ttl).to.be.within(1, shared.deps.config.sessionIdleMs / 1000);
  });

  it('issues a new session id at login, and the session from before stops working', async () => {
    const [first, second] = await Promise.all([aUser(), aUser()]);
    const before = await logInWithCookie(shared.app, first);
    const after = await logInWithCookie(shared.app, second, before.agent); // same cookie jar
    expect(after.sid).to.not.equal(before.sid);
    const replay = await supertest(shared.app).get('/auth/me').set('Cookie', `sid=${before.sid}`);
    expectProblem(replay, 401);
    const now = await supertest(shared.app).get('/auth/me').set('Cookie', `sid=${after.sid}`);
    expect(now.status).to.equal(200);
    expect(now.body.id).to.equal(second.id);
  });

  it('marks the replaced session inactive in the registry when the same user logs in again', async () => {
    const user = await aUser();
    const before = await logInWithCookie(shared.app, user);
    const after = await logInWithCookie(shared.app, user, before.agent);
    const { rows } = await owner().query(`SELECT session_token, is_active FROM user_sessions WHERE user_id = $1`, [user.id]);
    const state = Object.fromEntries(rows.map((row) => [row.session_token, row.is_active]));
    expect(state).to.deep.equal({ [sha256(sessionIdOf(before.sid))]: false, [sha256(sessionIdOf(after.sid))]: true });
  });

  it('lets a newcomer fetch a CSRF token before having a session and send it with the login', async () => {
    const user = await aUser();
    const agent = supertest.agent(shared.app);
    const csrf = await agent.get('/auth/csrf');
    expect(csrf.status).to.equal(200);
    expect(csrf.body.csrfToken).to.be.a('string');
    expect(setCookieHeader(csrf, 'sid')).to.equal(undefined); // no session is stored for an anonymous visitor
    const login = await agent.post('/auth/login').set('X-CSRF-Token', csrf.body.csrfToken).send({ email: user.email, password: user.password });
    expect(login.status).to.equal(200);
    const tokens = await agent.post('/auth/tokens').set('X-CSRF-Token', login.body.csrfToken).send({ name: 'from the browser' });
    expect(tokens.status).to.equal(201);
  });

  describe('refusals', () => {
    const attempt = (body: object) => supertest(proxied.app).post('/auth/login').set('X-Forwarded-For', uniqueIp()).send(body);

    it('answers an unknown email and a wrong password with the same 401', async () => {
      const user = await aUser();
      const unknown = await attempt({ email: uniqueEmail(), password: user.password });
      const wrong = await attempt({ email: user.email, password: 'not-the-password-at-all' });
      expectProblem(unknown, 401);
      expectProblem(wrong, 401);
      expect(wrong.body).to.deep.equal(unknown.body);
      expect(setCookieHeader(wrong, 'sid')).to.equal(undefined);
      // RFC 9110: a 401 names a scheme; the same one either way.
      expect([wrong.headers['www-authenticate'], unknown.headers['www-authenticate']]).to.deep.equal(['Bearer', 'Bearer']);
    });

    for (const status of ['suspended', 'deleted', 'inactive']) {
      it(`refuses a ${status} user with the same 401 as a wrong password`, async () => {
        const user = await aUser({ status });
        const refused = await attempt({ email: user.email, password: user.password });
        const wrong = await attempt({ email: user.email, password: 'not-the-password-at-all' });
        expectProblem(refused, 401);
        expect(refused.body).to.deep.equal(wrong.body);
        const { rows } = await owner().query(`SELECT count(*)::int AS n FROM user_sessions WHERE user_id = $1`, [user.id]);
        expect(rows[0].n).to.equal(0);
      });
    }

    it('costs an unknown email about the time of a real password check', async function () {
      this.timeout(20_000);
      const user = await aUser();
      const time = async (body: object) => {
        const started = process.hrtime.bigint();
        await attempt(body);
        return Number(process.hrtime.bigint() - started) / 1e6;
      };
      const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        known.push(await time({ email: user.email, password: 'not-the-password-at-all' }));
        unknown.push(await time({ email: uniqueEmail(), password: 'not-the-password-at-all' }));
      }
      expect(median(unknown) / median(known)).to.be.within(0.5, 2);
    });

    it('answers 400 naming the field for a malformed body, and 415 for a form post', async () => {
      const missing = await attempt({ email: 'someone@example.test' });
      expectProblem(missing, 400);
      expect(missing.body.errors.map((e: { path: string }) => e.path)).to.include('body.password');
      const extra = await attempt({ email: 'someone@example.test', password: 'x', remember: true });
      expectProblem(extra, 400);
      expect(extra.body.errors.map((e: { path: string }) => e.path)).to.include('body.remember');
      const form = await supertest(proxied.app).post('/auth/login').type('form').send('email=a@b.cd&password=x');
      expectProblem(form, 415);
    });
  });

  describe('logout', () => {
    it('answers 204, ends the session in Redis and the registry, and the replayed cookie gets 401', async () => {
      const user = await aUser();
      const { agent, csrfToken, sid } = await logInWithCookie(shared.app, user);
      const res = await agent.post('/auth/logout').set('X-CSRF-Token', csrfToken).send({});
      expect(res.status).to.equal(204);
      expect(setCookieHeader(res, 'sid')).to.match(/^sid=;/);
      const replay = await supertest(shared.app).get('/auth/me').set('Cookie', `sid=${sid}`);
      expectProblem(replay, 401);
      expect(await shared.deps.redis.exists(`sess:${sha256(sessionIdOf(sid))}`)).to.equal(0);
      const { rows } = await owner().query(`SELECT is_active FROM user_sessions WHERE user_id = $1`, [user.id]);
      expect(rows.map((row) => row.is_active)).to.deep.equal([false]);
    });

    it('refuses a cookie logout without the CSRF header (403), and the session lives on', async () => {
      const user = await aUser();
      const { agent } = await logInWithCookie(shared.app, user);
      expectProblem(await agent.post('/auth/logout').send({}), 403);
      expect((await agent.get('/auth/me')).status).to.equal(200);
    });

    it('answers 401 without a session or token', async () => {
      expectProblem(await supertest(shared.app).post('/auth/logout').send({}), 401);
    });

    // fetch() and supertest send `Content-Length: 0` for a POST without a body.
    it('accepts a logout with no body at all', async () => {
      const user = await aUser();
      const { agent, csrfToken } = await logInWithCookie(shared.app, user);
      const res = await agent.post('/auth/logout').set('X-CSRF-Token', csrfToken);
      expect(res.status, JSON.stringify(res.body)).to.equal(204);
    });
  });

  it('reads the cookie value the client keeps (sanity check of the helpers)', async () => {
    const user = await aUser();
    const { response, sid } = await logInWithCookie(shared.app, user);
    expect(cookieValue(response, 'sid')).to.equal(sid);
    expect(decodeURIComponent(sid)).to.match(/^s:/);
  });
});
