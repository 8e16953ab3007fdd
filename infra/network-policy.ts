import { lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { BLOCKED_PREFIX } from '../domain/webhook-delivery';

/**
 * Where outbound webhooks may not go unless explicitly allowed (`WEBHOOK_ALLOW_PRIVATE`):
 * loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT,
 * unspecified, benchmarking, multicast and reserved ranges, in IPv4 and IPv6 — otherwise a
 * webhook is a way to make the server call into its own network.
 */
const PRIVATE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
  ['2001:db8::', 32],
] as const) {
  PRIVATE.addSubnet(net, bits, 'ipv6');
}

/** True for an address a webhook may not reach by default; IPv4-mapped IPv6 is judged as its IPv4. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family === 6) return PRIVATE.check(address, 'ipv6');
  return true; // not an address at all: refuse rather than guess
}

/**
 * Why a webhook URL may not be subscribed, judged from the URL alone (a literal private
 * address or a local name); hostnames are judged again on every delivery, at connect time.
 */
export function refusedWebhookTarget(url: URL): string | null {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return `${host} is a local name`;
  if (isIP(host) && isPrivateAddress(host)) return `${host} is a private, loopback or link-local address`;
  return null;
}

/** A URL as it may be shown: credentials in it are replaced by `***`. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!url.username && !url.password) return raw;
    url.username = '***';
    url.password = '';
    return url.toString();
  } catch {
    return raw;
  }
}

/** A connection refused by the policy: not an outage, so not worth retrying. */
/** A target refused by policy; its message starts with BLOCKED_PREFIX, which listings rely on. */
export class BlockedTarget extends Error {
  constructor(reason: string) {
    super(`${BLOCKED_PREFIX} ${reason}`);
  }
}

/**
 * A `lookup` for http(s) requests that judges the address the resolver answered, where the
 * connection is made (so a name that rebinds to a private address is refused too).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: false }, (err, address, family) => {
      if (err) return callback(err, '', 0);
      if (!allowPrivate && isPrivateAddress(address as string)) return callback(new BlockedTarget(`${hostname} resolves to ${address}, a private, loopback or link-local address`), '', 0);
      callback(null, address as string, family as number);
    });
  };
}

/** Why a URL's literal host may not be reached (checked before connecting), or null. */
export function blockedLiteral(url: URL, allowPrivate: boolean): string | null {
  const literal = url.hostname.replace(/^\[|\]$/g, '');
  return !allowPrivate && isIP(literal) && isPrivateAddress(literal) ? `${literal} is a private, loopback or link-local address` : null;
}
