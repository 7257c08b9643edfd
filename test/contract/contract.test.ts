import { connect, type AddressInfo } from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import { startServer } from '../../src/server';
import { api, startTestApp, testApp, testConfig, type TestApp } from '../support/app';
import { owner } from '../support/db';
import { aTask, aTenant, aUser, auth } from '../support/factories';
import { expectProblem, logInWithCookie, sha256, uniqueEmail, uniqueIp } from '../auth/support';

/**
 * The contract as a black-box client and an attacker meet it: deviations found by auditing
 * `npm run demo` against SPEC, each pinned here.
 */
const tasksOf = async (projectId: string) => Number((await owner().query(`SELECT count(*) FROM tasks WHERE project_id = $1`, [projectId])).rows[0].count);

describe('contract: hostile JSON bodies', () => {
  it('answers 400 problem+json, not 500, for a body nested deeper than any resource needs, and writes nothing', async () => {
    const { owner: alice, project } = await aTenant();
    const before = await tasksOf(project.id);
    const deep = `{"title":"deep","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`;

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).set('Content-Type', 'application/json').send(deep);

    expectProblem(res, 400);
    expect(res.body.detail).to.match(/nested/);
    expect(await tasksOf(project.id)).to.equal(before);
  });

  it('accepts metadata nested a few levels deep', async () => {
    const { owner: alice, project } = await aTenant();
    const metadata = { a: { b: { c: { d: [1, { e: 'f' }] } } } };

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).send({ title: 'nested', metadata });

    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    expect(res.body.metadata).to.deep.equal(metadata);
  });

  it('answers 400 for a body that is not valid UTF-8 instead of storing U+FFFD', async () => {
    const { owner: alice, project } = await aTenant();
    const before = await tasksOf(project.id);
    const body = Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);

    // serialize: as-is, or superagent would send the Buffer re-encoded as JSON.
    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).set('Content-Type', 'application/json')
      .serialize((raw) => raw).send(body);

    expectProblem(res, 400);
    expect(res.body.detail).to.match(/UTF-8/);
    expect(await tasksOf(project.id)).to.equal(before);
  });

  it('answers 400 naming the field for an unpaired surrogate escape (\\ud800)', async () => {
    const { owner: alice, project } = await aTenant();

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).set('Content-Type', 'application/json')
      .send('{"title":"x","description":"\\ud800"}');

    expectProblem(res, 400);
    expect(res.body.errors).to.deep.equal([{ path: 'body.description', message: 'Must not contain unpaired surrogates.' }]);
  });

  it('keeps a properly paired surrogate (an emoji)', async () => {
    const { owner: alice, project } = await aTenant();

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).send({ title: 'ship it \u{1F680}' });

    expect(res.status).to.equal(201);
    expect(res.body.title).to.equal('ship it \u{1F680}');
  });

  it('answers 400 naming a __proto__ key inside free-form metadata (not silently dropped)', async () => {
    const { owner: alice, project } = await aTenant();
    const before = await tasksOf(project.id);

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).set('Content-Type', 'application/json')
      .send('{"title":"x","metadata":{"safe":{"__proto__":{"isAdmin":true}}}}');

    expectProblem(res, 400);
    expect(res.body.errors).to.deep.equal([{ path: 'body.metadata.safe.__proto__', message: 'Unknown field.' }]);
    expect(await tasksOf(project.id)).to.equal(before);
  });
});

describe('contract: actions that take no body', () => {
  it('answers 400 naming each unknown field sent to complete, archive, restore and logout, and changes nothing', async () => {
    const { owner: alice, project } = await aTenant();
    const task = await aTask(project, alice);
    const smuggled = { status: 'cancelled', ownerId: alice.id };
    const actions = [`/tasks/${task.id}/complete`, `/projects/${project.id}/archive`, `/projects/${project.id}/restore`, '/auth/logout'];

    for (const path of actions) {
      const res = await (await api()).post(path).set(auth(alice)).send(smuggled);
      expectProblem(res, 400);
      expect(res.body.errors, path).to.deep.equal([
        { path: 'body.status', message: 'Unknown field.' }, { path: 'body.ownerId', message: 'Unknown field.' },
      ]);
    }
    const { rows } = await owner().query(
      `SELECT t.status AS task, p.status AS project FROM tasks t JOIN projects p ON p.id = t.project_id WHERE t.id = $1`, [task.id]);
    expect(rows[0]).to.deep.equal({ task: 'pending', project: 'active' });
    expect((await (await api()).post(`/tasks/${task.id}/complete`).set(auth(alice)).send({})).status).to.equal(200);
  });
});

