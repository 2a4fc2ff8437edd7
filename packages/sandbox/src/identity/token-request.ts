import type { Application, ServicePrincipal, Tenant } from '../tenant/model.js';
import { aadsts } from './aadsts.js';
import type { ClientCredentialInput } from './client-authentication.js';
import type { IdentityContext } from './context.js';
import type { TenantSegment } from './tenant-segment.js';

/** A token-endpoint request, its form flattened to single values. */
export interface TokenRequest {
  form: Record<string, string>;
  segment: TenantSegment;
  origin: string;
  clientId: string;
  credentials: ClientCredentialInput;
  /** The browser's Origin header: SPA codes and refresh tokens must come cross-origin, others must not. */
  browserOrigin: string | null;
}

/** The tenant a request is served in: the path's tenant, or the app's home tenant for `organizations`. */
export function requestTenant(segment: TenantSegment, home: Tenant): Tenant {
  return segment.kind === 'tenant' ? segment.tenant : home;
}

/** Finds the client application and its service principal in the tenant, or fails with AADSTS700016. */
export function clientInTenant(
  ctx: IdentityContext,
  clientId: string,
  tenant: Tenant | null,
  directoryName: string,
): { application: Application; home: Tenant; servicePrincipal: ServicePrincipal | undefined } {
  const found = ctx.directory.findApplication(clientId);
  if (!found) throw aadsts('applicationNotFound', { appId: clientId, tenant: directoryName });
  const servicePrincipal = tenant ? ctx.directory.servicePrincipal(tenant, clientId) : undefined;
  if (tenant && found.application.signInAudience === 'AzureADMyOrg' && tenant.id !== found.home.id) {
    throw aadsts('applicationNotFound', { appId: clientId, tenant: directoryName });
  }
  return { ...found, servicePrincipal };
}

export function assertEnabled(application: Application, servicePrincipal: ServicePrincipal): void {
  if (!servicePrincipal.accountEnabled) {
    throw aadsts('applicationDisabled', { appId: application.appId, appName: application.displayName });
  }
}
