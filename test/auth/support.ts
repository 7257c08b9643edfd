import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { Express } from 'express';
import supertest, { type Response } from 'supertest';
import { expect } from 'chai';
import type { TestUser } from '../support/factories';

/** Helpers for the identity tests: cookie logins, cookie reading, a throwaway Redis. */
export type Agent = ReturnType<typeof supertest.agent>;

export interface CookieLogin {
  agent: Agent;
  csrfToken: string;
  sid: string;
  response: Response;
}

/** Logs `user` in on a fresh cookie jar (or the one given) and checks it worked. */
export async function logInWithCookie(app: Express, user: Pick<TestUser, 'email' | 'password'>, agent: Agent = supertest.agent(app), headers: Record<string, string> = {}): Promise<CookieLogin> {
  const response = await agent.post('/auth/login').set(headers).send({ email: user.email, password: user.password });
  expect(response.status, JSON.stringify(response.body)).to.equal(200);
  return { agent, csrfToken: response.body.csrfToken, sid: cookieValue(response, 'sid')!, response };
}

/** The raw value of a Set-Cookie header's cookie, or undefined. */
export function setCookieHeader(res: Response, name: string): string | undefined {
  const header = res.headers['set-cookie'] as unknown as string[] | undefined;
  return header?.find((line) => line.startsWith(`${name}=`));
}

export function cookieValue(res: Response, name: string): string | undefined {
  return setCookieHeader(res, name)?.split(';')[0].slice(name.length + 1);
}

/** The session id inside a signed `sid` cookie value (s:<id>.<signature>). */
export function sessionIdOf(cookie: string): string {
  return decodeURIComponent(cookie).replace(/^s:/, '').replace(/\.[^.]*$/, '');
}

export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A client address of its own, for apps that trust X-Forwarded-For: rate-limit keys never collide. */
export function uniqueIp(): string {
  const [a, b, c] = randomBytes(3);
  return `10.${a}.${b}.${Math.max(1, c)}`;
}

export function uniqueEmail(): string {
  return `auth-${randomBytes(6).toString('hex')}@example.test`;
}

export function expectProblem(res: Response, status: number): void {
  expect(res.status, JSON.stringify(res.body)).to.equal(status);
  expect(res.headers['content-type']).to.match(/^application\/problem\+json/);
  expect(res.body).to.include({ status });
  expect(res.body.title).to.be.a('string');
  expect(res.body.detail).to.be.a('string');
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A redis-server of this test's own (never the shared one), to stop and start at will. */
export class ThrowawayRedis {
  private process: ChildProcess | undefined;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async create(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.start();
    return redis;
  }

  async start(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'ignore'] });
    this.process = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start')), 5_000);
      child.stdout!.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code})`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null) return;
    this.process = undefined;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let loginApp: Promise<import('../support/app').TestApp> | undefined;
/**
 * An app that trusts X-Forwarded-For, so each test that fails logins on purpose does it from
 * an address of its own (uniqueIp()) and never trips the shared app's per-IP limit.
 */
export async function appBehindProxy() {
  const { startTestApp } = await import('../support/app');
  loginApp ??= startTestApp({ trustProxy: true });
  return loginApp;
}
