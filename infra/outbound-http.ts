import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockedTarget, blockedLiteral, guardedLookup } from './network-policy';

export interface OutboundOptions {
  method: 'GET' | 'POST';
  headers?: Record<string, string | number>;
  body?: string;
  /** Socket idle limit: the request fails when nothing moves for this long. */
  timeoutMs: number;
  /** Loopback, private and link-local targets too (dev stack and tests only). */
  allowPrivate: boolean;
  signal?: AbortSignal;
}

/**
 * Every request this product makes to an address someone else chose (webhook receivers,
 * artifact sources, health URLs): the address judged where the connection is made (the
 * resolver's answer, so a name that rebinds to a private address is refused too; a literal
 * before connecting), and no redirects followed (a 3xx is an answer, not an instruction).
 * A refused target rejects with BlockedTarget, which callers treat as final, not an outage.
 */
export function outboundRequest(url: URL, o: OutboundOptions): Promise<IncomingMessage> {
  const blocked = blockedLiteral(url, o.allowPrivate);
  if (blocked) return Promise.reject(new BlockedTarget(blocked));
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = o.body === undefined ? o.headers : { ...o.headers, 'content-length': Buffer.byteLength(o.body) };
  return new Promise((resolve, reject) => {
    const req = send(url, { method: o.method, headers, lookup: guardedLookup(o.allowPrivate), timeout: o.timeoutMs, ...(o.signal ? { signal: o.signal } : {}) }, resolve);
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A request whose answer's body is not kept: only its status matters. */
export async function outboundStatus(url: URL, o: OutboundOptions): Promise<number> {
  const res = await outboundRequest(url, o);
  return new Promise((resolve, reject) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode ?? 0));
    res.on('error', reject);
  });
}
