import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';

/**
 * Bearer JWTs from one OpenID Connect issuer, verified with `jose`: signature against the
 * issuer's JWKS (found through discovery unless OIDC_JWKS_URI names it; fetched lazily,
 * cached for ten minutes and re-fetched when a token names an unknown key id), issuer,
 * audience, expiry and not-before (30 s of clock skew), asymmetric algorithms only.
 */
export interface OidcSettings {
  issuer: string;
  audience: string;
  jwksUri?: string;
}

/** The token is not valid (401). */
export class InvalidJwt extends Error {}
/** The issuer could not be reached to check it (503: the token may be fine). */
export class IssuerUnavailable extends Error {}

const ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
const FETCH_TIMEOUT_MS = 5_000;

export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private pending: Promise<ReturnType<typeof createRemoteJWKSet>> | undefined;

  constructor(readonly settings: OidcSettings) {}

  async verify(token: string): Promise<JWTPayload & { iss: string; sub: string }> {
    const jwks = await this.keySet();
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
        clockTolerance: 30,
        requiredClaims: ['sub', 'exp'],
      });
      return payload as JWTPayload & { iss: string; sub: string };
    } catch (e) {
      throw classify(e);
    }
  }

  private async keySet(): Promise<ReturnType<typeof createRemoteJWKSet>> {
    if (this.jwks) return this.jwks;
    this.pending ??= this.discover().then(
      (uri) => createRemoteJWKSet(new URL(uri), { timeoutDuration: FETCH_TIMEOUT_MS, cooldownDuration: 30_000, cacheMaxAge: 600_000 }),
      (e) => {
        this.pending = undefined; // try discovery again on the next token
        throw e;
      },
    );
    this.jwks = await this.pending;
    return this.jwks;
  }

  private async discover(): Promise<string> {
    if (this.settings.jwksUri) return this.settings.jwksUri;
    const url = `${this.settings.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let doc: { issuer?: unknown; jwks_uri?: unknown };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS), headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      doc = (await res.json()) as typeof doc;
    } catch (e) {
      throw new IssuerUnavailable(`OIDC discovery at ${url} failed: ${(e as Error).message}`);
    }
    if (doc.issuer !== this.settings.issuer) throw new IssuerUnavailable(`OIDC discovery at ${url} names issuer ${String(doc.issuer)}, not OIDC_ISSUER ${this.settings.issuer}`);
    if (typeof doc.jwks_uri !== 'string') throw new IssuerUnavailable(`OIDC discovery at ${url} has no jwks_uri`);
    return doc.jwks_uri;
  }
}

/** Failures to fetch keys are the issuer's (503); everything else about the token is the caller's (401). */
function classify(e: unknown): Error {
  if (e instanceof errors.JWKSTimeout || e instanceof errors.JWKSInvalid) return new IssuerUnavailable(`the issuer's key set could not be fetched: ${(e as Error).message}`);
  if (e instanceof errors.JWTExpired) return new InvalidJwt('the token has expired');
  if (e instanceof errors.JWTClaimValidationFailed) return new InvalidJwt(`the token's ${e.claim} claim is not accepted (${e.reason})`);
  if (e instanceof errors.JWSSignatureVerificationFailed) return new InvalidJwt('the token signature does not verify');
  if (e instanceof errors.JWKSNoMatchingKey) return new InvalidJwt('the token is not signed with a key of the issuer');
  if (e instanceof errors.JOSEAlgNotAllowed || e instanceof errors.JOSENotSupported) return new InvalidJwt('the token uses an algorithm that is not accepted');
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return new InvalidJwt('the token is not a valid signed JWT');
  // Anything else (a network failure fetching the JWKS, a non-200 answer) is the issuer's.
  return new IssuerUnavailable(`the token could not be checked: ${(e as Error).message}`);
}
