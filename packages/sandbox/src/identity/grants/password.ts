import { randomUUID } from 'node:crypto';
import { aadsts } from '../aadsts.js';
import { authenticateClient } from '../client-authentication.js';
import type { IdentityContext } from '../context.js';
import { assertConsented, assertUserMayGetTokens, issueDelegatedTokens } from '../delegated-issuance.js';
import { parseDelegatedScopes } from '../scopes.js';
import { clientInTenant, type TokenRequest } from '../token-request.js';

/**
 * `grant_type=password` (resource owner password credentials): Microsoft discourages it, but it is where
 * sign-in failures (50126 bad password, 50076 MFA, 53003 Conditional Access) surface as token errors.
 */
export async function passwordGrant(ctx: IdentityContext, req: TokenRequest) {
  const username = req.form.username;
  const password = req.form.password;
  if (!username) throw aadsts('missingParameter', { name: 'username' });
  if (password === undefined) throw aadsts('missingParameter', { name: 'password' });
  const at = username.lastIndexOf('@');
  const userTenant =
    req.segment.kind === 'tenant' ? req.segment.tenant : ctx.directory.findTenant(username.slice(at + 1));
  if (!userTenant) throw aadsts('userNotFound', { tenant: username.slice(at + 1) });
  const found = clientInTenant(ctx, req.clientId, userTenant, req.segment.value);
  const authMethod = await authenticateClient(ctx, found.application, req.credentials, {
    grantType: 'password',
    publicClientAllowed: found.application.isFallbackPublicClient,
    origin: req.origin,
  });
  const user = ctx.directory.findUser(userTenant, username);
  if (!user) throw aadsts('userNotFound', { tenant: userTenant.defaultDomain });
  if (user.password !== password) throw aadsts('badPassword');
  const now = ctx.clock.now();
  const platform = found.application.isFallbackPublicClient ? 'publicClient' : 'web';
  assertUserMayGetTokens(user, { amr: ['pwd'], authTime: now, platform });
  const request = parseDelegatedScopes(req.form.scope, {
    appName: found.application.displayName,
    tenantName: userTenant.displayName,
  });
  assertConsented(ctx, userTenant, found.application, user, request);
  return issueDelegatedTokens(ctx, {
    origin: req.origin,
    tenant: userTenant,
    application: found.application,
    user,
    request,
    authMethod,
    amr: ['pwd'],
    sessionId: randomUUID(),
    authTime: now,
    nonce: null,
    platform,
    clientInfoRequested: req.form.client_info === '1',
  });
}
