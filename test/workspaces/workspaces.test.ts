import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { api, postDeclaringLength, testApp } from '../support/app';
import { owner } from '../support/db';
import { aProject, aTask, aTenant, aUser, aWorkspace, addWorkspaceMember, auth } from '../support/factories';
import { allPages, count, errorPaths, expectProblem, expectSameNotFound, randomId } from '../support/tenancy-factories';

const slugOf = () => `ws-${randomBytes(5).toString('hex')}`;

describe('workspaces', () => {
  describe('POST /workspaces', () => {
    it('creates a workspace owned by me and makes me its owner member', async () => {
      const me = await aUser();
      const slug = slugOf();

      const res = await (await api()).post('/workspaces').set(auth(me)).send({ name: '  Acme  ', slug, settings: { theme: 'dark' } });

      expect(res.status).to.equal(201);
      expect(res.body).to.include({ name: 'Acme', slug, ownerId: me.id, role: 'owner', archivedAt: null });
      expect(res.body.settings).to.deep.equal({ theme: 'dark' });
      expect(res.body.id).to.match(/^[0-9a-f-]{36}$/);
      expect(new Date(res.body.createdAt).toISOString()).to.equal(res.body.createdAt);
      expect(res.body.updatedAt).to.be.a('string');
      const { rows } = await owner().query(`SELECT user_id, role FROM workspace_members WHERE workspace_id = $1`, [res.body.id]);
      expect(rows).to.deep.equal([{ user_id: me.id, role: 'owner' }]);
    });

    it('answers a generic 409 for a taken slug, the same whether it is mine or another tenant\'s', async () => {
      const me = await aUser();
      const stranger = await aUser();
      const theirs = await aWorkspace(stranger);
      const mine = await aWorkspace(me);

      const clashWithTheirs = await (await api()).post('/workspaces').set(auth(me)).send({ name: 'Copy', slug: theirs.slug });
      const clashWithMine = await (await api()).post('/workspaces').set(auth(me)).send({ name: 'Copy', slug: mine.slug });

      const a = expectProblem(clashWithTheirs, 409);
      const b = expectProblem(clashWithMine, 409);
      expect(a).to.deep.equal(b);
      expect(JSON.stringify(a)).not.to.include(stranger.id).and.not.to.include(stranger.username).and.not.to.include(theirs.name);
      expect(await count(`SELECT 1 FROM workspaces WHERE owner_id = $1`, [me.id])).to.equal(1);
    });

    it('answers 401 without authentication', async () => {
      const res = await (await api()).post('/workspaces').send({ name: 'Nope', slug: slugOf() });
      expectProblem(res, 401);
    });

    const badBodies: Array<[string, unknown, string?]> = [
      ['a name of the wrong type', { name: 5, slug: 'ok-slug' }, 'body.name'],
      ['an empty name', { name: '   ', slug: 'ok-slug' }, 'body.name'],
      ['a name with a NUL byte', { name: 'a\u0000b', slug: 'ok-slug' }, 'body.name'],
      ['a name longer than 255 characters', { name: 'x'.repeat(256), slug: 'ok-slug' }, 'body.name'],
      ['an uppercase slug', { name: 'Ok', slug: 'Not-OK' }, 'body.slug'],
      ['a slug ending in a hyphen', { name: 'Ok', slug: 'bad-' }, 'body.slug'],
      ['a slug of 64 characters', { name: 'Ok', slug: 'a'.repeat(64) }, 'body.slug'],
      ['a missing slug', { name: 'Ok' }, 'body.slug'],
      ['settings that are an array', { name: 'Ok', slug: 'ok-slug', settings: [1, 2] }, 'body.settings'],
      ['an unknown field (ownerId)', { name: 'Ok', slug: 'ok-slug', ownerId: randomId() }, 'body.ownerId'],
      ['a body that is an array', [{ name: 'Ok', slug: 'ok-slug' }]],
      ['settings holding a NUL byte (refused by jsonb)', { name: 'Ok', slug: 'ok-slug', settings: { a: 'x\u0000' } }],
      ['a __proto__ field', JSON.parse('{"name":"Ok","slug":"ok-slug","__proto__":{"admin":true}}'), 'body.__proto__'],
    ];
    for (const [what, body, path] of badBodies) {
      it(`answers 400 problem+json and writes nothing for ${what}`, async () => {
        const me = await aUser();
        const res = await (await api()).post('/workspaces').set(auth(me)).send(body as object);
        expectProblem(res, 400);
        if (path) expect(errorPaths(res)).to.include(path);
        expect(await count(`SELECT 1 FROM workspaces WHERE owner_id = $1`, [me.id])).to.equal(0);
      });
    }

    it('answers 413 for a body over the size limit and writes nothing', async () => {
      const me = await aUser();
      const res = await (await api()).post('/workspaces').set(auth(me)).send({ name: 'Big', slug: slugOf(), settings: { blob: 'x'.repeat(2_000_000) } });
      expectProblem(res, 413);
      expect(await count(`SELECT 1 FROM workspaces WHERE owner_id = $1`, [me.id])).to.equal(0);
    });

    it('answers 413 at once to a body declared over the size limit, without waiting for it', async () => {
      const me = await aUser();
      const res = await postDeclaringLength((await testApp()).app, '/workspaces', { ...auth(me), 'content-type': 'application/json' }, 99_999_999);
      expect(res.status).to.equal(413);
      expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
      expect(res.headers.connection).to.equal('close');
    });

    it('answers 400 for malformed JSON and 415 for a body that is not JSON', async () => {
      const me = await aUser();
      const malformed = await (await api()).post('/workspaces').set(auth(me)).set('Content-Type', 'application/json').send('{"name": "x",');
      const plain = await (await api()).post('/workspaces').set(auth(me)).set('Content-Type', 'text/plain').send('name=x');
      expectProblem(malformed, 400);
      expectProblem(plain, 415);
      expect(await count(`SELECT 1 FROM workspaces WHERE owner_id = $1`, [me.id])).to.equal(0);
    });
  });

  describe('GET /workspaces', () => {
    it('lists only the workspaces I belong to, with my role in each', async () => {
      const { workspace, bystander } = await aTenant();
      const other = await aTenant();

      const res = await (await api()).get('/workspaces').set(auth(bystander));

      expect(res.status).to.equal(200);
      expect(res.body.nextCursor).to.equal(null);
      expect(res.body.data.map((w: { id: string }) => w.id)).to.deep.equal([workspace.id]);
      expect(res.body.data[0]).to.include({ role: 'member', slug: workspace.slug });
      expect(res.body.data.map((w: { id: string }) => w.id)).not.to.include(other.workspace.id);
    });

    it('visits every workspace exactly once across pages, newest first', async () => {
      const me = await aUser();
      const created: string[] = [];
      for (let i = 0; i < 7; i += 1) created.push((await aWorkspace(me)).id);

      const pages = await allPages<{ id: string; createdAt: string }>(async (cursor) =>
        (await api()).get('/workspaces').set(auth(me)).query({ limit: 3, ...(cursor ? { cursor } : {}) }));

      expect(pages.map((p) => p.length)).to.deep.equal([3, 3, 1]);
      const seen = pages.flat().map((w) => w.id);
      expect(new Set(seen).size).to.equal(7);
      expect([...seen].sort()).to.deep.equal([...created].sort());
      const times = pages.flat().map((w) => w.createdAt);
      expect(times).to.deep.equal([...times].sort().reverse());
    });

    const badQueries: Array<[string, Record<string, string>, string]> = [
      ['a limit of 100000', { limit: '100000' }, 'query.limit'],
      ['a limit of 0', { limit: '0' }, 'query.limit'],
      ['a limit that is not a number', { limit: 'ten' }, 'query.limit'],
      ['a limit in hexadecimal', { limit: '0x10' }, 'query.limit'],
      ['a limit with an exponent', { limit: '1e1' }, 'query.limit'],
      ['a limit with a leading space', { limit: ' 5' }, 'query.limit'],
      ['a limit with a fraction', { limit: '1.5' }, 'query.limit'],
      ['a garbage cursor', { cursor: 'not-a-cursor!!' }, 'query.cursor'],
      ['a well-encoded cursor of the wrong shape', { cursor: Buffer.from('["x", 1]').toString('base64url') }, 'query.cursor'],
      ['an unknown parameter', { sort: 'name' }, 'query.sort'],
    ];
    for (const [what, query, path] of badQueries) {
      it(`answers 400 problem+json for ${what}`, async () => {
        const me = await aUser();
        const res = await (await api()).get('/workspaces').set(auth(me)).query(query);
        expectProblem(res, 400);
        expect(errorPaths(res)).to.include(path);
      });
    }
  });

  describe('GET /workspaces/:id', () => {
    it('shows a workspace to each of its members with their role', async () => {
      const { workspace, owner: ownerUser } = await aTenant();
      const guest = await aUser();
      await addWorkspaceMember(workspace.id, guest, 'guest');

      const asOwner = await (await api()).get(`/workspaces/${workspace.id}`).set(auth(ownerUser));
      const asGuest = await (await api()).get(`/workspaces/${workspace.id}`).set(auth(guest));

      expect(asOwner.status).to.equal(200);
      expect(asOwner.body).to.include({ id: workspace.id, role: 'owner', ownerId: ownerUser.id });
      expect(asGuest.status).to.equal(200);
      expect(asGuest.body.role).to.equal('guest');
    });

    it('answers 404, identical to an unknown id, for another tenant\'s workspace', async () => {
      const mine = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).get(`/workspaces/${theirs.workspace.id}`).set(auth(mine.owner));
      const unknown = await (await api()).get(`/workspaces/${randomId()}`).set(auth(mine.owner));

      expectSameNotFound(hidden, unknown);
    });

    it('answers 400 for an id that is not a uuid', async () => {
      const me = await aUser();
      const res = await (await api()).get('/workspaces/not-a-uuid').set(auth(me));
      expectProblem(res, 400);
      expect(errorPaths(res)).to.include('path.id');
    });
  });

  describe('PATCH /workspaces/:id', () => {
    it('lets owners and admins rename and re-slug it', async () => {
      const { workspace, owner: ownerUser } = await aTenant();
      const admin = await aUser();
      await addWorkspaceMember(workspace.id, admin, 'admin');
      const slug = slugOf();

      const byAdmin = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(admin)).send({ name: 'Renamed', slug });
      const byOwner = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(ownerUser)).send({ settings: { a: 1 } });

      expect(byAdmin.status).to.equal(200);
      expect(byAdmin.body).to.include({ name: 'Renamed', slug, role: 'admin' });
      expect(byOwner.status).to.equal(200);
      expect(byOwner.body).to.include({ name: 'Renamed', slug });
      expect(byOwner.body.settings).to.deep.equal({ a: 1 });
      expect(new Date(byOwner.body.updatedAt).getTime()).to.be.at.least(new Date(byOwner.body.createdAt).getTime());
    });

    for (const role of ['member', 'guest'] as const) {
      it(`answers 403 to a workspace ${role} and changes nothing`, async () => {
        const { workspace } = await aTenant();
        const user = await aUser();
        await addWorkspaceMember(workspace.id, user, role);

        const res = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(user)).send({ name: 'Mine now' });

        expectProblem(res, 403);
        expect(await count(`SELECT 1 FROM workspaces WHERE id = $1 AND name = $2`, [workspace.id, workspace.name])).to.equal(1);
      });
    }

    it('answers 404, identical to an unknown id, when another tenant tries to change it', async () => {
      const mine = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).patch(`/workspaces/${theirs.workspace.id}`).set(auth(mine.owner)).send({ name: 'Pwned' });
      const unknown = await (await api()).patch(`/workspaces/${randomId()}`).set(auth(mine.owner)).send({ name: 'Pwned' });

      expectSameNotFound(hidden, unknown);
      expect(await count(`SELECT 1 FROM workspaces WHERE name = 'Pwned'`)).to.equal(0);
    });

    it('answers 400 naming ownerId when a PATCH tries to move the owner', async () => {
      const { workspace, owner: ownerUser } = await aTenant();
      const thief = await aUser();

      const res = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(ownerUser)).send({ ownerId: thief.id });

      expectProblem(res, 400);
      expect(errorPaths(res)).to.deep.equal(['body.ownerId']);
      expect(await count(`SELECT 1 FROM workspaces WHERE id = $1 AND owner_id = $2`, [workspace.id, ownerUser.id])).to.equal(1);
    });

    it('answers 400 for an empty PATCH and for a bad slug', async () => {
      const { workspace, owner: ownerUser } = await aTenant();
      const empty = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(ownerUser)).send({});
      const badSlug = await (await api()).patch(`/workspaces/${workspace.id}`).set(auth(ownerUser)).send({ slug: 'UPPER' });
      expectProblem(empty, 400);
      expectProblem(badSlug, 400);
    });

    it('answers 409 when the new slug is another tenant\'s', async () => {
      const mine = await aTenant();
      const theirs = await aTenant();

      const res = await (await api()).patch(`/workspaces/${mine.workspace.id}`).set(auth(mine.owner)).send({ slug: theirs.workspace.slug });

      expectProblem(res, 409);
      expect(JSON.stringify(res.body)).not.to.include(theirs.owner.id);
      expect(await count(`SELECT 1 FROM workspaces WHERE id = $1 AND slug = $2`, [mine.workspace.id, mine.workspace.slug])).to.equal(1);
    });
  });

  describe('DELETE /workspaces/:id', () => {
    it('lets the owner delete the workspace with everything in it', async () => {
      const { workspace, owner: ownerUser, project } = await aTenant();
      const second = await aProject(workspace.id, ownerUser);
      await aTask(second, ownerUser);

      const res = await (await api()).delete(`/workspaces/${workspace.id}`).set(auth(ownerUser));

      expect(res.status).to.equal(204);
      expect(res.text).to.equal('');
      expect(await count(`SELECT 1 FROM workspaces WHERE id = $1`, [workspace.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM projects WHERE id = ANY($1)`, [[project.id, second.id]])).to.equal(0);
      expect(await count(`SELECT 1 FROM tasks WHERE workspace_id = $1`, [workspace.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM workspace_members WHERE workspace_id = $1`, [workspace.id])).to.equal(0);
    });

    it('deletes a workspace whose projects belong to other members, with their tasks and members', async () => {
      const { workspace, owner: ownerUser, member, viewer } = await aTenant();
      const theirs = await aProject(workspace.id, member, { visibility: 'internal' });
      await aTask(theirs, member);
      await addWorkspaceMember(workspace.id, viewer, 'admin');

      const res = await (await api()).delete(`/workspaces/${workspace.id}`).set(auth(ownerUser));

      expect(res.status, JSON.stringify(res.body)).to.equal(204);
      expect(await count(`SELECT 1 FROM projects WHERE workspace_id = $1`, [workspace.id])).to.equal(0);
      expect(await count(`SELECT 1 FROM project_members WHERE workspace_id = $1`, [workspace.id])).to.equal(0);
    });

    for (const role of ['admin', 'member', 'guest'] as const) {
      it(`answers 403 to a workspace ${role} and deletes nothing`, async () => {
        const { workspace } = await aTenant();
        const user = await aUser();
        await addWorkspaceMember(workspace.id, user, role);

        const res = await (await api()).delete(`/workspaces/${workspace.id}`).set(auth(user));

        expectProblem(res, 403);
        expect(await count(`SELECT 1 FROM workspaces WHERE id = $1`, [workspace.id])).to.equal(1);
      });
    }

    it('answers 404, identical to an unknown id, when another tenant tries to delete it', async () => {
      const mine = await aTenant();
      const theirs = await aTenant();

      const hidden = await (await api()).delete(`/workspaces/${theirs.workspace.id}`).set(auth(mine.owner));
      const unknown = await (await api()).delete(`/workspaces/${randomId()}`).set(auth(mine.owner));

      expectSameNotFound(hidden, unknown);
      expect(await count(`SELECT 1 FROM workspaces WHERE id = $1`, [theirs.workspace.id])).to.equal(1);
    });
  });
});
