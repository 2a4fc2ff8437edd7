import { aadsts } from '../aadsts.js';
import { authenticateClient } from '../client-authentication.js';
import type { IdentityContext } from '../context.js';
import { assertConsented, assertUserMayGetTokens, issueDelegatedTokens } from '../delegated-issuance.js';
import { parseDelegatedScopes } from '../scopes.js';
import { canonicalSegment, resolveTenantSegment } from '../tenant-segment.js';
import type { TokenRequest } from '../token-request.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * Polling with `grant_type=urn:ietf:params:oauth:grant-type:device_code`: pending until the user finishes on the
 * device-login page, then tokens once. A client polling at less than half the interval is told to slow down.
 */
export async function deviceCodeGrant(ctx: IdentityContext, req: TokenRequest) {
  const deviceCode = req.form.device_code ?? req.form.code;
  if (!deviceCode) throw aadsts('missingParameter', { name: 'device_code' });
  const record = ctx.grants.deviceCodes.get(deviceCode);
  if (!record || record.clientId !== req.clientId || record.status === 'redeemed') throw aadsts('badVerificationCode');
  // Polling must use the tenant the device code was requested on.
  const requestedOn = canonicalSegment(resolveTenantSegment(ctx.directory, record.tenantSegment));
  if (requestedOn !== canonicalSegment(req.segment)) throw aadsts('badVerificationCode');
  const now = ctx.clock.now();
  if (record.expiresAt < now) throw aadsts('deviceCodeExpired');
  if (record.status === 'declined') throw aadsts('deviceCodeDeclined');
  const found = ctx.directory.findApplication(req.clientId)!;
  const authMethod = await authenticateClient(ctx, found.application, req.credentials, {
    grantType: DEVICE_CODE_GRANT,
    publicClientAllowed: found.application.isFallbackPublicClient,
    origin: req.origin,
  });
  if (record.status === 'pending') {
    const elapsed = record.lastPollAt === null ? Number.POSITIVE_INFINITY : now - record.lastPollAt;
    const tooSoon = elapsed >= 0 && elapsed < (record.interval * 1000) / 2;
    record.lastPollAt = now;
    throw aadsts(tooSoon ? 'slowDown' : 'authorizationPending');
  }
  const tenant = ctx.directory.tenants.get(record.tenantId!)!;
  const user = tenant.users.get(record.userId!)!;
  assertUserMayGetTokens(user, { amr: record.amr, authTime: record.authTime!, platform: 'publicClient' });
  const request = parseDelegatedScopes(record.scopes.join(' '), {
    appName: found.application.displayName,
    tenantName: tenant.displayName,
  });
  assertConsented(ctx, tenant, found.application, user, request);
  record.status = 'redeemed';
  return issueDelegatedTokens(ctx, {
    origin: req.origin,
    tenant,
    application: found.application,
    user,
    request,
    authMethod,
    amr: record.amr,
    sessionId: record.sessionId!,
    authTime: record.authTime!,
    nonce: null,
    platform: 'publicClient',
    clientInfoRequested: req.form.client_info === '1',
  });
}
