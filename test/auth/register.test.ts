import { expect } from 'chai';
import supertest from 'supertest';
import { owner } from '../support/db';
import { testApp, type TestApp } from '../support/app';
import { appBehindProxy, expectProblem, uniqueEmail, uniqueIp } from './support';
import { randomBytes } from 'node:crypto';

const uniqueName = () => `reg_${randomBytes(5).toString('hex')}`;
const strongPassword = 'a long enough passphrase';

describe('POST /auth/register', () => {
  let shared: TestApp;
  before(async () => {
    shared = await testApp();
  });
  const register = (body: object) => supertest(shared.app).post('/auth/register').send(body);

  it('answers 201 with the new user, never a hash, and lower-cases the email', async () => {
    const email = uniqueEmail().replace('auth-', 'Auth-').replace('example', 'EXAMPLE');
    const username = uniqueName();
    const res = await register({ email, username, password: strongPassword, firstName: ' Ada ', lastName: 'Lovelace' });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body).to.have.keys('id', 'email', 'username', 'firstName', 'lastName', 'status', 'createdAt', 'updatedAt', 'lastLoginAt');
    expect(res.body).to.include({ email: email.toLowerCase(), username, firstName: 'Ada', lastName: 'Lovelace', status: 'active', lastLoginAt: null });
    expect(JSON.stringify(res.body)).to.not.match(/argon2/);
    expect(setCookie(res)).to.equal(undefined); // registering does not log in
  });

  it('stores an argon2id hash with OWASP parameters (m=19456, t=2, p=1), never the password', async () => {
    const email = uniqueEmail();
    const res = await register({ email, username: uniqueName(), password: strongPassword });
    expect(res.status).to.equal(201);
    const { rows } = await owner().query(`SELECT password_hash FROM users WHERE id = $1`, [res.body.id]);
    expect(rows[0].password_hash).to.match(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(rows[0].password_hash).to.not.include(strongPassword);
  });

  it('lets the new user log in with the password', async () => {
    const email = uniqueEmail();
    await register({ email, username: uniqueName(), password: strongPassword }).expect(201);
    const login = await supertest(shared.app).post('/auth/login').send({ email, password: strongPassword });
    expect(login.status).to.equal(200);
  });

  it('answers a generic 409 for an email already taken, whatever its case', async () => {
    const email = uniqueEmail();
    await register({ email, username: uniqueName(), password: strongPassword }).expect(201);
    const again = await register({ email: email.toUpperCase(), username: uniqueName(), password: strongPassword });
    expectProblem(again, 409);
    expect(again.body.detail).to.not.include(email);
  });

  it('answers 409 for a username already taken', async () => {
    const username = uniqueName();
    await register({ email: uniqueEmail(), username, password: strongPassword }).expect(201);
    expectProblem(await register({ email: uniqueEmail(), username, password: strongPassword }), 409);
  });

  it('accepts passwords of 12 and of 128 characters, with no truncation', async () => {
    const long = 'x'.repeat(127) + 'y';
    const email = uniqueEmail();
    await register({ email, username: uniqueName(), password: long }).expect(201);
    await register({ email: uniqueEmail(), username: uniqueName(), password: '123456789012' }).expect(201);
    // A failed login: from an address of its own on the app behind a proxy (rate limits).
    const truncated = await supertest((await appBehindProxy()).app).post('/auth/login').set('X-Forwarded-For', uniqueIp())
      .send({ email, password: 'x'.repeat(127) + 'z' });
    expect(truncated.status).to.equal(401);
    expect((await supertest(shared.app).post('/auth/login').send({ email, password: long })).status).to.equal(200);
  });

  const invalid: Array<[string, object, string]> = [
    ['a password of 11 characters', { password: '12345678901' }, 'body.password'],
    ['a password of 129 characters', { password: 'x'.repeat(129) }, 'body.password'],
    ['an email without a domain', { email: 'someone@localhost' }, 'body.email'],
    ['an email longer than 255 characters', { email: `${'a'.repeat(250)}@example.test` }, 'body.email'],
    ['a username of 2 characters', { username: 'ab' }, 'body.username'],
    ['a username of 51 characters', { username: 'a'.repeat(51) }, 'body.username'],
    ['a username with spaces', { username: 'two words' }, 'body.username'],
    ['a first name of 101 characters', { firstName: 'a'.repeat(101) }, 'body.firstName'],
    ['a NUL byte in a name', { lastName: 'a\u0000b' }, 'body.lastName'],
    ['an unknown field', { status: 'active' }, 'body.status'],
    ['a wrong type', { username: 42 }, 'body.username'],
  ];
  for (const [what, change, path] of invalid) {
    it(`answers 400 naming ${path} for ${what}, and creates nobody`, async () => {
      const email = uniqueEmail();
      const res = await register({ email, username: uniqueName(), password: strongPassword, ...change });
      expectProblem(res, 400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include(path);
      const { rows } = await owner().query(`SELECT count(*)::int AS n FROM users WHERE email = $1`, [email]);
      expect(rows[0].n).to.equal(0);
    });
  }

  it('answers 400 for malformed JSON', async () => {
    const res = await supertest(shared.app).post('/auth/register').set('Content-Type', 'application/json').send('{"email":');
    expectProblem(res, 400);
  });
});

function setCookie(res: supertest.Response): unknown {
  return (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((line) => line.startsWith('sid='));
}
