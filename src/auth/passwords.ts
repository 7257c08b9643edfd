import { randomBytes } from 'node:crypto';
import { Algorithm, hash, verify } from '@node-rs/argon2';

/**
 * Password hashing: argon2id with OWASP's parameters (19 MiB, 2 passes, 1 lane). The native
 * binding hashes on libuv's thread pool, so a login never blocks the event loop.
 */
const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// A hash of nothing anyone knows: an unknown email costs the same verify as a known one.
let dummyHash: Promise<string> | undefined;
export function warmUpDummyHash(): void {
  dummyHash ??= hashPassword(randomBytes(32).toString('hex'));
}

/** True when `password` matches `stored`; with no stored hash, still pays for one verify. */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  warmUpDummyHash();
  const target = stored ?? (await dummyHash!);
  try {
    const matches = await verify(target, password);
    return stored !== null && matches;
  } catch {
    // A hash this library cannot read (corrupt, or another scheme) never lets anyone in.
    return false;
  }
}
