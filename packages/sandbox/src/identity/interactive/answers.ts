import { AADSTS, aadsts } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import type { Interaction } from '../grant-store.js';
import { resolveTenantSegment } from '../tenant-segment.js';
import { grantOffer } from './consent.js';
import { begin, declineDevice, finish, proceed, showSignIn } from './flow.js';
import { applicationOf, endInteraction, startSession } from './interactions.js';
import { type Outcome, type PageRequest, page, showError } from './outcome.js';
import { mfaPage } from './pages.js';
import { cancelRedirect, redirectError } from './redirects.js';

/** What the user answers on the pages of a pending interaction: the sign-in form, MFA, consent, device confirmation. */

type Form = Record<string, string>;

/** The sign-in form (`login`, `passwd`): a wrong name or password shows the form again with Entra's text. */
export function submitLogin(ctx: IdentityContext, request: PageRequest, interaction: Interaction, form: Form): Outcome {
  const login = (form.login ?? '').trim();
  interaction.loginHint = login;
  const segment = resolveTenantSegment(ctx.directory, interaction.tenantSegment);
  const found =
    segment.kind === 'tenant'
      ? (() => {
          const user = ctx.directory.findUser(segment.tenant, login);
          return user ? { tenant: segment.tenant, user } : undefined;
        })()
      : ctx.directory.findUserBySignInName(login);
  if (!found) {
    return showSignIn(ctx, interaction, {
      code: AADSTS.userNotFound.code,
      text: 'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.',
    });
  }
  if (found.user.password !== (form.passwd ?? '')) {
    return showSignIn(ctx, interaction, {
      code: AADSTS.badPassword.code,
      text: "Your account or password is incorrect. If you don't remember your password, reset it now.",
    });
  }
  if (!found.user.accountEnabled) return showError(ctx, request, aadsts('userDisabled'));
  if (found.user.conditionalAccessBlocked) return showError(ctx, request, aadsts('blockedByConditionalAccess'));
  if (found.user.mfaRequired) {
    interaction.pendingMfa = { tenantId: found.tenant.id, userId: found.user.id };
    return page(
      mfaPage({
        action: `/${interaction.tenantSegment}/mfa`,
        txn: interaction.id,
        username: found.user.userPrincipalName,
      }),
    );
  }
  interaction.session = startSession(ctx, request, found.tenant, found.user, ['pwd']);
  return proceed(ctx, request, interaction);
}

/** The "Approve sign in request" page that stands in for the Authenticator app. */
export function submitMfa(ctx: IdentityContext, request: PageRequest, interaction: Interaction, form: Form): Outcome {
  const pending = interaction.pendingMfa;
  if (!pending) return showSignIn(ctx, interaction);
  if (form.decision !== 'approve') {
    endInteraction(ctx, interaction);
    return showError(ctx, request, aadsts('mfaDenied'));
  }
  const tenant = ctx.directory.tenants.get(pending.tenantId)!;
  interaction.session = startSession(ctx, request, tenant, tenant.users.get(pending.userId)!, ['pwd', 'mfa']);
  interaction.pendingMfa = null;
  return proceed(ctx, request, interaction);
}

/**
 * Accept (for oneself or, when offered, the organisation), cancel, go back, or ("Have an admin account?") sign in
 * with another account in the same request.
 */
export function submitConsent(
  ctx: IdentityContext,
  request: PageRequest,
  interaction: Interaction,
  form: Form,
): Outcome {
  if (!interaction.session) return showSignIn(ctx, interaction);
  const tenant = ctx.directory.tenants.get(interaction.session.tenantId)!;
  const user = tenant.users.get(interaction.session.userId)!;
  const { application: app, home } = applicationOf(ctx, interaction);
  if (form.decision === 'switch-account') {
    Object.assign(interaction, { session: null, consentOffer: null, loginHint: null });
    return showSignIn(ctx, interaction);
  }
  if (form.decision === 'back') {
    if (interaction.kind === 'device') return declineDevice(ctx, interaction);
    return cancelRedirect(ctx, interaction);
  }
  if (form.decision !== 'accept') {
    if (interaction.kind === 'device') return declineDevice(ctx, interaction);
    // Entra marks a declined admin consent with admin_consent=True, and sends no tenant (MicrosoftDocs/azure-docs#114009).
    const extra: Record<string, string> = interaction.kind === 'adminconsent' ? { admin_consent: 'True' } : {};
    return redirectError(ctx, request, interaction, aadsts('consentDeclined'), extra);
  }
  // Only what the consent page offered this user can be granted; no page shown, nothing to accept.
  const granted = grantOffer(ctx, interaction, { tenant, user, app, home }, form.consentForOrganization === 'true');
  if (!granted) return cancelRedirect(ctx, interaction);
  return finish(ctx, interaction);
}

/** "Are you trying to sign in to …?": continue to sign-in, or decline the device code. */
export function confirmDevice(
  ctx: IdentityContext,
  request: PageRequest,
  interaction: Interaction,
  form: Form,
): Outcome {
  if (form.decision !== 'continue') return declineDevice(ctx, interaction);
  const segment = resolveTenantSegment(ctx.directory, interaction.tenantSegment);
  return begin(ctx, request, interaction, segment.kind === 'tenant' ? segment.tenant.id : null);
}
