import { createHash } from 'node:crypto';
import { aadsts } from '../aadsts.js';
import { authenticateClient } from '../client-authentication.js';
import type { IdentityContext } from '../context.js';
import { assertConsented, assertUserMayGetTokens, issueDelegatedTokens } from '../delegated-issuance.js';
import { parseDelegatedScopes } from '../scopes.js';
import type { TokenRequest } from '../token-request.js';

function challengeOf(verifier: string, method: 'S256' | 'plain'): string {
  return method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
}

/** `grant_type=authorization_code`: redeems a code from /authorize once, checking redirect URI and PKCE. */
export async function authorizationCodeGrant(ctx: IdentityContext, req: TokenRequest) {
  const code = req.form.code;
  if (!code) throw aadsts('missingParameter', { name: 'code' });
  const record = ctx.grants.codes.get(code);
  if (!record) throw aadsts(code.length < 20 ? 'refreshTokenMalformed' : 'codeInvalid');
  if (record.clientId !== req.clientId) throw aadsts('codeInvalid');
  if (record.redeemed) throw aadsts('codeRedeemed');
  if (record.expiresAt < ctx.clock.now()) throw aadsts('codeExpiredAt');
  if (req.segment.kind === 'tenant' && req.segment.tenant.id !== record.tenantId) throw aadsts('codeForOtherTenant');
  if (record.platform === 'spa') {
    if (!req.browserOrigin) throw aadsts('spaCodeNeedsCrossOrigin');
    if (record.codeChallenge === null) throw aadsts('pkceVerifierMissing');
  } else if (req.browserOrigin) {
    throw aadsts('crossOriginOnlyForSpa', { origin: req.browserOrigin });
  }
  const redirectUri = req.form.redirect_uri;
  if (!redirectUri) throw aadsts('missingParameter', { name: 'redirect_uri' });
  if (redirectUri !== record.redirectUri) {
    throw aadsts('replyAddressMismatchAtRedemption', { redirectUri, expected: record.redirectUri });
  }
  if (record.codeChallenge !== null) {
    const verifier = req.form.code_verifier;
    if (!verifier || challengeOf(verifier, record.codeChallengeMethod) !== record.codeChallenge) {
      throw aadsts('pkceMismatch');
    }
  }
  const found = ctx.directory.findApplication(req.clientId)!;
  const authMethod = await authenticateClient(ctx, found.application, req.credentials, {
    grantType: 'authorization_code',
    publicClientAllowed: record.platform !== 'web',
    origin: req.origin,
  });
  record.redeemed = true;
  const tenant = ctx.directory.tenants.get(record.tenantId)!;
  const user = tenant.users.get(record.userId)!;
  assertUserMayGetTokens(user, record);
  const request = parseDelegatedScopes(req.form.scope ?? record.scopes.join(' '), {
    appName: found.application.displayName,
    tenantName: tenant.displayName,
  });
  // The scopes granted at /authorize carry offline_access and openid even if the redemption leaves them out.
  const original = parseDelegatedScopes(record.scopes.join(' '), {
    appName: found.application.displayName,
    tenantName: tenant.displayName,
  });
  request.oidc = [...new Set([...request.oidc, ...original.oidc])];
  // Consent was settled at /authorize for the code's scopes; the redemption's scope cannot widen what is granted.
  assertConsented(ctx, tenant, found.application, user, original);
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
    nonce: record.nonce,
    platform: record.platform,
    clientInfoRequested: req.form.client_info === '1',
  });
}
