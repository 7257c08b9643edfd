import { expect } from 'chai';
import supertest from 'supertest';
import { aUser } from '../support/factories';
import { startTestApp, type TestApp } from '../support/app';
import { expectProblem, sha256, uniqueEmail, uniqueIp } from './support';

describe('brute-force limits on POST /auth/login', () => {
  let app: TestApp;
  const usedKeys: string[] = [];
  before(async () => {
    app = await startTestApp({ trustProxy: true, loginAttemptsPerAccount: 3, loginAttemptsPerIp: 5, loginWindowMs: 60_000 });
  });
  after(async () => {
    // Counters live in the shared Redis: leave none behind for later runs.
    if (usedKeys.length > 0) await app.deps.redis.del(usedKeys);
    await app.close();
  });

  const login = (email: string, password: string, ip: string) => {
    usedKeys.push(`rl:login:account:${sha256(email.toLowerCase())}`, `rl:login:ip:${ip}`);
    return supertest(app.app).post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  };

  it('answers 429 problem+json with Retry-After once an account has had its failures, from any IP', async () => {
    const user = await aUser();
    for (let i = 0; i < 3; i += 1) expectProblem(await login(user.email, 'wrong password!', uniqueIp()), 401);
    const limited = await login(user.email, 'wrong password!', uniqueIp());
    expectProblem(limited, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).to.be.within(1, 60);
    // Locked is locked: even the right password waits.
    expectProblem(await login(user.email, user.password, uniqueIp()), 429);
    const ttl = await app.deps.redis.pTTL(`rl:login:account:${sha256(user.email)}`);
    expect(ttl).to.be.within(1, 60_000);
  });

  it('counts the account by its lower-cased email', async () => {
    const user = await aUser();
    for (const email of [user.email, user.email.toUpperCase(), user.email]) {
      expectProblem(await login(email, 'wrong password!', uniqueIp()), 401);
    }
    expectProblem(await login(user.email.toUpperCase(), 'wrong password!', uniqueIp()), 429);
  });

  it('answers 429 once an IP has had its failures, whichever accounts it tried', async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 5; i += 1) expectProblem(await login(uniqueEmail(), 'wrong password!', ip), 401);
    const limited = await login(uniqueEmail(), 'wrong password!', ip);
    expectProblem(limited, 429);
    expect(Number(limited.headers['retry-after'])).to.be.greaterThan(0);
    // Another address is not affected.
    expectProblem(await login(uniqueEmail(), 'wrong password!', uniqueIp()), 401);
  });

  it('limits an unknown email exactly like a known one', async () => {
    const email = uniqueEmail();
    for (let i = 0; i < 3; i += 1) expectProblem(await login(email, 'wrong password!', uniqueIp()), 401);
    expectProblem(await login(email, 'wrong password!', uniqueIp()), 429);
  });

  it('does not count successful logins', async () => {
    const user = await aUser();
    const ip = uniqueIp();
    for (let i = 0; i < 6; i += 1) expect((await login(user.email, user.password, ip)).status).to.equal(200);
  });
});
