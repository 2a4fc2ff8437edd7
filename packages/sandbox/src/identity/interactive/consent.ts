import { applicationPermission, delegatedPermission } from '../../tenant/graph-permissions.js';
import { type Application, MICROSOFT_GRAPH_APP_ID, type Tenant, type User } from '../../tenant/model.js';
import type { IdentityContext } from '../context.js';
import { registeredDelegatedScopes } from '../delegated-issuance.js';
import type { Interaction } from '../grant-store.js';
import { parseDelegatedScopes } from '../scopes.js';
import { type Outcome, page } from './outcome.js';
import { type ConsentItem, consentPage, needAdminApprovalPage } from './pages.js';

/**
 * The consent step: what the page offers (and records on the interaction, so that accepting grants exactly that),
 * "Need admin approval" when the user may not consent, and the grants once the user accepts.
 */

/** Who is consenting, to which app. */
export interface ConsentParty {
  tenant: Tenant;
  user: User;
  app: Application;
  /** The app's home tenant, where its registration lives. */
  home: Tenant;
  isAdmin: boolean;
}

const consentAction = (interaction: Interaction) => `/${interaction.tenantSegment}/consent`;

/** `.default` (or the v1 endpoint, which names no scopes) consents to everything the registration lists. */
const wantsWholeRegistration = (interaction: Interaction) =>
  interaction.scopes.length === 0 || interaction.scopes.some((s) => s.endsWith('/.default'));

function consentItems(values: string[], type: 'Application' | 'Delegated'): ConsentItem[] {
  return values.map((value) => {
    if (type === 'Application') {
      const p = applicationPermission(value);
      return { value, type, displayName: p?.displayName ?? value, adminOnly: true };
    }
    const p = delegatedPermission(value);
    return { value, type, displayName: p?.displayName ?? value, adminOnly: p?.adminConsentRequired ?? false };
  });
}

function registeredApplicationPermissions(app: Application): string[] {
  return app.requiredResourceAccess
    .filter((r) => r.resourceAppId === MICROSOFT_GRAPH_APP_ID)
    .flatMap((r) => r.resourceAccess.filter((a) => a.type === 'Role'))
    .map((a) => applicationPermission(a.id)?.value)
    .filter((v): v is string => Boolean(v));
}

/**
 * The delegated permissions an admin-consent request covers: the registration's list for v1 and `.default`, else the
 * Graph scopes it names; OIDC scopes named beside either (`openid`, `profile`, …) are consented to as well.
 */
function adminConsentDelegated(interaction: Interaction, app: Application, tenant: Tenant): string[] {
  const named = interaction.scopes.filter((s) => !s.endsWith('/.default'));
  const request =
    named.length > 0
      ? parseDelegatedScopes(named.join(' '), { appName: app.displayName, tenantName: tenant.displayName })
      : { graph: [], oidc: [] };
  const resource = wantsWholeRegistration(interaction) ? registeredDelegatedScopes(app) : request.graph;
  return [...new Set([...resource, ...request.oidc])];
}

/** Admin consent: the organisation-wide page for an admin, "Need admin approval" for anyone else. */
export function offerAdminConsent(interaction: Interaction, party: ConsentParty): Outcome {
  const { app } = party;
  // v1 and `.default` consent to everything the registration lists; named v2 scopes to those scopes only.
  const offer = {
    application: wantsWholeRegistration(interaction) ? registeredApplicationPermissions(app) : [],
    delegated: adminConsentDelegated(interaction, app, party.tenant),
    forOrganization: 'always' as const,
  };
  const items = [...consentItems(offer.application, 'Application'), ...consentItems(offer.delegated, 'Delegated')];
  if (!party.isAdmin) return showNeedAdminApproval(interaction, party, items);
  interaction.consentOffer = offer;
  return showConsent(interaction, party, items, 'admin consent');
}

/**
 * A user's consent to delegated permissions. A non-admin asking for an admin-only permission, or in a tenant where
 * users may not consent, gets "Need admin approval"; an admin may also consent for the organisation.
 */
export function offerUserConsent(interaction: Interaction, party: ConsentParty, toGrant: string[]): Outcome {
  const { tenant, isAdmin } = party;
  const items = consentItems(toGrant, 'Delegated');
  if (!isAdmin && (items.some((i) => i.adminOnly) || !tenant.settings.usersCanConsent)) {
    return showNeedAdminApproval(interaction, party, items);
  }
  interaction.consentOffer = { application: [], delegated: toGrant, forOrganization: isAdmin ? 'optional' : 'never' };
  return showConsent(interaction, party, items, 'user consent');
}

/** "Need admin approval": the user may not consent to these; the page lists them. */
function showNeedAdminApproval(interaction: Interaction, party: ConsentParty, items: ConsentItem[]): Outcome {
  return page(
    needAdminApprovalPage({
      action: consentAction(interaction),
      txn: interaction.id,
      appName: party.app.displayName,
      items: items.map((i) => i.value),
    }),
  );
}

/** The consent page; admin consent is for the organisation, and in user consent an admin may choose to be. */
function showConsent(
  interaction: Interaction,
  party: ConsentParty,
  items: ConsentItem[],
  flow: 'admin consent' | 'user consent',
): Outcome {
  return page(
    consentPage({
      action: consentAction(interaction),
      txn: interaction.id,
      appName: party.app.displayName,
      user: party.user.userPrincipalName,
      items,
      organization: flow === 'admin consent' ? 'admin-consent' : party.isAdmin ? 'optional' : 'none',
    }),
  );
}

/**
 * Grants what the page on screen offered (and nothing if no page was offered). Returns false when there was no
 * offer to accept.
 */
export function grantOffer(
  ctx: IdentityContext,
  interaction: Interaction,
  party: Omit<ConsentParty, 'isAdmin'>,
  forOrganizationTicked: boolean,
): boolean {
  const offer = interaction.consentOffer;
  if (!offer) return false;
  const { tenant, app, home, user } = party;
  const sp = ctx.directory.ensureServicePrincipal(tenant, app, home);
  ctx.directory.grantApplicationPermissions(tenant, sp, offer.application);
  const forOrganization =
    offer.forOrganization === 'always' || (offer.forOrganization === 'optional' && forOrganizationTicked);
  if (offer.delegated.length > 0) {
    ctx.directory.grantDelegatedPermissions(tenant, sp, offer.delegated, forOrganization ? null : user.id);
  }
  interaction.consentOffer = null;
  return true;
}
