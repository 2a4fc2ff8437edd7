import { TenantlinkError } from '../errors.js';

/** The claims of an access token worth showing a person; the token itself is never shown. */
export interface AccessTokenClaims {
  /** Audience: `https://graph.microsoft.com` (app-only) or Graph's app ID (delegated). */
  aud?: string;
  iss?: string;
  tid?: string;
  appid?: string;
  app_displayname?: string;
  /** `app` for app-only tokens, `user` for delegated ones. */
  idtyp?: string;
  /** Application permissions granted (app-only). */
  roles?: string[];
  /** Delegated permissions, space-separated. */
  scp?: string;
  upn?: string;
  oid?: string;
  iat?: number;
  nbf?: number;
  exp?: number;
  [claim: string]: unknown;
}

/**
 * Decodes an access token's payload for display (`tenantlink token`). It does NOT verify the signature: Graph tokens
 * are opaque to clients and Microsoft's carry a `nonce` header that makes them unverifiable by anyone but Graph.
 */
export function decodeAccessTokenClaims(token: string): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts[1])
    throw new TenantlinkError('TOKEN_NOT_A_JWT', 'The access token is not a JWT (three dot-separated parts).');
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) throw new Error('not an object');
    return claims as AccessTokenClaims;
  } catch {
    throw new TenantlinkError('TOKEN_NOT_A_JWT', "The access token's payload is not JSON.");
  }
}

/** The permissions a token carries, whichever kind it is: `roles` for app-only, `scp` for delegated. */
export function grantedPermissions(claims: AccessTokenClaims): string[] {
  if (Array.isArray(claims.roles)) return [...claims.roles].sort();
  if (typeof claims.scp === 'string') return claims.scp.split(' ').filter(Boolean).sort();
  return [];
}

/** A display-safe summary: who the token is for, what it grants, and when it expires. */
export function describeAccessToken(token: string): {
  tenantId: string | undefined;
  appId: string | undefined;
  kind: 'app-only' | 'delegated' | 'unknown';
  permissions: string[];
  expiresOn: Date | undefined;
  claims: AccessTokenClaims;
} {
  const claims = decodeAccessTokenClaims(token);
  const kind =
    claims.idtyp === 'app' || Array.isArray(claims.roles) ? 'app-only' : claims.scp ? 'delegated' : 'unknown';
  return {
    tenantId: claims.tid,
    appId: claims.appid ?? (claims['azp'] as string | undefined),
    kind,
    permissions: grantedPermissions(claims),
    expiresOn: typeof claims.exp === 'number' ? new Date(claims.exp * 1000) : undefined,
    claims,
  };
}
