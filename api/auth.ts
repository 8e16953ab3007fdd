import type { Request } from 'express';
import type { ApiToken, User } from '../generated/prisma-sqlite/client';
import type { Principal, Role } from '../domain/access';
import { displayNameFromClaims, groupsFromClaims, roleFromClaims, type ClaimMapping } from '../domain/identity';
import { parseIsoDuration } from '../domain/duration';
import { findTokenByValue, groupsOf, normaliseEmail, principalOf, ssoUser, touchToken, userWithGroups } from '../db/people-store';
import { looksLikeJwt, parseTokenHashKey, tokenPrefixOf } from '../infra/tokens';
import { FailureLimiter } from './auth-limiter';
import { HttpError, forbidden, unauthorized, unavailable } from './errors';
import { InvalidJwt, IssuerUnavailable, OidcVerifier } from './oidc';
import type { ApiDeps } from './route';

/** How a request authenticated: `/me` shows it, and the request log names the user. */
export interface Authenticated {
  principal: Principal;
  user: User;
  method: 'token' | 'oidc';
  token: ApiToken | null;
}

const authenticated = new WeakMap<Request, Authenticated>();
export const authenticationOf = (req: Request): Authenticated | undefined => authenticated.get(req);

export interface Authenticator {
  authenticate(req: Request): Promise<Principal>;
  readonly limiter: FailureLimiter;
}

/**
 * Bearer authentication, built once per app: personal API tokens (looked up by their keyed
 * hash), and, when OIDC_ISSUER is set, JWTs from that issuer. Failed attempts count against
 * the client address and the token's prefix; past AUTH_FAILURE_LIMIT per window, 429.
 */
export function createAuthenticator(deps: ApiDeps): Authenticator {
  const { db, env } = deps;
  const key = parseTokenHashKey(env.TOKEN_HASH_KEY, env.NODE_ENV);
  const limiter = new FailureLimiter(env.AUTH_FAILURE_LIMIT ?? 20, parseIsoDuration(env.AUTH_FAILURE_WINDOW ?? 'PT1M'));
  const oidc = env.OIDC_ISSUER && env.OIDC_AUDIENCE ? new OidcVerifier({ issuer: env.OIDC_ISSUER, audience: env.OIDC_AUDIENCE, jwksUri: env.OIDC_JWKS_URI }) : null;
  const mapping: ClaimMapping = {
    roleClaim: env.OIDC_ROLE_CLAIM,
    roleMap: env.OIDC_ROLE_MAP as Record<string, Role> | undefined,
    defaultRole: env.OIDC_DEFAULT_ROLE ?? 'requester',
    groupsClaim: env.OIDC_GROUPS_CLAIM,
    groupMap: env.OIDC_GROUP_MAP,
  };

  async function byApiToken(token: string): Promise<Authenticated> {
    const row = await findTokenByValue(db, key, token);
    if (!row) throw unauthorized('unknown token', true);
    if (row.revokedAt) throw unauthorized('the token has been revoked', true);
    const now = new Date();
    if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) throw unauthorized('the token has expired', true);
    const { user, groups } = await userWithGroups(db, row.userId);
    if (!user || !user.active) throw unauthorized('the token belongs to a deactivated user', true);
    await touchToken(db, row, now);
    return { principal: principalOf(user, groups), user, method: 'token', token: row };
  }

  async function byJwt(verifier: OidcVerifier, token: string): Promise<Authenticated> {
    let claims: Awaited<ReturnType<OidcVerifier['verify']>>;
    try {
      claims = await verifier.verify(token);
    } catch (e) {
      if (e instanceof InvalidJwt) throw unauthorized(e.message, true);
      if (e instanceof IssuerUnavailable) {
        deps.log.warn('oidc issuer unavailable', { error: e.message });
        throw unavailable('the identity provider could not be reached to check the token; retry later');
      }
      throw e;
    }
    const email = typeof claims.email === 'string' && claims.email_verified !== false && claims.email.includes('@') ? normaliseEmail(claims.email) : null;
    const user = await ssoUser(db, {
      externalId: `${claims.iss}#${claims.sub}`,
      name: displayNameFromClaims(claims, claims.sub),
      email,
      role: mapping.roleClaim ? (roleFromClaims(claims, mapping) ?? mapping.defaultRole) : null,
      groups: groupsFromClaims(claims, mapping),
      defaultRole: mapping.defaultRole,
    });
    if (!user.active) throw unauthorized('the user is deactivated', true);
    return { principal: principalOf(user, await groupsOf(db, user.id)), user, method: 'oidc', token: null };
  }

  return {
    limiter,
    async authenticate(req) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(req.header('authorization') ?? '');
      // No credentials guess nothing: a plain 401, not counted.
      if (!match) throw unauthorized('missing or malformed Authorization header (expected: Bearer <token>)');
      const token = match[1];
      const prefix = tokenPrefixOf(token);
      const keys = [`address:${req.ip ?? req.socket.remoteAddress ?? 'unknown'}`, ...(prefix ? [`prefix:${prefix}`] : [])];
      const wait = Math.max(...keys.map((k) => limiter.retryAfter(k)));
      if (wait > 0) {
        throw new HttpError(429, 'Too many requests', `too many failed authentications from this address or for this token; retry in ${wait} s`, undefined, { 'retry-after': String(wait) });
      }
      try {
        const result = oidc && looksLikeJwt(token) ? await byJwt(oidc, token) : await byApiToken(token);
        authenticated.set(req, result);
        return result.principal;
      } catch (e) {
        if (e instanceof HttpError && e.status === 401) for (const k of keys) limiter.fail(k);
        throw e;
      }
    },
  };
}

export function authorize(principal: Principal, allowed: readonly Role[] | 'any', action: string): void {
  if (allowed === 'any' || allowed.includes(principal.role)) return;
  throw forbidden(`role '${principal.role}' may not ${action} (allowed: ${allowed.join(', ')})`);
}
