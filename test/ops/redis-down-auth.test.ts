import { expect } from 'chai';
import supertest from 'supertest';
import { ThrowawayRedis, expectProblem } from '../auth/support';
import { startTestApp, type TestApp } from '../support/app';
import { owner } from '../support/db';
import { aUser, auth } from '../support/factories';

/**
 * The password guesses that the rate limiter counts in Redis are refused while Redis is down
 * (503), never tried uncounted: a failed login, a password change by bearer token (which
 * needs no session, so nothing else in its way touches Redis). Against a redis-server of this
 * file's own, stopped here.
 */
describe('password checks while Redis is down', () => {
  let redis: ThrowawayRedis;
  let app: TestApp;
  before(async function () {
    this.timeout(20_000);
    redis = await ThrowawayRedis.create();
    app = await startTestApp({ redisUrl: redis.url });
  });
  after(async () => {
    await app?.close();
    await redis?.stop();
  });
  afterEach(async () => {
    if (!app.deps.redis.isReady) await redis.start();
  });

  const passwordHash = async (userId: string) =>
    (await owner().query(`SELECT password_hash FROM users WHERE id = $1`, [userId])).rows[0].password_hash as string;

  it('answers 503 to a login with a wrong password, not 401', async () => {
    const user = await aUser();
    await redis.stop();
    const res = await supertest(app.app).post('/auth/login').send({ email: user.email, password: 'a wrong password, twelve+' });
    expectProblem(res, 503);
    expect(res.headers['retry-after']).to.match(/^\d+$/);
    expect(res.headers['set-cookie']).to.equal(undefined);
  });

  it('answers 503 to a password change by bearer token, and keeps the password', async () => {
    const user = await aUser();
    const before = await passwordHash(user.id);
    await redis.stop();
    const right = await supertest(app.app).post('/auth/password').set(auth(user))
      .send({ currentPassword: user.password, newPassword: 'a brand new passphrase' });
    expectProblem(right, 503);
    const wrong = await supertest(app.app).post('/auth/password').set(auth(user))
      .send({ currentPassword: 'a wrong password, twelve+', newPassword: 'a brand new passphrase' });
    expectProblem(wrong, 503);
    expect(await passwordHash(user.id)).to.equal(before);
    // Bearer requests that check no password keep working.
    expect((await supertest(app.app).get('/auth/me').set(auth(user))).status).to.equal(200);
  });
});
