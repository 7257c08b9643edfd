import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { aUser, auth } from '../support/factories';
import { startTestApp, testApp, type TestApp } from '../support/app';
import { expectProblem, logInWithCookie, sessionIdOf, sha256, sleep } from './support';

describe('sessions: GET /auth/sessions, DELETE /auth/sessions/:id, lifetimes', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });
  const redisKey = (sid: string) => `sess:${sha256(sessionIdOf(sid))}`;

  it('lists my live sessions, newest first, marking the current one', async () => {
    const user = await aUser();
    const laptop = await logInWithCookie(shared.app, user, undefined, { 'User-Agent': 'laptop' });
    const phone = await logInWithCookie(shared.app, user, undefined, { 'User-Agent': 'phone' });
    const res = await laptop.agent.get('/auth/sessions');
    expect(res.status).to.equal(200);
    expect(res.body.nextCursor).to.equal(null);
    expect(res.body.data).to.have.length(2);
    for (const session of res.body.data) {
      expect(session).to.have.keys('id', 'createdAt', 'expiresAt', 'ipAddress', 'userAgent', 'current');
    }
    expect(res.body.data.map((s: { userAgent: string }) => s.userAgent)).to.deep.equal(['phone', 'laptop']);
    expect(res.body.data.map((s: { current: boolean }) => s.current)).to.deep.equal([false, true]);
    const fromPhone = await phone.agent.get('/auth/sessions');
    expect(fromPhone.body.data.map((s: { current: boolean }) => s.current)).to.deep.equal([true, false]);
    const byToken = await supertest(shared.app).get('/auth/sessions').set(auth(user));
    expect(byToken.body.data.map((s: { current: boolean }) => s.current)).to.deep.equal([false, false]);
  });

  it('pages with limit and cursor', async () => {
    const user = await aUser();
    for (let i = 0; i < 3; i += 1) await logInWithCookie(shared.app, user);
    const first = await supertest(shared.app).get('/auth/sessions?limit=2').set(auth(user));
    expect(first.body.data).to.have.length(2);
    const second = await supertest(shared.app).get(`/auth/sessions?limit=2&cursor=${first.body.nextCursor}`).set(auth(user));
    expect(second.body.data).to.have.length(1);
    expect(second.body.nextCursor).to.equal(null);
  });

  it('leaves out a session that ended in Redis (idle timeout) though its row remains', async () => {
    const user = await aUser();
    const idle = await logInWithCookie(shared.app, user);
    await shared.deps.redis.del(redisKey(idle.sid));
    const res = await supertest(shared.app).get('/auth/sessions').set(auth(user));
    expect(res.body.data).to.have.length(0);
  });

  it('ends another of my sessions at once, in Redis and the registry (204)', async () => {
    const user = await aUser();
    const mine = await logInWithCookie(shared.app, user);
    const other = await logInWithCookie(shared.app, user);
    const list = await mine.agent.get('/auth/sessions');
    const target = list.body.data.find((s: { current: boolean }) => !s.current);
    const res = await mine.agent.delete(`/auth/sessions/${target.id}`).set('X-CSRF-Token', mine.csrfToken);
    expect(res.status).to.equal(204);
    expectProblem(await other.agent.get('/auth/me'), 401);
    expect(await shared.deps.redis.exists(redisKey(other.sid))).to.equal(0);
    expect((await mine.agent.get('/auth/me')).status).to.equal(200);
    const { rows } = await owner().query(`SELECT is_active FROM user_sessions WHERE id = $1`, [target.id]);
    expect(rows[0].is_active).to.equal(false);
    const after = await mine.agent.get('/auth/sessions');
    expect(after.body.data.map((s: { id: string }) => s.id)).to.not.include(target.id);
  });

  it('ends the current session too when asked, and its cookie gets 401', async () => {
    const user = await aUser();
    const mine = await logInWithCookie(shared.app, user);
    const [current] = (await mine.agent.get('/auth/sessions')).body.data;
    await mine.agent.delete(`/auth/sessions/${current.id}`).set('X-CSRF-Token', mine.csrfToken).expect(204);
    expectProblem(await supertest(shared.app).get('/auth/me').set('Cookie', `sid=${mine.sid}`), 401);
  });

  it('answers 404 for another user\'s session as for a random id, and that session lives on', async () => {
    const [me, other] = await Promise.all([aUser(), aUser()]);
    const theirs = await logInWithCookie(shared.app, other);
    const { rows } = await owner().query(`SELECT id FROM user_sessions WHERE user_id = $1`, [other.id]);
    const hidden = await supertest(shared.app).delete(`/auth/sessions/${rows[0].id}`).set(auth(me));
    const random = await supertest(shared.app).delete(`/auth/sessions/${crypto.randomUUID()}`).set(auth(me));
    expectProblem(hidden, 404);
    expect({ ...hidden.body, instance: undefined }).to.deep.equal({ ...random.body, instance: undefined });
    expect((await theirs.agent.get('/auth/me')).status).to.equal(200);
    expectProblem(await supertest(shared.app).delete('/auth/sessions/123').set(auth(me)), 400);
  });

  it('accepts the same session cookie on two app instances sharing Redis', async () => {
    const user = await aUser();
    const { sid } = await logInWithCookie(shared.app, user);
    const second = await startTestApp();
    try {
      const res = await supertest(second.app).get('/auth/me').set('Cookie', `sid=${sid}`);
      expect(res.status).to.equal(200);
      expect(res.body.id).to.equal(user.id);
    } finally {
      await second.close();
    }
  });

  it('slides the idle expiry on each authenticated request (the Redis TTL is reset)', async () => {
    const user = await aUser();
    const { agent, sid } = await logInWithCookie(shared.app, user);
    await shared.deps.redis.expire(redisKey(sid), 5);
    await agent.get('/auth/me').expect(200);
    expect(await shared.deps.redis.ttl(redisKey(sid))).to.be.greaterThan(5);
  });

  it('ends a session idle for longer than the idle timeout', async function () {
    this.timeout(10_000);
    const app = await startTestApp({ sessionIdleMs: 1_000 });
    try {
      const user = await aUser();
      const { sid } = await logInWithCookie(app.app, user);
      // The cookie is sent by hand: a cookie jar would drop it at its own (rolling) expiry first.
      const me = () => supertest(app.app).get('/auth/me').set('Cookie', `sid=${sid}`);
      for (let i = 0; i < 4; i += 1) {
        await sleep(500);
        expect((await me()).status, 'kept alive by use').to.equal(200);
      }
      await sleep(2_100);
      expectProblem(await me(), 401);
      expect(await app.deps.redis.exists(redisKey(sid))).to.equal(0);
    } finally {
      await app.close();
    }
  });

  it('ends a session older than the absolute lifetime, however busy', async () => {
    const user = await aUser();
    const { agent, sid } = await logInWithCookie(shared.app, user);
    const key = redisKey(sid);
    const stored = JSON.parse((await shared.deps.redis.get(key))!);
    stored.loginAt = Date.now() - shared.deps.config.sessionAbsoluteMs - 1_000;
    await shared.deps.redis.set(key, JSON.stringify(stored), { expiration: { type: 'EX', value: 60 } });
    expectProblem(await agent.get('/auth/me'), 401);
    expect(await shared.deps.redis.exists(key)).to.equal(0);
  });
});
