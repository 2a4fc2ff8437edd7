import { delegatedPermission, OIDC_SCOPES } from '../tenant/graph-permissions.js';
import { type Application, MICROSOFT_GRAPH_APP_ID, type Tenant, type User } from '../tenant/model.js';
import { aadsts, entraDateTime } from './aadsts.js';
import type { IdentityContext } from './context.js';
import { type AuthMethods, opaqueToken, type RedirectPlatform } from './grant-store.js';
import type { DelegatedScopeRequest } from './scopes.js';
import { type ClientAuthMethod, clientInfo } from './tokens.js';

/** The delegated permissions a request needs consent for: its Graph scopes (or the app's list for .default) and OIDC. */
export function requiredScopes(application: Application, request: DelegatedScopeRequest): string[] {
  const names = new Set<string>(request.oidc.filter((s) => s !== 'offline_access'));
  if (request.oidc.includes('offline_access')) names.add('offline_access');
  const graph = request.isDefault ? registeredDelegatedScopes(application) : request.graph;
  for (const s of graph) names.add(s);
  return [...names];
}

/** The delegated Graph permissions listed on the app registration ("API permissions"). */
export function registeredDelegatedScopes(application: Application): string[] {
  const names: string[] = [];
  for (const rra of application.requiredResourceAccess) {
    if (rra.resourceAppId !== MICROSOFT_GRAPH_APP_ID) continue;
    for (const access of rra.resourceAccess) {
      if (access.type !== 'Scope') continue;
      const permission = delegatedPermission(access.id);
      if (permission) names.push(permission.value);
    }
  }
  return names;
}

/** The scopes in `required` that the client has not been granted for this user. */
export function missingConsent(
  ctx: IdentityContext,
  tenant: Tenant,
  application: Application,
  user: User,
  required: string[],
) {
  const sp = ctx.directory.servicePrincipal(tenant, application.appId);
  if (!sp) return required;
  const granted = new Set(ctx.directory.grantedScopes(tenant, sp, user.id).map((s) => s.toLowerCase()));
  return required.filter((s) => !granted.has(s.toLowerCase()));
}

/** The sign-in a code, device code or refresh token comes from. */
export interface SignInGrant {
  amr: AuthMethods;
  authTime: number;
  platform: RedirectPlatform;
}

/**
 * Refuses tokens to users who are disabled, whose sign-in sessions were revoked after this sign-in (or, for public
 * clients, whose password changed since), who are blocked by Conditional Access, or who owe an MFA they have not done.
 */
export function assertUserMayGetTokens(user: User, grant: SignInGrant): void {
  if (!user.accountEnabled) throw aadsts('userDisabled');
  const revoked = Date.parse(user.signInSessionsValidFromDateTime);
  const passwordChanged = Date.parse(user.lastPasswordChangeDateTime);
  const validFrom = grant.platform === 'web' ? revoked : Math.max(revoked, passwordChanged);
  if (grant.authTime < validFrom) {
    throw aadsts('refreshTokenRevoked', {
      issuedAt: entraDateTime(grant.authTime),
      validFrom: entraDateTime(validFrom),
    });
  }
  const amr = grant.amr;
  if (user.conditionalAccessBlocked) throw aadsts('blockedByConditionalAccess');
  if (user.mfaRequired && !amr.includes('mfa')) throw aadsts('mfaRequired', { resource: MICROSOFT_GRAPH_APP_ID });
}

/** Throws 65001 when the client lacks consent for any of the scopes the request needs. */
export function assertConsented(
  ctx: IdentityContext,
  tenant: Tenant,
  application: Application,
  user: User,
  request: DelegatedScopeRequest,
): void {
  const sp = ctx.directory.servicePrincipal(tenant, application.appId);
  if (!sp) throw aadsts('applicationNotFound', { appId: application.appId, tenant: tenant.id });
  if (!sp.accountEnabled)
    throw aadsts('applicationDisabled', { appId: application.appId, appName: application.displayName });
  // The OIDC scopes are asked for on the consent page but do not gate token requests; the resource's permissions do.
  const resourceScopes = requiredScopes(application, request).filter((s) => !OIDC_SCOPES.has(s));
  if (missingConsent(ctx, tenant, application, user, resourceScopes).length > 0) {
    throw aadsts('consentRequired', { appId: application.appId, appName: application.displayName });
  }
}

export interface DelegatedGrantArgs {
  origin: string;
  tenant: Tenant;
  application: Application;
  user: User;
  request: DelegatedScopeRequest;
  authMethod: ClientAuthMethod;
  amr: AuthMethods;
  sessionId: string;
  authTime: number;
  nonce: string | null;
  platform: RedirectPlatform;
  clientInfoRequested: boolean;
}

/**
 * Issues the token response of a delegated flow: an access token for Graph carrying every delegated permission
 * granted to the client for this user, an id token when `openid` was asked for, a refresh token when
 * `offline_access` was, and `client_info` when the client asked for it.
 */
export async function issueDelegatedTokens(ctx: IdentityContext, args: DelegatedGrantArgs) {
  const { tenant, application, user } = args;
  const sp = ctx.directory.servicePrincipal(tenant, application.appId)!;
  const granted = ctx.directory.grantedScopes(tenant, sp, user.id).filter((s) => s !== 'offline_access');
  const access = await ctx.minter.userToken({
    tenant,
    application,
    user,
    scopes: granted,
    authMethod: args.authMethod,
    amr: args.amr,
    sessionId: args.sessionId,
    authTime: args.authTime,
  });
  const graphScopes = granted.filter((s) => !['openid', 'profile', 'email'].includes(s));
  const oidc = granted.filter((s) => ['openid', 'profile', 'email'].includes(s));
  const scopeOut = [
    ...graphScopes.map((s) => (args.request.uriForm ? `https://graph.microsoft.com/${s}` : s)),
    ...oidc,
  ];
  const body: Record<string, unknown> = {
    token_type: 'Bearer',
    scope: scopeOut.join(' '),
    expires_in: access.expiresIn,
    ext_expires_in: access.expiresIn,
    access_token: access.token,
  };
  if (args.request.oidc.includes('offline_access')) {
    const now = ctx.clock.now();
    const token = `1.A${opaqueToken(180)}`;
    ctx.grants.refreshTokens.set(token, {
      token,
      tenantId: tenant.id,
      clientId: application.appId,
      userId: user.id,
      scopes: [...args.request.oidc, ...(args.request.isDefault ? ['.default'] : args.request.graph)],
      platform: args.platform,
      sessionId: args.sessionId,
      authTime: args.authTime,
      amr: args.amr,
      issuedAt: now,
      lastUsedAt: now,
    });
    body.refresh_token = token;
  }
  if (args.request.oidc.includes('openid')) {
    body.id_token = await ctx.minter.idToken({
      origin: args.origin,
      tenant,
      application,
      user,
      nonce: args.nonce,
      sessionId: args.sessionId,
      authTime: args.authTime,
      includeEmail: args.request.oidc.includes('email'),
    });
  }
  if (args.clientInfoRequested) body.client_info = clientInfo(user, tenant);
  return body;
}
