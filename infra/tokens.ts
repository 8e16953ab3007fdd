import { createHash } from 'node:crypto';

/** Tokens are stored only as SHA-256 digests: a leaked database leaks no credentials. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
