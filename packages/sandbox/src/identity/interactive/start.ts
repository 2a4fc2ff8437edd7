import { aadsts, IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import type { Interaction } from '../grant-store.js';
import { parseDelegatedScopes } from '../scopes.js';
import { resolveTenantSegment } from '../tenant-segment.js';
import { begin } from './flow.js';
import { applicationOf, newInteraction } from './interactions.js';
import { type Outcome, type PageRequest, page, showError } from './outcome.js';
import { deviceCodeEntryPage, deviceConfirmPage } from './pages.js';
import { matchRedirect, redirectError } from './redirects.js';

/**
 * How each browser flow starts: /authorize, /adminconsent and the device-code entry page check the request and
 * open an interaction. Until the client's redirect URI is trusted, errors are pages; after that, they go to it.
 */

type Query = Record<string, string>;

const PROMPTS = new Set(['login', 'none', 'consent', 'select_account', 'create']);
export const DEVICE_CODE_ENTRY = '/common/oauth2/deviceauth';

export function startAuthorize(ctx: IdentityContext, request: PageRequest, tenantSegment: string, q: Query): Outcome {
  let interaction: Interaction;
  let segmentTenantId: string | null;
  try {
    const segment = resolveTenantSegment(ctx.directory, tenantSegment);
    segmentTenantId = segment.kind === 'tenant' ? segment.tenant.id : null;
    if (!q.client_id) throw aadsts('missingParameter', { name: 'client_id' });
    const found = ctx.directory.findApplication(q.client_id);
    if (!found) throw aadsts('applicationNotFound', { appId: q.client_id, tenant: segment.value });
    const app = found.application;
    if (segment.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg') {
      throw aadsts('singleTenantAppOnCommon', { appId: app.appId, appName: app.displayName });
    }
    if (segment.kind === 'tenant' && app.signInAudience === 'AzureADMyOrg' && segment.tenant.id !== found.home.id) {
      throw aadsts('applicationNotFound', { appId: app.appId, tenant: segment.value });
    }
    const registered = [...app.web.redirectUris, ...app.spa.redirectUris, ...app.publicClient.redirectUris];
    if (registered.length === 0) throw aadsts('noRedirectUri');
    const redirectUri = q.redirect_uri;
    if (!redirectUri) throw aadsts('missingParameter', { name: 'redirect_uri' });
    try {
      new URL(redirectUri);
    } catch {
      throw aadsts('invalidRedirectUri');
    }
    const platform = matchRedirect(app, redirectUri);
    if (!platform) throw aadsts('redirectUriMismatch', { redirectUri, appId: app.appId });
    const responseMode = (q.response_mode ?? 'query') as 'query' | 'fragment' | 'form_post';
    interaction = newInteraction(ctx, {
      kind: 'authorize',
      tenantSegment,
      clientId: app.appId,
      scopes: (q.scope ?? '').split(/\s+/).filter(Boolean),
      loginHint: q.login_hint ?? null,
      prompt: q.prompt ?? null,
      authorize: {
        redirectUri,
        platform,
        state: q.state ?? null,
        responseMode: ['query', 'fragment', 'form_post'].includes(responseMode) ? responseMode : 'query',
        codeChallenge: q.code_challenge ?? null,
        codeChallengeMethod: q.code_challenge_method === 'S256' ? 'S256' : 'plain',
        nonce: q.nonce ?? null,
      },
    });
  } catch (err) {
    if (err instanceof IdentityError) return showError(ctx, request, err);
    throw err;
  }
  try {
    const app = applicationOf(ctx, interaction).application;
    if (!q.response_type) throw aadsts('missingParameter', { name: 'response_type' });
    if (q.response_type !== 'code') throw aadsts('unsupportedResponseType', { responseType: q.response_type });
    if (q.prompt && !PROMPTS.has(q.prompt)) throw aadsts('unsupportedPrompt');
    if (!q.scope) throw aadsts('missingParameter', { name: 'scope' });
    parseDelegatedScopes(q.scope, { appName: app.displayName, tenantName: tenantSegment });
    if (q.code_challenge_method && !['S256', 'plain'].includes(q.code_challenge_method)) {
      throw aadsts('missingParameter', { name: 'code_challenge_method' });
    }
    return begin(ctx, request, interaction, segmentTenantId);
  } catch (err) {
    if (err instanceof IdentityError) return redirectError(ctx, request, interaction, err);
    throw err;
  }
}

/** `/{tenant}/adminconsent` (v1, the registration's permissions) and `/{tenant}/v2.0/adminconsent` (named scopes). */
export function startAdminConsent(
  ctx: IdentityContext,
  request: PageRequest,
  version: 1 | 2,
  tenantSegment: string,
  q: Query,
): Outcome {
  try {
    const segment = resolveTenantSegment(ctx.directory, tenantSegment);
    if (!q.client_id) throw aadsts('missingParameter', { name: 'client_id' });
    const found = ctx.directory.findApplication(q.client_id);
    if (!found) throw aadsts('applicationNotFound', { appId: q.client_id, tenant: segment.value });
    const app = found.application;
    if (app.signInAudience === 'AzureADMyOrg' && segment.kind !== 'tenant') {
      throw aadsts('singleTenantAppOnCommon', { appId: app.appId, appName: app.displayName });
    }
    if (app.signInAudience === 'AzureADMyOrg' && segment.kind === 'tenant' && segment.tenant.id !== found.home.id) {
      throw aadsts('applicationNotFound', { appId: app.appId, tenant: segment.value });
    }
    const scopes = version === 2 ? (q.scope ?? '').split(/\s+/).filter(Boolean) : [];
    const named = scopes.filter((s) => !s.endsWith('/.default'));
    if (named.length > 0)
      parseDelegatedScopes(named.join(' '), { appName: app.displayName, tenantName: segment.value });
    const redirectUri = q.redirect_uri ?? app.web.redirectUris[0];
    if (!redirectUri) throw aadsts('noRedirectUri');
    if (!app.web.redirectUris.includes(redirectUri))
      throw aadsts('redirectUriMismatch', { redirectUri, appId: app.appId });
    const interaction = newInteraction(ctx, {
      kind: 'adminconsent',
      tenantSegment,
      clientId: app.appId,
      scopes,
      loginHint: q.login_hint ?? null,
      prompt: null,
      adminConsent: { redirectUri, state: q.state ?? null, version },
    });
    return begin(ctx, request, interaction, segment.kind === 'tenant' ? segment.tenant.id : null);
  } catch (err) {
    if (err instanceof IdentityError) return showError(ctx, request, err);
    throw err;
  }
}

/** The device-code entry page: an unknown, used or expired code shows it again; a good one asks to confirm the app. */
export function enterDeviceCode(ctx: IdentityContext, userCode: string): Outcome {
  const record = ctx.grants.deviceCodeByUserCode(userCode);
  if (record === undefined || record.status !== 'pending' || record.expiresAt < ctx.clock.now()) {
    return page(
      deviceCodeEntryPage({
        action: DEVICE_CODE_ENTRY,
        error: "That code didn't work. Check the code and try again.",
      }),
    );
  }
  const interaction = newInteraction(ctx, {
    kind: 'device',
    tenantSegment: record.tenantSegment,
    clientId: record.clientId,
    scopes: record.scopes,
    loginHint: null,
    prompt: null,
    device: { deviceCode: record.deviceCode },
  });
  return page(
    deviceConfirmPage({
      action: `/${record.tenantSegment}/deviceauth/confirm`,
      txn: interaction.id,
      appName: applicationOf(ctx, interaction).application.displayName,
    }),
  );
}
