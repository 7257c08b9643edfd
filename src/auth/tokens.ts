import { createHash, randomBytes } from 'node:crypto';

/** API tokens: shown once, stored as a SHA-256 (a token is random, so no slow hash is needed). */
export function newApiToken(): { token: string; hash: string; prefix: string } {
  const token = `pm_${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashToken(token), prefix: token.slice(0, 10) };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
