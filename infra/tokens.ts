import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Personal API tokens: `itsm_<prefix>_<secret>`, a 12-hex-digit prefix that names the token
 * (in lists, logs and the per-token failure limit) and 32 random bytes of secret (base64url).
 *
 * Stored as HMAC-SHA256 under a server key (TOKEN_HASH_KEY), never as the token. Why a keyed
 * hash and not a salted slow one (scrypt, argon2): every request verifies a token, and a slow
 * hash would cost tens of milliseconds of CPU per request (a denial-of-service lever) or a
 * cache that delays revocation. Slow hashing protects low-entropy secrets such as passwords;
 * these secrets are 256 random bits, which no one enumerates. The key is what plain SHA-256
 * lacks: a copy of the database alone cannot even test a guess (the dev-<role> tokens and
 * operator-chosen bootstrap tokens are guessable; under a production key their digests are
 * useless without the key). The digest is deterministic under the key, so it is looked up
 * directly through a unique index: one indexed read per request, no per-token salt to fetch.
 */
export const TOKEN_PATTERN = /^itsm_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

/** Tokens the API generates. */
export function generateToken(): { token: string; prefix: string } {
  const prefix = randomBytes(6).toString('hex');
  return { token: `itsm_${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** The prefix of a token in the API's format, else null (a dev token, a chosen bootstrap token, a JWT). */
export function tokenPrefixOf(token: string): string | null {
  return TOKEN_PATTERN.exec(token)?.[1] ?? null;
}

/** The stored digest: hex HMAC-SHA256 of the whole token under the server key. */
export function hashToken(token: string, key: Buffer): string {
  return createHmac('sha256', key).update(token, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameDigest(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/**
 * The key every process that hashes tokens must share (the API and `npm run admin`). Outside
 * production an unset key falls back to a fixed development key, so the seeded dev-<role>
 * tokens work with no configuration; production refuses to run without one.
 */
export const DEV_TOKEN_HASH_KEY = Buffer.from('itsm development token key: not for production use!', 'utf8');

export class TokenKeyMissing extends Error {}

export function parseTokenHashKey(base64: string | undefined, nodeEnv: string | undefined): Buffer {
  if (!base64) {
    if (nodeEnv === 'production') throw new TokenKeyMissing('TOKEN_HASH_KEY must be set in production (32 random bytes, base64: openssl rand -base64 32)');
    return DEV_TOKEN_HASH_KEY;
  }
  const key = Buffer.from(base64, 'base64');
  if (key.length < 32) throw new TokenKeyMissing('TOKEN_HASH_KEY must be at least 32 bytes, base64-encoded (openssl rand -base64 32)');
  return key;
}

/** Bearer values that are JWTs (three base64url parts) rather than API tokens. */
export function looksLikeJwt(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}
