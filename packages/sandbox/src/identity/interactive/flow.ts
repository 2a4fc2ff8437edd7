import { aadsts, type IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import { missingConsent, requiredScopes } from '../delegated-issuance.js';
import { type Interaction, opaqueToken } from '../grant-store.js';
import { parseDelegatedScopes } from '../scopes.js';
import { type ConsentParty, offerAdminConsent, offerUserConsent } from './consent.js';
import { applicationOf, currentSession, endInteraction } from './interactions.js';
import { type Outcome, type PageRequest, page, showError } from './outcome.js';
import { deviceDonePage, signInPage } from './pages.js';
import { redirectError, redirectToClient } from './redirects.js';

/**
 * The sign-in state machine every browser flow (authorize, device login, admin consent) goes through:
 * begin → sign-in page (unless a session is reused) → [MFA] → proceed → [consent] → finish.
 * Each step answers with an `Outcome`; the routes turn it into HTTP.
 */

export function showSignIn(
  ctx: IdentityContext,
  interaction: Interaction,
  error?: { code: number; text: string },
): Outcome {
  return page(
    signInPage({
      action: `/${interaction.tenantSegment}/login`,
      txn: interaction.id,
      appName: applicationOf(ctx, interaction).application.displayName,
      username: interaction.loginHint ?? '',
      ...(error ? { error } : {}),
    }),
  );
}

/** Starts an interaction: reuse the browser session unless the client forces a fresh sign-in. */
export function begin(
  ctx: IdentityContext,
  request: PageRequest,
  interaction: Interaction,
  segmentTenantId: string | null,
): Outcome {
  const forceLogin = interaction.prompt === 'login' || interaction.prompt === 'select_account';
  const session = forceLogin ? undefined : currentSession(ctx, request, segmentTenantId);
  if (session) {
    interaction.session = session;
    return proceed(ctx, request, interaction);
  }
  if (interaction.prompt === 'none') return redirectError(ctx, request, interaction, aadsts('loginRequired'));
  return showSignIn(ctx, interaction);
}

/** After sign-in: check the app in the user's tenant, ask for consent if any is missing, then finish. */
export function proceed(ctx: IdentityContext, request: PageRequest, interaction: Interaction): Outcome {
  const session = interaction.session!;
  const tenant = ctx.directory.tenants.get(session.tenantId)!;
  const user = tenant.users.get(session.userId)!;
  const { application: app, home } = applicationOf(ctx, interaction);
  const fail = (err: IdentityError) => {
    endInteraction(ctx, interaction);
    return showError(ctx, request, err);
  };
  if (app.signInAudience === 'AzureADMyOrg' && tenant.id !== home.id) {
    return fail(
      aadsts('userNotInTenant', {
        userTenantId: tenant.id,
        tenantName: home.displayName,
        appId: app.appId,
        appName: app.displayName,
      }),
    );
  }
  const sp = ctx.directory.servicePrincipal(tenant, app.appId);
  if (sp && !sp.accountEnabled) {
    return fail(aadsts('applicationDisabled', { appId: app.appId, appName: app.displayName }));
  }
  const party: ConsentParty = { tenant, user, app, home, isAdmin: ctx.directory.isAdmin(user) };
  if (interaction.kind === 'adminconsent') return offerAdminConsent(interaction, party);

  const scopeRequest = parseDelegatedScopes(interaction.scopes.join(' '), {
    appName: app.displayName,
    tenantName: tenant.displayName,
  });
  const required = requiredScopes(app, scopeRequest);
  const missing = missingConsent(ctx, tenant, app, user, required);
  const forceConsent = interaction.prompt === 'consent';
  if (missing.length === 0 && !forceConsent) return finish(ctx, interaction);
  if (interaction.prompt === 'none') {
    return redirectError(
      ctx,
      request,
      interaction,
      aadsts('consentRequiredInteractive', { appId: app.appId, appName: app.displayName }),
    );
  }
  return offerUserConsent(interaction, party, forceConsent ? required : missing);
}

/** Completes the interaction: a code for authorize, approval for a device code, the redirect for admin consent. */
export function finish(ctx: IdentityContext, interaction: Interaction): Outcome {
  const session = interaction.session!;
  const now = ctx.clock.now();
  if (interaction.kind === 'authorize') {
    const a = interaction.authorize!;
    const code = `1.A${opaqueToken(200)}`;
    ctx.grants.codes.set(code, {
      code,
      tenantId: session.tenantId,
      clientId: interaction.clientId,
      userId: session.userId,
      redirectUri: a.redirectUri,
      platform: a.platform,
      scopes: interaction.scopes,
      codeChallenge: a.codeChallenge,
      codeChallengeMethod: a.codeChallengeMethod,
      nonce: a.nonce,
      sessionId: session.id,
      authTime: session.authTime,
      amr: session.amr,
      expiresAt: now + ctx.settings.authorizationCodeLifetimeSeconds * 1000,
      redeemed: false,
    });
    const params: Record<string, string> = { code };
    if (a.state !== null) params.state = a.state;
    params.session_state = session.id;
    return redirectToClient(ctx, interaction, params);
  }
  if (interaction.kind === 'device') {
    const record = ctx.grants.deviceCodes.get(interaction.device!.deviceCode);
    endInteraction(ctx, interaction);
    if (record === undefined || record.status !== 'pending') throw aadsts('badVerificationCode');
    if (record.expiresAt < ctx.clock.now()) throw aadsts('deviceCodeExpired');
    Object.assign(record, {
      status: 'approved',
      tenantId: session.tenantId,
      userId: session.userId,
      sessionId: session.id,
      authTime: session.authTime,
      amr: session.amr,
    });
    return page(deviceDonePage({ appName: applicationOf(ctx, interaction).application.displayName, approved: true }));
  }
  const c = interaction.adminConsent!;
  const params: Record<string, string> = { admin_consent: 'True', tenant: session.tenantId };
  if (c.version === 2 && interaction.scopes.length > 0) params.scope = interaction.scopes.join(' ');
  if (c.state !== null) params.state = c.state;
  return redirectToClient(ctx, interaction, params);
}

/** The user turned a device sign-in down: the polling client gets `authorization_declined`. */
export function declineDevice(ctx: IdentityContext, interaction: Interaction): Outcome {
  const record = ctx.grants.deviceCodes.get(interaction.device!.deviceCode);
  if (record && record.status === 'pending') record.status = 'declined';
  endInteraction(ctx, interaction);
  return page(deviceDonePage({ appName: applicationOf(ctx, interaction).application.displayName, approved: false }));
}
