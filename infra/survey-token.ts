import { createHash, createHmac } from 'node:crypto';
import { parseTokenHashKey } from './tokens';

/**
 * A survey's one-time link: the token is an HMAC of the survey's id under the server key
 * (TOKEN_HASH_KEY, the dev key outside production), so no one without the key can make one, and a
 * retried write makes the same one. Only its SHA-256 is stored: answering looks the survey up by
 * that digest and needs no key, and a copy of the database gives no working link.
 */
export function surveyToken(surveyId: string, key: Buffer = parseTokenHashKey(process.env.TOKEN_HASH_KEY, process.env.NODE_ENV)): string {
  return createHmac('sha256', key).update(`survey:${surveyId}`, 'utf8').digest('base64url');
}

export const surveyTokenDigest = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');
