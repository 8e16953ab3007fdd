import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Time-ordered opaque ids (48-bit ms timestamp + 80 random bits, Crockford base32), so
 * ordering by id is ordering by creation and cursors stay stable under concurrent inserts.
 */
export function newId(prefix: string, now = Date.now()): string {
  let t = now;
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  const bytes = randomBytes(10);
  let rand = '';
  for (let i = 0; i < 16; i++) rand += ALPHABET[bytes[Math.floor((i * 10) / 16)] % 32];
  return `${prefix}_${time}${rand}`;
}