describe('contract: content types', () => {
  it('answers 415, not 400, to multipart sent to a JSON route, and writes nothing', async () => {
    const { owner: alice, project } = await aTenant();
    const before = await tasksOf(project.id);

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).field('title', 'from a form');

    expectProblem(res, 415);
    expect(await tasksOf(project.id)).to.equal(before);
  });

  it('answers 415 asking for multipart to a text body sent to an upload route', async () => {
    const { owner: alice, task } = await aTenant();

    const res = await (await api()).post(`/tasks/${task.id}/attachments`).set(auth(alice)).set('Content-Type', 'text/plain').send('hello');

    expectProblem(res, 415);
    expect(res.body.detail).to.match(/multipart/);
  });
});

describe('contract: methods and unknown routes', () => {
  it('answers 405 problem+json with Allow for a method a known path does not have', async () => {
    const { owner: alice, task } = await aTenant();

    const res = await (await api()).put(`/tasks/${task.id}`).set(auth(alice)).send({ title: 'x' });

    expectProblem(res, 405);
    expect(res.headers.allow).to.equal('DELETE, GET, HEAD, OPTIONS, PATCH');
    expect(res.body.type).to.equal('urn:problem:method-not-allowed');
  });

  it('answers 405 on collection and operations paths too, whoever asks', async () => {
    const agent = await api();

    const projects = await agent.delete('/projects');
    const health = await agent.post('/health');

    expectProblem(projects, 405);
    expect(projects.headers.allow).to.equal('GET, HEAD, OPTIONS, POST');
    expectProblem(health, 405);
    expect(health.headers.allow).to.equal('GET, HEAD, OPTIONS');
  });

  it('answers OPTIONS with 204 and Allow, and lists OPTIONS in the Allow of a 405', async () => {
    const { owner: alice, task } = await aTenant();
    const agent = await api();

    const options = await agent.options(`/tasks/${task.id}`).set(auth(alice));
    const wrong = await agent.put(`/tasks/${task.id}`).set(auth(alice)).send({ title: 'x' });

    expect(options.status).to.equal(204);
    expect(options.headers.allow).to.equal('DELETE, GET, HEAD, OPTIONS, PATCH');
    expect(options.text).to.equal('');
    expect(wrong.headers.allow).to.equal('DELETE, GET, HEAD, OPTIONS, PATCH');
  });

  it('still answers 404 problem+json for a path that does not exist', async () => {
    const res = await (await api()).get('/no-such-thing/at-all');

    expectProblem(res, 404);
  });
});

describe('contract: what a 201 points to', () => {
  it('sends Location with each created resource that has a GET of its own, and the GET answers it', async () => {
    const { owner: alice, project } = await aTenant();
    const agent = await api();

    const workspace = await agent.post('/workspaces').set(auth(alice)).send({ name: 'Located', slug: `loc-${Date.now().toString(36)}` });
    const newProject = await agent.post('/projects').set(auth(alice)).send({ workspaceId: workspace.body.id, name: 'Located' });
    const task = await agent.post(`/projects/${project.id}/tasks`).set(auth(alice)).send({ title: 'Located' });
    const document = await agent.post(`/projects/${project.id}/documents`).set(auth(alice)).send({ title: 'Located' });
    const attachment = await agent.post(`/tasks/${task.body.id}/attachments`).set(auth(alice)).attach('file', Buffer.from('hello'), 'hello.txt');

    const created = { workspace, newProject, task, document, attachment };
    const expected = {
      workspace: `/workspaces/${workspace.body.id}`, newProject: `/projects/${newProject.body.id}`, task: `/tasks/${task.body.id}`,
      document: `/documents/${document.body.id}`, attachment: `/attachments/${attachment.body.id}`,
    };
    for (const [name, res] of Object.entries(created)) {
      expect(res.status, name).to.equal(201);
      expect(res.headers.location, name).to.equal(expected[name as keyof typeof expected]);
      const fetched = await agent.get(res.headers.location).set(auth(alice));
      expect(fetched.status, name).to.equal(200);
      expect(fetched.body.id, name).to.equal(res.body.id);
    }
  });
});

