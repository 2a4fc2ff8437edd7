import { aadsts, entraDateTime } from '../aadsts.js';
import { authenticateClient } from '../client-authentication.js';
import type { IdentityContext } from '../context.js';
import { assertConsented, assertUserMayGetTokens, issueDelegatedTokens } from '../delegated-issuance.js';
import { parseDelegatedScopes } from '../scopes.js';
import type { TokenRequest } from '../token-request.js';

/** "90.00:00:00": the .NET time-span form Entra uses for the inactivity in AADSTS700082. */
function timeSpan(seconds: number): string {
  const days = Math.floor(seconds / 86_400);
  const rest = seconds % 86_400;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${days}.${p(Math.floor(rest / 3600))}:${p(Math.floor((rest % 3600) / 60))}:${p(rest % 60)}`;
}

/**
 * `grant_type=refresh_token`: a new access token and a new refresh token (the old one stays usable, as Entra
 * does not revoke it); expired by inactivity, revoked sign-in sessions and the user's state are checked.
 */
export async function refreshTokenGrant(ctx: IdentityContext, req: TokenRequest) {
  const token = req.form.refresh_token;
  if (!token) throw aadsts('missingParameter', { name: 'refresh_token' });
  const record = ctx.grants.refreshTokens.get(token);
  if (!record) throw aadsts(token.startsWith('1.A') ? 'refreshTokenInvalid' : 'refreshTokenMalformed');
  if (record.clientId !== req.clientId) throw aadsts('refreshTokenInvalid');
  const tenant = ctx.directory.tenants.get(record.tenantId);
  const user = tenant?.users.get(record.userId);
  if (!tenant || !user) throw aadsts('refreshTokenInvalid');
  if (req.segment.kind === 'tenant' && req.segment.tenant.id !== tenant.id) throw aadsts('refreshTokenInvalid');
  const found = ctx.directory.findApplication(req.clientId)!;
  const authMethod = await authenticateClient(ctx, found.application, req.credentials, {
    grantType: 'refresh_token',
    publicClientAllowed: record.platform !== 'web',
    origin: req.origin,
  });
  const now = ctx.clock.now();
  if (record.platform === 'spa') {
    if (!req.browserOrigin) throw aadsts('spaCodeNeedsCrossOrigin');
    if (now - record.authTime > 86_400_000)
      throw aadsts('spaRefreshTokenExpired', { issuedAt: entraDateTime(record.authTime) });
  }
  const maxInactive = ctx.settings.refreshTokenMaxInactiveSeconds;
  if (now - record.lastUsedAt > maxInactive * 1000) {
    throw aadsts('refreshTokenInactive', {
      issuedAt: entraDateTime(record.issuedAt),
      inactiveFor: timeSpan(maxInactive),
    });
  }
  assertUserMayGetTokens(user, record);
  const request = parseDelegatedScopes(req.form.scope || record.scopes.join(' '), {
    appName: found.application.displayName,
    tenantName: tenant.displayName,
  });
  if (!request.oidc.includes('offline_access')) request.oidc.push('offline_access');
  assertConsented(ctx, tenant, found.application, user, request);
  record.lastUsedAt = now;
  return issueDelegatedTokens(ctx, {
    origin: req.origin,
    tenant,
    application: found.application,
    user,
    request,
    authMethod,
    amr: record.amr,
    sessionId: record.sessionId,
    authTime: record.authTime,
    nonce: null,
    platform: record.platform,
    clientInfoRequested: req.form.client_info === '1',
  });
}
