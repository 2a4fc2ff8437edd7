import { randomBytes } from 'node:crypto';
import { CryptoProvider } from '@azure/msal-node';
import type { AuthCloud } from '../auth/authority.js';
import { delegatedClient, takeRefreshToken } from '../auth/delegated-client.js';
import { toTokenError } from '../auth/token-errors.js';
import { requiredPermissions } from '../catalogue/permissions.js';
import type { Feature } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';

/** Customers sign in from their own tenants: the multi-tenant endpoint for work and school accounts. */
export const ORGANIZATIONS = 'organizations';

/** The vendor's web app (a confidential client) that users sign in to. */
export interface WebSignInApp {
  cloud: AuthCloud;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** What the callback needs to redeem the code; kept encrypted in the flow until then. */
export interface AuthCodeSecrets {
  verifier: string;
  nonce: string;
}

export interface SignedIn {
  tenantId: string;
  username: string;
  /** The user's object ID in their home tenant. */
  userId: string;
  refreshToken: string;
}

const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access']);

/**
 * The delegated scopes to ask for: the catalogue's delegated permissions for the features. MSAL adds openid, profile
 * and offline_access (the refresh token) itself.
 */
export function delegatedScopes(features: readonly Feature[]): string[] {
  return requiredPermissions(features, 'delegated')
    .permissions.map((p) => p.permission)
    .filter((p) => !OIDC_SCOPES.has(p));
}

/** How a sign-in leg asks: which tenant's authority, whether silently, and for which scopes. */
export interface SignInRequest {
  state: string;
  /** Delegated permissions beyond the OpenID ones; none proves who signed in and nothing else. */
  scopes: string[];
  /** The authority's tenant segment: `organizations` (default), or the tenant that just consented. */
  tenant?: string;
  /** `none`: silently, with the session Microsoft already has; `select_account` (default): let the person choose. */
  prompt?: 'none' | 'select_account';
  /**
   * Ask for `openid profile` only. MSAL always adds `offline_access`, which would need a consent of its own (and
   * leave a grant behind) when all that is wanted is the signed-in tenant.
   */
  openIdOnly?: boolean;
}

/** The sign-in URL (MSAL's), with PKCE (S256) and a nonce; returns the secrets the callback needs. */
export async function authCodeUrl(
  app: WebSignInApp,
  request: SignInRequest,
): Promise<{ url: string; secrets: AuthCodeSecrets }> {
  const tenant = request.tenant ?? ORGANIZATIONS;
  const client = delegatedClient({
    cloud: app.cloud,
    tenant,
    clientId: app.clientId,
    credential: { clientSecret: app.clientSecret },
  });
  const pkce = await new CryptoProvider().generatePkceCodes();
  const nonce = randomBytes(16).toString('base64url');
  client.network.resetFailures();
  try {
    const url = new URL(
      await client.app.getAuthCodeUrl({
        scopes: request.scopes,
        redirectUri: app.redirectUri,
        state: request.state,
        nonce,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
        prompt: request.prompt ?? 'select_account',
      }),
    );
    if (request.openIdOnly) url.searchParams.set('scope', 'openid profile');
    return { url: url.toString(), secrets: { verifier: pkce.verifier, nonce } };
  } catch (err) {
    throw toTokenError(err, { tenant, clientId: app.clientId, wire: client.network.failures });
  }
}

/**
 * Redeems a sign-in's code (MSAL, with the PKCE verifier and nonce) for a delegated connection: who signed in, and
 * the refresh token, taken out of MSAL's cache.
 */
export async function redeemAuthCode(
  app: WebSignInApp,
  request: { code: string; scopes: string[]; secrets: AuthCodeSecrets },
): Promise<SignedIn> {
  const { account, refreshToken } = await redeem(app, request);
  if (!refreshToken)
    throw new TenantlinkError('REFRESH_TOKEN_MISSING', 'The sign-in gave no refresh token (offline_access).', {
      diagnosis: {
        meaning: 'Without a refresh token tenantlink cannot keep access after the first hour.',
        fix: 'Allow offline_access ("Maintain access to data you have given it access to") when consenting, then sign in again.',
      },
    });
  return { ...account, refreshToken };
}

/**
 * Redeems an admin's sign-in code only to learn, from the token endpoint's answer, which tenant and user signed in.
 * Nothing is kept: the tokens are dropped with MSAL's cache.
 */
export async function redeemAdminSignIn(
  app: WebSignInApp,
  request: { code: string; secrets: AuthCodeSecrets },
): Promise<Omit<SignedIn, 'refreshToken'>> {
  return (await redeem(app, { ...request, scopes: [] })).account;
}

async function redeem(
  app: WebSignInApp,
  request: { code: string; scopes: string[]; secrets: AuthCodeSecrets },
): Promise<{ account: Omit<SignedIn, 'refreshToken'>; refreshToken: string | undefined }> {
  const client = delegatedClient({
    cloud: app.cloud,
    tenant: ORGANIZATIONS,
    clientId: app.clientId,
    credential: { clientSecret: app.clientSecret },
  });
  client.network.resetFailures();
  let result: Awaited<ReturnType<typeof client.app.acquireTokenByCode>>;
  try {
    result = await client.app.acquireTokenByCode({
      code: request.code,
      scopes: request.scopes,
      redirectUri: app.redirectUri,
      codeVerifier: request.secrets.verifier,
      nonce: request.secrets.nonce,
    });
  } catch (err) {
    takeRefreshToken(client.app, app.clientId);
    throw toTokenError(err, { tenant: ORGANIZATIONS, clientId: app.clientId, wire: client.network.failures });
  }
  const refreshToken = takeRefreshToken(client.app, app.clientId);
  const account = result?.account;
  if (!account?.tenantId)
    throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The identity platform answered without an account.');
  return {
    account: {
      tenantId: account.tenantId,
      username: account.username,
      userId: account.homeAccountId.split('.')[0] ?? account.homeAccountId,
    },
    refreshToken,
  };
}
