import { expect } from 'chai';
import supertest from 'supertest';
import { aUser, auth } from '../support/factories';
import { testApp, type TestApp } from '../support/app';
import { expectProblem, logInWithCookie } from './support';

describe('CSRF on cookie-authenticated requests', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });

  it('answers 403 problem+json to a cookie POST without X-CSRF-Token, and creates nothing', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    const res = await agent.post('/auth/tokens').send({ name: 'no header' });
    expectProblem(res, 403);
    expect(res.body.detail).to.include('X-CSRF-Token');
    const list = await agent.get('/auth/tokens');
    expect(list.body.data.map((t: { name: string }) => t.name)).to.not.include('no header');
  });

  it('accepts the cookie POST with the token from the login response', async () => {
    const user = await aUser();
    const { agent, csrfToken } = await logInWithCookie(shared.app, user);
    const res = await agent.post('/auth/tokens').set('X-CSRF-Token', csrfToken).send({ name: 'with header' });
    expect(res.status).to.equal(201);
  });

  it('accepts the token from GET /auth/csrf for the session', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    const { body } = await agent.get('/auth/csrf').expect(200);
    const res = await agent.patch('/users/me/profile').set('X-CSRF-Token', body.csrfToken).send({ bio: 'hello' });
    expect(res.status).to.equal(200);
  });

  it('refuses a wrong token, and one minted for another session', async () => {
    const [me, other] = await Promise.all([aUser(), aUser()]);
    const mine = await logInWithCookie(shared.app, me);
    const theirs = await logInWithCookie(shared.app, other);
    expectProblem(await mine.agent.patch('/users/me/profile').set('X-CSRF-Token', 'garbage').send({ bio: 'x' }), 403);
    expectProblem(await mine.agent.patch('/users/me/profile').set('X-CSRF-Token', theirs.csrfToken).send({ bio: 'x' }), 403);
    // Their token with their CSRF cookie, but my session cookie: bound to their session id, so refused.
    const csrfCookie = (theirs.response.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('csrf='))!.split(';')[0];
    const mixed = await supertest(shared.app).delete(`/auth/tokens/${crypto.randomUUID()}`)
      .set('Cookie', `sid=${mine.sid}; ${csrfCookie}`).set('X-CSRF-Token', theirs.csrfToken);
    expectProblem(mixed, 403);
  });

  it('guards PATCH and DELETE as well as POST, and lets GET through', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    expectProblem(await agent.patch('/users/me/profile').send({ bio: 'x' }), 403);
    expectProblem(await agent.delete(`/auth/tokens/${crypto.randomUUID()}`), 403);
    expect((await agent.get('/users/me/profile')).status).to.equal(200);
  });

  it('asks nothing of bearer-token requests', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).post('/auth/tokens').set(auth(user)).send({ name: 'bearer' });
    expect(res.status).to.equal(201);
  });

  it('answers GET /auth/csrf with a token and an HttpOnly cookie', async () => {
    const res = await supertest(shared.app).get('/auth/csrf');
    expect(res.status).to.equal(200);
    expect(res.body).to.have.keys('csrfToken');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((line) => line.startsWith('csrf='))!;
    expect(cookie).to.match(/HttpOnly/i).and.match(/SameSite=Lax/i);
    expect(cookie.split(';')[0]).to.equal(`csrf=${res.body.csrfToken}`);
  });
});
