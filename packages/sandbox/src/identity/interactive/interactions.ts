import { randomUUID } from 'node:crypto';
import type { Tenant, User } from '../../tenant/model.js';
import { aadsts } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import { type AuthMethods, type BrowserSession, type Interaction, opaqueToken } from '../grant-store.js';
import type { PageRequest } from './outcome.js';

/** Pending interactions (one per sign-in in progress) and the browser sessions that make later sign-ins silent. */

export const SESSION_COOKIE = 'sandbox_session';
const INTERACTION_LIFETIME_MS = 15 * 60_000;

export type NewInteraction = Omit<Interaction, 'id' | 'expiresAt' | 'session' | 'pendingMfa' | 'consentOffer'>;

export function newInteraction(ctx: IdentityContext, init: NewInteraction): Interaction {
  const interaction: Interaction = {
    ...init,
    id: opaqueToken(24),
    expiresAt: ctx.clock.now() + INTERACTION_LIFETIME_MS,
    session: null,
    pendingMfa: null,
    consentOffer: null,
  };
  ctx.grants.interactions.set(interaction.id, interaction);
  return interaction;
}

/**
 * The interaction a form's `txn` names; an unknown or stale one fails as Entra does. One that reached the client still
 * answers within its lifetime: Entra's pages carry their state in the form (its flow token), so a form posted again (Back,
 * then the browser re-submitting) runs that step again rather than failing.
 */
export function loadInteraction(ctx: IdentityContext, txn: string | undefined): Interaction {
  const interaction = txn ? ctx.grants.interactions.get(txn) : undefined;
  if (!interaction || interaction.expiresAt < ctx.clock.now()) throw aadsts('refreshTokenMalformed');
  return interaction;
}

/** Ends an interaction at an error page: its forms answer with an error from now on. */
export function endInteraction(ctx: IdentityContext, interaction: Interaction): void {
  ctx.grants.interactions.delete(interaction.id);
}

/** Marks an interaction that reached the client; it is swept once its lifetime is over (see `loadInteraction`). */
export function completeInteraction(ctx: IdentityContext, interaction: Interaction): void {
  interaction.endedAt ??= ctx.clock.now();
}

/** The app the interaction is for; it was checked when the interaction started. */
export function applicationOf(ctx: IdentityContext, interaction: Interaction) {
  return ctx.directory.findApplication(interaction.clientId)!;
}

/** The browser's session, if it is still good for this tenant (user enabled, not signed out everywhere since). */
export function currentSession(
  ctx: IdentityContext,
  request: PageRequest,
  segmentTenantId: string | null,
): BrowserSession | undefined {
  const id = request.sessionCookie;
  const session = id ? ctx.grants.sessions.get(id) : undefined;
  if (!session) return undefined;
  if (segmentTenantId && session.tenantId !== segmentTenantId) return undefined;
  const user = ctx.directory.tenants.get(session.tenantId)?.users.get(session.userId);
  if (!user?.accountEnabled) return undefined;
  if (Date.parse(user.signInSessionsValidFromDateTime) > session.authTime) return undefined;
  return session;
}

export function startSession(
  ctx: IdentityContext,
  request: PageRequest,
  tenant: Tenant,
  user: User,
  amr: AuthMethods,
): BrowserSession {
  const session: BrowserSession = {
    id: randomUUID(),
    tenantId: tenant.id,
    userId: user.id,
    authTime: ctx.clock.now(),
    amr,
  };
  ctx.grants.sessions.set(session.id, session);
  request.startedSession = session.id;
  return session;
}
