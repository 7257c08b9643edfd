import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Response } from 'supertest';
import { owner } from './db';

/**
 * Helpers for the workspace, project and activity tests: problem+json assertions and
 * counting rows as the owner role (to prove nothing was written).
 */
export const randomId = (): string => randomUUID();

/** The response is an RFC 9457 problem with this status; returns its body. */
export function expectProblem(res: Response, status: number): Record<string, unknown> {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status });
  expect(res.body.type).to.be.a('string');
  expect(res.body.title).to.be.a('string');
  expect(res.body.detail).to.be.a('string');
  return res.body;
}

/** Two 404s must not differ but for `instance` (the path asked for). */
export function expectSameNotFound(hidden: Response, unknown: Response): void {
  const a = expectProblem(hidden, 404);
  const b = expectProblem(unknown, 404);
  const { instance: _a, ...restA } = a;
  const { instance: _b, ...restB } = b;
  expect(restA).to.deep.equal(restB);
}

/** The paths named by a validation problem's errors. */
export function errorPaths(res: Response): string[] {
  return ((res.body.errors ?? []) as Array<{ path: string }>).map((e) => e.path);
}

export async function count(sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await owner().query(`SELECT count(*)::int AS n FROM (${sql}) AS counted`, params);
  return rows[0].n as number;
}

/** Follows nextCursor to the end, returning every page. */
export async function allPages<T>(fetchPage: (cursor?: string) => Promise<Response>): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | undefined;
  for (let i = 0; i < 100; i += 1) {
    const res = await fetchPage(cursor);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    pages.push(res.body.data as T[]);
    if (res.body.nextCursor === null) return pages;
    expect(res.body.nextCursor).to.be.a('string');
    cursor = res.body.nextCursor as string;
  }
  throw new Error('pagination did not end');
}
