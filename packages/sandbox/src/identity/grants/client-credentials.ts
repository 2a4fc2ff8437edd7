import { aadsts } from '../aadsts.js';
import { authenticateClient } from '../client-authentication.js';
import type { IdentityContext } from '../context.js';
import { parseClientCredentialsScope } from '../scopes.js';
import { assertEnabled, clientInTenant, requestTenant, type TokenRequest } from '../token-request.js';

/** `grant_type=client_credentials`: an app-only token whose `roles` are the admin-consented application permissions. */
export async function clientCredentialsGrant(ctx: IdentityContext, req: TokenRequest) {
  if (req.segment.kind === 'common' || req.segment.kind === 'consumers') throw aadsts('grantNotOnCommon');
  // A browser (an Origin header) may never use client credentials.
  if (req.browserOrigin) throw aadsts('crossOriginOnlyForSpa', { origin: req.browserOrigin });
  const pathTenant = req.segment.kind === 'tenant' ? req.segment.tenant : null;
  const found = clientInTenant(ctx, req.clientId, pathTenant, req.segment.value);
  const tenant = requestTenant(req.segment, found.home);
  const servicePrincipal = ctx.directory.servicePrincipal(tenant, req.clientId);
  if (!servicePrincipal) throw aadsts('applicationNotFound', { appId: req.clientId, tenant: req.segment.value });
  const authMethod = await authenticateClient(ctx, found.application, req.credentials, {
    grantType: 'client_credentials',
    publicClientAllowed: false,
    origin: req.origin,
  });
  assertEnabled(found.application, servicePrincipal);
  parseClientCredentialsScope(req.form.scope, tenant.displayName);
  const roles = ctx.directory.grantedAppRoles(tenant, servicePrincipal);
  const issued = await ctx.minter.appToken({ tenant, client: servicePrincipal, roles, authMethod });
  return {
    token_type: 'Bearer',
    expires_in: issued.expiresIn,
    ext_expires_in: issued.expiresIn,
    access_token: issued.token,
  };
}
