import { expect } from 'chai';
import supertest from 'supertest';
import { aUser, auth } from '../support/factories';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem, logInWithCookie, sleep, ThrowawayRedis } from './support';

/**
 * Against a redis-server of this file's own (never the shared one): it is stopped and
 * started here.
 */
describe('sessions against Redis: cost per request, and Redis going down', () => {
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

  const commandCalls = async (): Promise<Record<string, number>> => {
    const info = await app.deps.redis.info('commandstats');
    return Object.fromEntries([...info.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, calls]) => [name, Number(calls)]));
  };

  it('costs one Redis command per cookie-authenticated request, and never a write', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(app.app, user);
    const before = await commandCalls();
    for (let i = 0; i < 5; i += 1) await agent.get('/auth/me').expect(200);
    const after = await commandCalls();
    const delta = (name: string) => (after[name] ?? 0) - (before[name] ?? 0);
    expect(delta('getex')).to.equal(5);
    for (const write of ['set', 'expire', 'del', 'get']) expect(delta(write), write).to.equal(0);
    expect(delta('info')).to.equal(1); // this test's own reading
  });

  it('costs bearer requests no Redis at all', async () => {
    const user = await aUser();
    const before = await commandCalls();
    for (let i = 0; i < 3; i += 1) await supertest(app.app).get('/auth/me').set(auth(user)).expect(200);
    const after = await commandCalls();
    const total = (stats: Record<string, number>) => Object.values(stats).reduce((a, b) => a + b, 0);
    expect(total(after) - total(before)).to.equal(1); // the INFO that read `before`
  });

  it('answers 503 problem+json to cookie requests and logins while Redis is down, and recovers when it is back', async function () {
    this.timeout(30_000);
    const user = await aUser();
    const { agent } = await logInWithCookie(app.app, user);
    // Loads the rate limiter's scripts, so the restart below also proves they are reloaded.
    await agent.get('/auth/me').expect(200);

    await redis.stop();
    const down = await agent.get('/auth/me');
    expectProblem(down, 503);
    expect(down.headers['retry-after']).to.be.a('string');
    expect(JSON.stringify(down.body)).to.not.match(/redis|offline|socket/i);
    expectProblem(await supertest(app.app).post('/auth/login').send({ email: user.email, password: user.password }), 503);
    // Bearer tokens do not depend on Redis.
    expect((await supertest(app.app).get('/auth/me').set(auth(user))).status).to.equal(200);

    await redis.start();
    let login = await supertest(app.app).post('/auth/login').send({ email: user.email, password: user.password });
    for (let waited = 0; login.status === 503 && waited < 10_000; waited += 250) {
      await sleep(250);
      login = await supertest(app.app).post('/auth/login').send({ email: user.email, password: user.password });
    }
    expect(login.status, 'login works again').to.equal(200);
    // This Redis kept nothing across the restart: the old session is gone, a new one works.
    expectProblem(await agent.get('/auth/me'), 401);
    const again = await logInWithCookie(app.app, user);
    expect((await again.agent.get('/auth/me')).status).to.equal(200);
  });
});
