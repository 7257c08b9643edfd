import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { aUser, auth } from '../support/factories';
import { startTestApp, testApp, type TestApp } from '../support/app';
import { appBehindProxy, expectProblem, logInWithCookie, sessionIdOf, sha256, uniqueIp } from './support';

describe('POST /auth/password', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });
  const newPassword = 'a brand new passphrase';
  const failedLogin = async (email: string, password: string) =>
    supertest((await appBehindProxy()).app).post('/auth/login').set('X-Forwarded-For', uniqueIp()).send({ email, password });

  it('changes the password (204) and ends every other session, in Redis and the registry, but not this one', async () => {
    const user = await aUser();
    const current = await logInWithCookie(shared.app, user);
    const others = [await logInWithCookie(shared.app, user), await logInWithCookie(shared.app, user)];
    const res = await current.agent.post('/auth/password').set('X-CSRF-Token', current.csrfToken)
      .send({ currentPassword: user.password, newPassword });
    expect(res.status, JSON.stringify(res.body)).to.equal(204);
    for (const other of others) {
      expectProblem(await other.agent.get('/auth/me'), 401);
      expect(await shared.deps.redis.exists(`sess:${sha256(sessionIdOf(other.sid))}`)).to.equal(0);
    }
    expect((await current.agent.get('/auth/me')).status).to.equal(200);
    const { rows } = await owner().query(`SELECT session_token, is_active FROM user_sessions WHERE user_id = $1`, [user.id]);
    const active = rows.filter((row) => row.is_active).map((row) => row.session_token);
    expect(active).to.deep.equal([sha256(sessionIdOf(current.sid))]);
    expect((await failedLogin(user.email, user.password)).status).to.equal(401);
    expect((await supertest(shared.app).post('/auth/login').send({ email: user.email, password: newPassword })).status).to.equal(200);
  });

  it('stores the new password as an argon2id hash', async () => {
    const user = await aUser();
    const { rows: [before] } = await owner().query(`SELECT password_hash FROM users WHERE id = $1`, [user.id]);
    await supertest(shared.app).post('/auth/password').set(auth(user)).send({ currentPassword: user.password, newPassword }).expect(204);
    const { rows: [after] } = await owner().query(`SELECT password_hash FROM users WHERE id = $1`, [user.id]);
    expect(after.password_hash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/).and.not.equal(before.password_hash);
  });

  it('ends all sessions when the change comes with a bearer token, which keeps working', async () => {
    const user = await aUser();
    const session = await logInWithCookie(shared.app, user);
    await supertest(shared.app).post('/auth/password').set(auth(user)).send({ currentPassword: user.password, newPassword }).expect(204);
    expectProblem(await session.agent.get('/auth/me'), 401);
    expect((await supertest(shared.app).get('/auth/me').set(auth(user))).status).to.equal(200);
  });

  it('answers 400 naming currentPassword when it is wrong, and changes nothing', async () => {
    const user = await aUser();
    const other = await logInWithCookie(shared.app, user);
    const res = await supertest(shared.app).post('/auth/password').set(auth(user))
      .send({ currentPassword: 'not my password at all', newPassword });
    expectProblem(res, 400);
    expect(res.body.errors).to.deep.equal([{ path: 'body.currentPassword', message: 'Does not match the current password.' }]);
    expect((await other.agent.get('/auth/me')).status).to.equal(200);
    expect((await supertest(shared.app).post('/auth/login').send({ email: user.email, password: user.password })).status).to.equal(200);
  });

  it('answers 400 for a new password shorter than 12 characters, or an unknown field', async () => {
    const user = await aUser();
    const short = await supertest(shared.app).post('/auth/password').set(auth(user)).send({ currentPassword: user.password, newPassword: 'short' });
    expectProblem(short, 400);
    expect(short.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['body.newPassword']);
    const extra = await supertest(shared.app).post('/auth/password').set(auth(user))
      .send({ currentPassword: user.password, newPassword, userId: user.id });
    expectProblem(extra, 400);
  });

  it('needs the CSRF header with a cookie, and authentication at all', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    expectProblem(await agent.post('/auth/password').send({ currentPassword: user.password, newPassword }), 403);
    expectProblem(await supertest(shared.app).post('/auth/password').send({ currentPassword: user.password, newPassword }), 401);
  });

  it('answers 429 once the account has failed the limit of current-password checks, even to the right one', async () => {
    const limited = await startTestApp({ loginAttemptsPerAccount: 3, loginWindowMs: 60_000 });
    const user = await aUser();
    const storedHash = async () => (await owner().query(`SELECT password_hash FROM users WHERE id = $1`, [user.id])).rows[0].password_hash;
    const before = await storedHash();
    try {
      const change = (currentPassword: string) =>
        supertest(limited.app).post('/auth/password').set(auth(user)).send({ currentPassword, newPassword });
      for (let i = 0; i < 3; i += 1) expectProblem(await change('not my password at all'), 400);
      const refused = await change(user.password);
      expectProblem(refused, 429);
      expect(Number(refused.headers['retry-after'])).to.be.within(1, 60);
      expect(await storedHash()).to.equal(before);
    } finally {
      await limited.deps.redis.del(`rl:password:user:${user.id}`);
      await limited.close();
    }
  });
});
