import { expect } from 'chai';
import { api } from '../support/app';
import { aTenant, aUser, auth } from '../support/factories';

describe('the test harness', () => {
  it('serves /health through the real app', async () => {
    const res = await (await api()).get('/health');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ok' });
  });

  it('reports ready when PostgreSQL (through pgBouncer) and Redis answer', async () => {
    const res = await (await api()).get('/ready');
    expect(res.status).to.equal(200);
  });

  it('builds a tenant and authenticates its users with bearer tokens', async () => {
    const { owner } = await aTenant();
    const res = await (await api()).get('/no-such-route').set(auth(owner));
    expect(res.status).to.equal(404);
    expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  });

  it('answers 401 for a bearer token that does not exist', async () => {
    await aUser();
    const res = await (await api()).get('/no-such-route').set('Authorization', 'Bearer pm_nonexistenttoken123');
    expect(res.status).to.equal(401);
  });
});
