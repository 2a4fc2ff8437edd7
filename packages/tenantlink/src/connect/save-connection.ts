import type { Cloud } from '../auth/clouds.js';
import type { Connection, Feature } from '../connections/model.js';
import type { ConnectionCredential, ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';

/** A tenant that just connected: who, through which app, with which credential. */
export interface ConnectedTenant {
  /** The customer's tenant ID (GUID). */
  tenantId: string;
  clientId: string;
  cloud: Cloud;
  features: Feature[];
  /** Admin consent gives a multi-tenant connection; a sign-in gives a delegated one (one per user). */
  authMode: 'multi-tenant' | 'delegated';
  credential: ConnectionCredential;
  /** `<integration>-<tenant domain or id>`; a suffix is added when another connection has it (unless `exactName`). */
  name: string;
  exactName?: boolean;
  /** The integration it came through (kept in the connection's settings). */
  integration?: string;
  /** For a sign-in: the user whose refresh token it is. */
  user?: { id: string; username: string };
  /** When the integration's client secret, which the connection holds too, expires (if recorded). */
  secretExpiresAt?: string;
  /** The user the doctor's mailbox, calendar and presence probes read, unless the connection already names one. */
  testUser?: string;
}

/**
 * Stores the connection of a tenant that connected. When this tenant (and, for a sign-in, this user) is already
 * connected through the same app, its credential and features are replaced instead: connecting again repairs a
 * connection.
 */
export async function saveConnection(service: ConnectionService, tenant: ConnectedTenant): Promise<Connection> {
  const sameApp = (c: Connection) =>
    c.clientId.toLowerCase() === tenant.clientId.toLowerCase() &&
    c.tenant.toLowerCase() === tenant.tenantId.toLowerCase() &&
    c.authMode === tenant.authMode;
  // A name the caller chose means that connection; otherwise the tenant (and user) say which one it is.
  const existing = (await service.list()).find((c) =>
    tenant.exactName
      ? c.name === tenant.name && sameApp(c)
      : sameApp(c) && (tenant.authMode !== 'delegated' || c.settings.signedInUserId === tenant.user?.id),
  );
  const settings = {
    ...(tenant.integration ? { integration: tenant.integration } : {}),
    ...(tenant.user ? { signedInUserId: tenant.user.id, signedInUser: tenant.user.username } : {}),
    ...(tenant.secretExpiresAt ? { secretExpiresAt: tenant.secretExpiresAt } : {}),
  };
  if (existing) {
    await service.setCredential(existing.id, tenant.credential);
    // The old credential's expiry went with it.
    const { secretExpiresAt: _old, ...kept } = existing.settings;
    const testUser = kept.testUser === undefined && tenant.testUser ? { testUser: tenant.testUser } : {};
    return service.update(existing.id, { features: tenant.features, settings: { ...kept, ...settings, ...testUser } });
  }
  for (let attempt = 1; ; attempt++) {
    const name = attempt === 1 ? tenant.name : `${tenant.name}-${attempt}`;
    try {
      return await service.add({
        name,
        tenant: tenant.tenantId,
        clientId: tenant.clientId,
        cloud: tenant.cloud,
        features: tenant.features,
        settings: { ...settings, ...(tenant.testUser ? { testUser: tenant.testUser } : {}) },
        multiTenant: tenant.authMode === 'multi-tenant',
        credential: tenant.credential,
      });
    } catch (err) {
      const taken = err instanceof TenantlinkError && err.code === 'CONNECTION_EXISTS';
      if (!taken || tenant.exactName || attempt >= 20) throw err;
    }
  }
}

/** `<integration>-<domain>` from a user name (`ada@contoso.com` → `contoso.com`), else the tenant ID. */
export function connectionName(prefix: string, tenantId: string, username?: string): string {
  const domain = username?.split('@')[1]?.toLowerCase();
  const usable = domain && /^[a-z0-9][a-z0-9.-]{0,60}$/.test(domain) ? domain : tenantId.toLowerCase();
  return `${prefix}-${usable}`;
}
