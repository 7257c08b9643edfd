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
