import { ulid } from 'ulid';

/**
 * Time-ordered opaque ids: a ULID (48-bit millisecond timestamp + 80 random bits, Crockford
 * base32) from the maintained `ulid` package, lower-cased behind a type prefix. Ordering by id
 * is ordering by creation, so cursors stay stable under concurrent inserts. Ids made before
 * this used the same layout and alphabet (with fewer random bits), so old and new sort together.
 */
export function newId(prefix: string, now = Date.now()): string {
  return `${prefix}_${ulid(now).toLowerCase()}`;
}