describe('contract: caching', () => {
  it('tells every cache not to store an answer: they are per user, and some show a secret once', async () => {
    const { owner: alice, task } = await aTenant();
    const agent = await api();

    const answers = {
      'GET /auth/me': await agent.get('/auth/me').set(auth(alice)),
      'POST /auth/tokens': await agent.post('/auth/tokens').set(auth(alice)).send({ name: 'ci' }),
      'GET /tasks/:id': await agent.get(`/tasks/${task.id}`).set(auth(alice)),
      'GET /auth/csrf': await agent.get('/auth/csrf'),
      'GET /tasks/:id anonymously': await agent.get(`/tasks/${task.id}`),
    };

    expect(Object.values(answers).map((res) => res.status)).to.deep.equal([200, 201, 200, 200, 404]);
    for (const [request, res] of Object.entries(answers)) expect(res.headers['cache-control'], request).to.equal('no-store');
  });
});

describe('contract: every resource has id and createdAt', () => {
  it('gives a workspace member its membership id and createdAt', async () => {
    const { workspace, owner: alice } = await aTenant();
    const newcomer = await aUser();

    const added = await (await api()).post(`/workspaces/${workspace.id}/members`).set(auth(alice)).send({ email: newcomer.email, role: 'member' });
    const listed = await (await api()).get(`/workspaces/${workspace.id}/members`).set(auth(alice));

    expect(added.status).to.equal(201);
    const { rows } = await owner().query(`SELECT id, joined_at FROM workspace_members WHERE workspace_id = $1 AND user_id = $2`, [workspace.id, newcomer.id]);
    expect(added.body).to.include({ id: rows[0].id, userId: newcomer.id, createdAt: rows[0].joined_at.toISOString() });
    expect(listed.status).to.equal(200);
    expect(listed.body.data).to.have.length.of.at.least(2);
    for (const member of listed.body.data) expect(member).to.include.keys('id', 'createdAt');
  });

  it('gives a project member its membership id and createdAt', async () => {
    const { workspace, owner: alice, project } = await aTenant();
    const colleague = await aUser();
    await owner().query(`INSERT INTO workspace_members (workspace_id, user_id, role) VALUES ($1, $2, 'member')`, [workspace.id, colleague.id]);

    const added = await (await api()).post(`/projects/${project.id}/members`).set(auth(alice)).send({ userId: colleague.id, role: 'member' });
    const listed = await (await api()).get(`/projects/${project.id}/members`).set(auth(alice));

    expect(added.status, JSON.stringify(added.body)).to.equal(201);
    const { rows } = await owner().query(`SELECT id FROM project_members WHERE project_id = $1 AND user_id = $2`, [project.id, colleague.id]);
    expect(added.body).to.include({ id: rows[0].id, userId: colleague.id });
    expect(added.body.createdAt).to.equal(added.body.joinedAt);
    expect(listed.status).to.equal(200);
    expect(listed.body.data).to.have.length.of.at.least(2);
    for (const member of listed.body.data) expect(member).to.include.keys('id', 'createdAt');
  });
});

describe('contract: task due dates', () => {
  it('accepts a bare date as midnight UTC, for dueDate and the dueBefore filter', async () => {
    const { owner: alice, project } = await aTenant();

    const created = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).send({ title: 'dated', dueDate: '2031-01-02' });
    const listed = await (await api()).get(`/projects/${project.id}/tasks`).query({ dueBefore: '2031-01-03' }).set(auth(alice));

    expect(created.status, JSON.stringify(created.body)).to.equal(201);
    expect(created.body.dueDate).to.equal('2031-01-02T00:00:00.000Z');
    expect(listed.status).to.equal(200);
    expect(listed.body.data.map((task: { id: string }) => task.id)).to.deep.equal([created.body.id]);
  });

  it('answers 400 naming dueDate for an impossible date', async () => {
    const { owner: alice, project } = await aTenant();

    const res = await (await api()).post(`/projects/${project.id}/tasks`).set(auth(alice)).send({ title: 'x', dueDate: '2031-13-02' });

    expectProblem(res, 400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['body.dueDate']);
  });
});

describe('contract: authentication answers', () => {
  it('sends WWW-Authenticate with a 401 for a request without credentials', async () => {
    const res = await (await api()).get('/auth/me');

    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).to.equal('Bearer');
  });

  it('sends WWW-Authenticate with the 401 of a failed login too', async () => {
    const me = await aUser();
    const res = await (await api()).post('/auth/login').set('X-Forwarded-For', uniqueIp()).send({ email: me.email, password: 'not the password' });

    expectProblem(res, 401);
    expect(res.headers['www-authenticate']).to.equal('Bearer');
  });

  it('answers 404 for deleting a session that has already ended', async () => {
    const { app } = await testApp();
    const user = await aUser();
    const mine = await logInWithCookie(app, user);
    await logInWithCookie(app, user);
    const sessions = await mine.agent.get('/auth/sessions');
    const other = sessions.body.data.find((session: { current: boolean }) => !session.current);

    const first = await mine.agent.delete(`/auth/sessions/${other.id}`).set('X-CSRF-Token', mine.csrfToken);
    const again = await mine.agent.delete(`/auth/sessions/${other.id}`).set('X-CSRF-Token', mine.csrfToken);

    expect(first.status).to.equal(204);
    expectProblem(again, 404);
  });
});

