import { expect } from 'chai';
import { api } from '../support/app';

const ROUTES: Record<string, string[]> = {
  '/workspaces': ['get', 'post'],
  '/workspaces/{id}': ['get', 'patch', 'delete'],
  '/workspaces/{id}/members': ['get', 'post'],
  '/workspaces/{id}/members/{userId}': ['patch', 'delete'],
  '/projects': ['get', 'post'],
  '/projects/{id}': ['get', 'patch', 'delete'],
  '/projects/{id}/archive': ['post'],
  '/projects/{id}/restore': ['post'],
  '/projects/{id}/members': ['get', 'post'],
  '/projects/{id}/members/{userId}': ['patch', 'delete'],
  '/projects/{id}/activity': ['get'],
};

describe('the OpenAPI document for workspaces, projects and activity', () => {
  it('documents every route with the request schemas it validates with', async () => {
    const res = await (await api()).get('/openapi.json');

    expect(res.status).to.equal(200);
    for (const [path, methods] of Object.entries(ROUTES)) {
      expect(res.body.paths, path).to.have.property(path);
      expect(Object.keys(res.body.paths[path]), path).to.include.members(methods);
    }
    const listProjects = res.body.paths['/projects'].get;
    expect(listProjects.parameters.map((p: { name: string }) => p.name)).to.include.members(['workspaceId', 'status', 'visibility', 'q', 'limit', 'cursor']);
    expect(res.body.components.schemas.UpdateProject.properties).to.have.all.keys('name', 'description', 'status', 'visibility', 'settings');
    expect(res.body.components.schemas.UpdateProject.additionalProperties).to.equal(false);
    expect(res.body.components.schemas.Workspace.properties).to.include.keys('id', 'slug', 'ownerId', 'role');
  });
});

describe('the OpenAPI document: who may call what', () => {
  type Operation = { security?: Array<Record<string, string[]>>; parameters?: Array<{ in: string; name: string }> };
  const operations = async () => {
    const { body } = await (await api()).get('/openapi.json');
    return Object.entries(body.paths as Record<string, Record<string, Operation>>)
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, operation]) => ({ route: `${method.toUpperCase()} ${path}`, method, operation })));
  };

  it('declares the CSRF header on every unsafe operation a session may call', async () => {
    const unsafe = (await operations()).filter(({ method, operation }) =>
      method !== 'get' && operation.security?.some((scheme) => 'session' in scheme));
    expect(unsafe.length).to.be.greaterThan(30);
    const without = unsafe.filter(({ operation }) => !operation.parameters?.some((p) => p.in === 'header' && p.name === 'x-csrf-token'));
    expect(without.map(({ route }) => route)).to.deep.equal([]);
  });

  it('declares anonymous access exactly on the reads a public project opens to everyone', async () => {
    const anonymous = (await operations()).filter(({ operation }) => operation.security?.some((scheme) => Object.keys(scheme).length === 0));
    expect(anonymous.map(({ route }) => route)).to.have.members([
      'GET /projects/{id}', 'GET /projects/{id}/tasks', 'GET /tasks/{id}', 'GET /tasks/{id}/subtasks', 'GET /tasks/{id}/dependencies',
      'GET /projects/{id}/documents', 'GET /documents/{id}', 'GET /documents/{id}/versions', 'GET /documents/{id}/versions/{number}',
      'GET /attachments/{id}', 'GET /attachments/{id}/content',
    ]);
  });
});

describe('the OpenAPI document: schemas', () => {
  it('publishes every pattern as a plain regular expression that its examples match', async () => {
    const { body } = await (await api()).get('/openapi.json');
    const patterns: string[] = [];
    JSON.stringify(body, (key, value) => {
      if (key === 'pattern' && typeof value === 'string') patterns.push(value);
      return value;
    });
    expect(patterns.length).to.be.greaterThan(0);
    for (const pattern of patterns) {
      expect(pattern, 'a flag written out as text').to.not.match(/\/[a-z]+$/);
      expect(() => new RegExp(pattern), pattern).to.not.throw();
    }
    const contentType = new RegExp(body.components.schemas.CreateDocument.properties.contentType.pattern);
    expect(['markdown', 'text/html', 'HTML'].every((value) => contentType.test(value))).to.equal(true);
  });
});
