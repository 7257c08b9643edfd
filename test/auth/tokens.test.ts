import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { aDocument, aTenant, aUser, auth, tokenFor } from '../support/factories';
import { testApp, type TestApp } from '../support/app';
import { expectProblem, logInWithCookie, sha256 } from './support';

describe('API tokens: /auth/tokens and Authorization: Bearer', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  it('creates a token shown once (201), stores only its SHA-256, and the token works on every route', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).post('/auth/tokens').set(auth(user)).send({ name: 'CI' });
    expect(res.status).to.equal(201);
    expect(res.body).to.have.keys('id', 'token', 'name', 'prefix', 'createdAt', 'expiresAt');
    expect(res.body).to.include({ name: 'CI', expiresAt: null });
    const { rows } = await owner().query(`SELECT token_hash, token_prefix FROM api_tokens WHERE id = $1`, [res.body.id]);
    expect(rows[0].token_hash).to.equal(sha256(res.body.token));
    expect(rows[0].token_prefix).to.equal(res.body.prefix);
    expect(res.body.token.startsWith(res.body.prefix)).to.equal(true);
    const me = await supertest(shared.app).get('/auth/me').set(bearer(res.body.token));
    expect(me.status).to.equal(200);
    expect(me.body.id).to.equal(user.id);
    const profile = await supertest(shared.app).get('/users/me/profile').set(bearer(res.body.token));
    expect(profile.status).to.equal(200);
  });

  it('sets expiresAt from expiresInDays', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).post('/auth/tokens').set(auth(user)).send({ name: 'month', expiresInDays: 30 });
    expect(res.status).to.equal(201);
    const days = (Date.parse(res.body.expiresAt) - Date.now()) / 86_400_000;
    expect(days).to.be.closeTo(30, 0.01);
  });

  for (const [what, body] of [['an empty name', { name: '  ' }], ['expiresInDays 0', { name: 'x', expiresInDays: 0 }],
    ['a fractional expiresInDays', { name: 'x', expiresInDays: 1.5 }], ['an unknown field', { name: 'x', scopes: ['all'] }],
    ['a name of 101 characters', { name: 'x'.repeat(101) }]] as const) {
    it(`answers 400 for ${what}`, async () => {
      const user = await aUser();
      expectProblem(await supertest(shared.app).post('/auth/tokens').set(auth(user)).send(body), 400);
    });
  }

  it('lists my tokens, newest first and keyset-paginated, never with the token or its hash', async () => {
    const user = await aUser(); // has one token already
    for (const name of ['one', 'two']) await supertest(shared.app).post('/auth/tokens').set(auth(user)).send({ name }).expect(201);
    const first = await supertest(shared.app).get('/auth/tokens?limit=2').set(auth(user));
    expect(first.status).to.equal(200);
    expect(first.body.data.map((t: { name: string }) => t.name)).to.deep.equal(['two', 'one']);
    expect(first.body.nextCursor).to.be.a('string');
    const second = await supertest(shared.app).get(`/auth/tokens?limit=2&cursor=${first.body.nextCursor}`).set(auth(user));
    expect(second.body.data.map((t: { name: string }) => t.name)).to.deep.equal(['test']);
    expect(second.body.nextCursor).to.equal(null);
    for (const token of [...first.body.data, ...second.body.data]) {
      expect(token).to.have.keys('id', 'name', 'prefix', 'createdAt', 'expiresAt');
    }
    expectProblem(await supertest(shared.app).get('/auth/tokens?cursor=garbage').set(auth(user)), 400);
    expectProblem(await supertest(shared.app).get('/auth/tokens?limit=201').set(auth(user)), 400);
  });

  it('does not list another user\'s tokens', async () => {
    const [me, other] = await Promise.all([aUser(), aUser()]);
    const theirs = await supertest(shared.app).post('/auth/tokens').set(auth(other)).send({ name: 'theirs' }).expect(201);
    const mine = await supertest(shared.app).get('/auth/tokens').set(auth(me));
    expect(mine.body.data.map((t: { id: string }) => t.id)).to.not.include(theirs.body.id);
  });

  it('revokes a token at once: 204, then the token gets 401, and a second DELETE 404', async () => {
    const user = await aUser();
    const created = await supertest(shared.app).post('/auth/tokens').set(auth(user)).send({ name: 'short-lived' }).expect(201);
    expect((await supertest(shared.app).get('/auth/me').set(bearer(created.body.token))).status).to.equal(200);
    const res = await supertest(shared.app).delete(`/auth/tokens/${created.body.id}`).set(auth(user));
    expect(res.status).to.equal(204);
    expect(res.text).to.equal('');
    expectProblem(await supertest(shared.app).get('/auth/me').set(bearer(created.body.token)), 401);
    expectProblem(await supertest(shared.app).delete(`/auth/tokens/${created.body.id}`).set(auth(user)), 404);
  });

  it('refuses a token revoked elsewhere (another instance, an operator) at once, although this instance just verified it', async () => {
    const user = await aUser();
    const token = await tokenFor(user.id);
    expect((await supertest(shared.app).get('/workspaces').set(bearer(token))).status).to.equal(200);
    await owner().query('DELETE FROM api_tokens WHERE token_hash = $1', [sha256(token)]);
    const res = await supertest(shared.app).get('/workspaces').set(bearer(token));
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).to.match(/^Bearer/);
  });

  // The write travels in the same round trip as the identity check (src/db/tenant.ts): it must be rolled back.
  it('writes nothing for a request whose token was revoked elsewhere, although this instance just verified it', async () => {
    const user = await aUser();
    const token = await tokenFor(user.id);
    expect((await supertest(shared.app).get('/workspaces').set(bearer(token))).status).to.equal(200);
    await owner().query('DELETE FROM api_tokens WHERE token_hash = $1', [sha256(token)]);
    const slug = `revoked-${crypto.randomUUID().slice(0, 8)}`;
    expectProblem(await supertest(shared.app).post('/workspaces').set(bearer(token)).send({ name: 'Revoked', slug }), 401);
    expect((await owner().query('SELECT 1 FROM workspaces WHERE slug = $1', [slug])).rowCount).to.equal(0);
  });

  it('writes nothing for a user suspended since their token was last verified', async () => {
    const user = await aUser();
    const token = await tokenFor(user.id);
    expect((await supertest(shared.app).get('/workspaces').set(bearer(token))).status).to.equal(200);
    await owner().query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [user.id]);
    const slug = `suspended-${crypto.randomUUID().slice(0, 8)}`;
    expectProblem(await supertest(shared.app).post('/workspaces').set(bearer(token)).send({ name: 'Suspended', slug }), 401);
    expect((await owner().query('SELECT 1 FROM workspaces WHERE slug = $1', [slug])).rowCount).to.equal(0);
  });

  // These routes send BEGIN, the identity check, the write and COMMIT in one flight (decision 0007):
  // the failed check must abort the transaction in PostgreSQL, so the COMMIT rolls back.
  for (const lost of ['revoked', 'suspended'] as const) {
    it(`writes nothing through a one-round-trip route for a ${lost === 'revoked' ? 'token revoked' : 'user suspended'} since it was last verified`, async () => {
      const tenant = await aTenant();
      const token = await tokenFor(tenant.member.id);
      const document = await aDocument(tenant.project, tenant.member);
      expect((await supertest(shared.app).get('/workspaces').set(bearer(token))).status).to.equal(200);
      if (lost === 'revoked') await owner().query('DELETE FROM api_tokens WHERE token_hash = $1', [sha256(token)]);
      else await owner().query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [tenant.member.id]);

      const title = `Lost ${crypto.randomUUID()}`;
      const created = await supertest(shared.app).post(`/projects/${tenant.project.id}/tasks`).set(bearer(token)).send({ title });
      const patched = await supertest(shared.app).patch(`/documents/${document.id}`).set(bearer(token))
        .set('If-Match', `"${document.version}"`).send({ content: 'Written by nobody' });

      for (const res of [created, patched]) {
        expectProblem(res, 401);
        expect(res.headers['www-authenticate']).to.equal(lost === 'revoked' ? 'Bearer error="invalid_token"' : 'Bearer');
      }
      expect((await owner().query('SELECT 1 FROM tasks WHERE title = $1', [title])).rowCount).to.equal(0);
      const { rows: [stored] } = await owner().query('SELECT version, content FROM documents WHERE id = $1', [document.id]);
      expect(stored).to.deep.equal({ version: document.version, content: 'First draft' });
    });
  }

  it('answers 404 for another user\'s token exactly as for a random id, and leaves it alive', async () => {
    const [me, other] = await Promise.all([aUser(), aUser()]);
    const theirs = await supertest(shared.app).post('/auth/tokens').set(auth(other)).send({ name: 'theirs' }).expect(201);
    const hidden = await supertest(shared.app).delete(`/auth/tokens/${theirs.body.id}`).set(auth(me));
    const random = await supertest(shared.app).delete(`/auth/tokens/${crypto.randomUUID()}`).set(auth(me));
    expectProblem(hidden, 404);
    expect({ ...hidden.body, instance: undefined }).to.deep.equal({ ...random.body, instance: undefined });
    expect((await supertest(shared.app).get('/auth/me').set(bearer(theirs.body.token))).status).to.equal(200);
    expectProblem(await supertest(shared.app).delete('/auth/tokens/not-a-uuid').set(auth(me)), 400);
  });

  it('answers 401 to an expired token', async () => {
    const user = await aUser();
    const expired = await tokenFor(user.id, new Date(Date.now() - 1000));
    const res = await supertest(shared.app).get('/auth/me').set(bearer(expired));
    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).to.match(/^Bearer/);
  });

  for (const [what, header] of [['an unknown token', 'Bearer pm_unknowntokenunknowntoken'], ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['an empty bearer', 'Bearer '], ['a token with odd characters', 'Bearer pm_abc$%^&*()_0123456789']] as const) {
    it(`answers 401 to ${what}`, async () => {
      expectProblem(await supertest(shared.app).get('/auth/me').set('Authorization', header), 401);
    });
  }

  it('never falls back to the cookie when the bearer token is invalid', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    expect((await agent.get('/auth/me')).status).to.equal(200);
    expectProblem(await agent.get('/auth/me').set('Authorization', 'Bearer pm_revokedorwrongtoken000000'), 401);
  });

  it('stops a suspended user\'s token and session at their next request', async () => {
    const user = await aUser();
    const { agent } = await logInWithCookie(shared.app, user);
    expect((await agent.get('/auth/me')).status).to.equal(200);
    await owner().query(`UPDATE users SET status = 'suspended' WHERE id = $1`, [user.id]);
    expectProblem(await supertest(shared.app).get('/auth/me').set(auth(user)), 401);
    expectProblem(await agent.get('/auth/me'), 401);
    expectProblem(await agent.get('/users/me/profile'), 401);
  });

  it('answers 401 to token routes without authentication', async () => {
    expectProblem(await supertest(shared.app).get('/auth/tokens'), 401);
    expectProblem(await supertest(shared.app).post('/auth/tokens').send({ name: 'x' }), 401);
  });
});
