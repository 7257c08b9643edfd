import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { aUser, auth } from '../support/factories';
import { testApp, type TestApp } from '../support/app';
import { expectProblem } from './support';

describe('GET|PATCH /users/me/profile', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });

  it('creates the empty profile on first GET and returns it', async () => {
    const user = await aUser();
    const res = await supertest(shared.app).get('/users/me/profile').set(auth(user));
    expect(res.status).to.equal(200);
    expect(res.body).to.have.keys('id', 'userId', 'bio', 'location', 'websiteUrl', 'socialLinks', 'preferences', 'createdAt', 'updatedAt');
    expect(res.body).to.deep.include({ userId: user.id, bio: null, location: null, websiteUrl: null, socialLinks: {}, preferences: {} });
    const again = await supertest(shared.app).get('/users/me/profile').set(auth(user));
    expect(again.body.id).to.equal(res.body.id);
    const { rows } = await owner().query(`SELECT count(*)::int AS n FROM user_profiles WHERE user_id = $1`, [user.id]);
    expect(rows[0].n).to.equal(1);
  });

  it('answers concurrent first reads and changes with one and the same profile', async () => {
    const user = await aUser();
    const answers = await Promise.all([
      ...Array.from({ length: 4 }, () => supertest(shared.app).get('/users/me/profile').set(auth(user))),
      supertest(shared.app).patch('/users/me/profile').set(auth(user)).send({ location: 'Lyon' }),
    ]);
    expect(answers.map((res) => res.status)).to.deep.equal([200, 200, 200, 200, 200]);
    expect(new Set(answers.map((res) => res.body.id)).size).to.equal(1);
    const { rows } = await owner().query(`SELECT count(*)::int AS n, max(location) AS location FROM user_profiles WHERE user_id = $1`, [user.id]);
    expect(rows[0]).to.deep.equal({ n: 1, location: 'Lyon' });
  });

  it('changes only the fields sent, creating the profile if needed', async () => {
    const user = await aUser();
    const first = await supertest(shared.app).patch('/users/me/profile').set(auth(user))
      .send({ bio: 'Builds things', location: 'Lyon', socialLinks: { github: 'https://github.com/someone' } });
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body).to.deep.include({ bio: 'Builds things', location: 'Lyon', websiteUrl: null, socialLinks: { github: 'https://github.com/someone' } });
    const second = await supertest(shared.app).patch('/users/me/profile').set(auth(user))
      .send({ bio: null, websiteUrl: 'https://example.test/me', preferences: { theme: 'dark', pageSize: 50 } });
    expect(second.status).to.equal(200);
    expect(second.body).to.deep.include({
      bio: null, location: 'Lyon', websiteUrl: 'https://example.test/me',
      socialLinks: { github: 'https://github.com/someone' }, preferences: { theme: 'dark', pageSize: 50 },
    });
    expect(Date.parse(second.body.updatedAt)).to.be.at.least(Date.parse(first.body.updatedAt));
  });

  const invalid: Array<[string, object, string]> = [
    ['an unknown field', { userId: crypto.randomUUID() }, 'body.userId'],
    ['a website that is not http(s)', { websiteUrl: 'javascript:alert(1)' }, 'body.websiteUrl'],
    ['a social link that is not a URL', { socialLinks: { github: 'me' } }, 'body.socialLinks.github'],
    ['preferences that are not an object', { preferences: ['dark'] }, 'body.preferences'],
    ['a location of 256 characters', { location: 'x'.repeat(256) }, 'body.location'],
    ['a NUL byte in the bio', { bio: 'a\u0000b' }, 'body.bio'],
  ];
  for (const [what, body, path] of invalid) {
    it(`answers 400 naming ${path} for ${what}`, async () => {
      const user = await aUser();
      const res = await supertest(shared.app).patch('/users/me/profile').set(auth(user)).send(body);
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
    });
  }

  it('answers 400 for an empty change', async () => {
    const user = await aUser();
    expectProblem(await supertest(shared.app).patch('/users/me/profile').set(auth(user)).send({}), 400);
  });

  it('answers 401 without authentication', async () => {
    expectProblem(await supertest(shared.app).get('/users/me/profile'), 401);
    expectProblem(await supertest(shared.app).patch('/users/me/profile').send({ bio: 'x' }), 401);
  });
});

describe('the OpenAPI document', () => {
  it('describes every identity route', async () => {
    const res = await supertest((await testApp()).app).get('/openapi.json');
    expect(res.status).to.equal(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    const expected: Array<[string, string]> = [
      ['/auth/register', 'post'], ['/auth/login', 'post'], ['/auth/logout', 'post'], ['/auth/me', 'get'], ['/auth/csrf', 'get'],
      ['/auth/password', 'post'], ['/auth/sessions', 'get'], ['/auth/sessions/{id}', 'delete'], ['/auth/tokens', 'post'],
      ['/auth/tokens', 'get'], ['/auth/tokens/{id}', 'delete'], ['/users/me/profile', 'get'], ['/users/me/profile', 'patch'],
    ];
    for (const [path, method] of expected) expect(paths[path]?.[method], `${method} ${path}`).to.be.an('object');
  });
});