describe('contract: CSRF for a client that keeps only the session cookie', () => {
  it('accepts the login response\'s token with just the sid cookie, and still refuses none or another session\'s', async () => {
    const { app } = await testApp();
    const [me, other] = await Promise.all([aUser(), aUser()]);
    const mine = await logInWithCookie(app, me);
    const theirs = await logInWithCookie(app, other);
    const onlySid = () => supertest(app).patch('/users/me/profile').set('Cookie', `sid=${mine.sid}`);

    const accepted = await onlySid().set('X-CSRF-Token', mine.csrfToken).send({ bio: 'only the sid cookie' });
    const missing = await onlySid().send({ bio: 'no token' });
    const foreign = await onlySid().set('X-CSRF-Token', theirs.csrfToken).send({ bio: 'their token' });

    expect(accepted.status, JSON.stringify(accepted.body)).to.equal(200);
    expect(accepted.body.bio).to.equal('only the sid cookie');
    expectProblem(missing, 403);
    expectProblem(foreign, 403);
  });
});

describe('contract: login limits', () => {
  let app: TestApp;
  const usedKeys: string[] = [];
  before(async () => {
    app = await startTestApp({ trustProxy: true, loginAttemptsPerAccount: 3, loginAttemptsPerIp: 5, loginWindowMs: 60_000 });
  });
  after(async () => {
    if (usedKeys.length > 0) await app.deps.redis.del(usedKeys);
    await app.close();
  });

  const login = (email: string, password: string, ip: string) => {
    usedKeys.push(`rl:login:account:${sha256(email.toLowerCase())}`, `rl:login:ip:${ip}`);
    return supertest(app.app).post('/auth/login').set('X-Forwarded-For', ip).send({ email, password });
  };

  it('does not count retries refused by a locked account against the IP (no password was checked)', async () => {
    const locked = await aUser();
    const ip = uniqueIp();
    for (let i = 0; i < 3; i += 1) expectProblem(await login(locked.email, 'wrong password!', ip), 401);
    for (let i = 0; i < 5; i += 1) expectProblem(await login(locked.email, 'wrong password!', ip), 429);

    // 3 real failures so far from this IP, under its limit of 5: another account still logs in.
    const other = await aUser();
    expect((await login(other.email, other.password, ip)).status).to.equal(200);
    expectProblem(await login(uniqueEmail(), 'wrong password!', ip), 401);
  });
});

describe('contract: requests Node refuses before Express', () => {
  /** Sends raw bytes to a listening server and reads everything it answers. */
  const rawExchange = (port: number, request: string) => new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk.toString('utf8'); });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });

  it('answers 431 problem+json to a request line larger than the header limit, and 400 problem+json to garbage', async () => {
    const running = await startServer(testConfig({ port: 0 }));
    try {
      const { port } = running.server.address() as AddressInfo;

      const tooLarge = await rawExchange(port, `GET /projects?q=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const garbage = await rawExchange(port, 'NOT HTTP AT ALL\r\n\r\n');

      expect(tooLarge).to.match(/^HTTP\/1\.1 431 /);
      expect(tooLarge).to.match(/\r\nContent-Type: application\/problem\+json/);
      expect(JSON.parse(tooLarge.split('\r\n\r\n')[1])).to.include({ status: 431, type: 'urn:problem:request-header-fields-too-large' });
      expect(garbage).to.match(/^HTTP\/1\.1 400 /);
      expect(JSON.parse(garbage.split('\r\n\r\n')[1])).to.include({ status: 400, title: 'Bad Request' });
    } finally {
      await running.stop();
    }
  });
});

describe('contract: pagination parameters', () => {
  it('serves the first page for an empty cursor= and a 400 for a garbage one', async () => {
    const { owner, project } = await aTenant();
    const client = await api();
    const first = await client.get(`/projects/${project.id}/tasks?limit=1&cursor=`).set(auth(owner));
    expect(first.status, JSON.stringify(first.body)).to.equal(200);
    expect(first.body.data).to.have.length(1);
    const garbage = await client.get(`/projects/${project.id}/tasks?cursor=not-a-cursor`).set(auth(owner));
    expect(garbage.status).to.equal(400);
    expect(garbage.headers['content-type']).to.match(/^application\/problem\+json/);
  });
});
