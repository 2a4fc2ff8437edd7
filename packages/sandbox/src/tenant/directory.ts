import { createHash, randomUUID } from 'node:crypto';
import type { SandboxClock } from '../time/clock.js';
import { DirectoryWrites } from './directory-writes.js';
import {
  applicationPermission,
  delegatedPermission,
  graphAppRoles,
  graphPermissionScopes,
} from './graph-permissions.js';
import {
  type Application,
  type AppRoleAssignment,
  GLOBAL_ADMINISTRATOR_ROLE_ID,
  type Group,
  MICROSOFT_GRAPH_APP_ID,
  type ServicePrincipal,
  type Tenant,
  type User,
} from './model.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: string): boolean {
  return GUID.test(value);
}

export function sha256Base64(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64');
}

/**
 * All tenants of one sandbox, and the directory operations the identity platform, the control API and Graph
 * share: lookups, app registrations and consent.
 */
export class Directory {
  readonly tenants = new Map<string, Tenant>();
  /** Writes to users and groups, recorded for delta queries. */
  readonly writes: DirectoryWrites;
  private readonly upnIndex = new WeakMap<Tenant, { seq: number; size: number; index: Map<string, User> }>();
  /** Told of every tenant added (seeded or created later). */
  readonly tenantAdded: ((tenant: Tenant) => void)[] = [];

  constructor(readonly clock: SandboxClock) {
    this.writes = new DirectoryWrites(clock);
  }

  addTenant(tenant: Tenant): Tenant {
    this.tenants.set(tenant.id, tenant);
    for (const listener of this.tenantAdded) listener(tenant);
    this.ensureGraphServicePrincipal(tenant);
    return tenant;
  }

  /** Finds a tenant by GUID or by one of its verified domains. */
  findTenant(idOrDomain: string): Tenant | undefined {
    const key = idOrDomain.toLowerCase();
    const byId = this.tenants.get(key);
    if (byId) return byId;
    for (const tenant of this.tenants.values()) {
      if (tenant.verifiedDomains.some((d) => d.name.toLowerCase() === key)) return tenant;
    }
    return undefined;
  }

  findUser(tenant: Tenant, idOrUpn: string): User | undefined {
    const key = idOrUpn.toLowerCase();
    const byId = tenant.users.get(key);
    if (byId) return byId;
    // A UPN index rebuilt only after a write to the tenant's users (every write goes through DirectoryWrites and
    // moves the change-log position), so unknown names no longer cost a scan each.
    let entry = this.upnIndex.get(tenant);
    if (!entry || entry.seq !== tenant.changeLog.current || entry.size !== tenant.users.size) {
      const index = new Map([...tenant.users.values()].map((u) => [u.userPrincipalName.toLowerCase(), u]));
      entry = { seq: tenant.changeLog.current, size: tenant.users.size, index };
      this.upnIndex.set(tenant, entry);
    }
    return entry.index.get(key);
  }

  /** Finds a user anywhere by sign-in name; the domain part picks the tenant. */
  findUserBySignInName(signInName: string): { tenant: Tenant; user: User } | undefined {
    const at = signInName.lastIndexOf('@');
    if (at < 0) return undefined;
    const tenant = this.findTenant(signInName.slice(at + 1));
    if (!tenant) return undefined;
    const user = this.findUser(tenant, signInName);
    return user ? { tenant, user } : undefined;
  }

  findGroup(tenant: Tenant, id: string): Group | undefined {
    return tenant.groups.get(id.toLowerCase());
  }

  /** The application object for an appId, wherever it is homed. */
  findApplication(appId: string): { home: Tenant; application: Application } | undefined {
    const key = appId.toLowerCase();
    for (const tenant of this.tenants.values()) {
      const application = tenant.applications.get(key);
      if (application) return { home: tenant, application };
    }
    return undefined;
  }

  servicePrincipal(tenant: Tenant, appId: string): ServicePrincipal | undefined {
    return tenant.servicePrincipals.get(appId.toLowerCase());
  }

  graphServicePrincipal(tenant: Tenant): ServicePrincipal {
    return this.ensureGraphServicePrincipal(tenant);
  }

  isAdmin(user: User): boolean {
    return user.directoryRoleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID);
  }

  /** Creates the service principal of an application in a tenant (its own, or a customer's on consent). */
  ensureServicePrincipal(tenant: Tenant, application: Application, home: Tenant): ServicePrincipal {
    const existing = tenant.servicePrincipals.get(application.appId);
    if (existing) return existing;
    const sp: ServicePrincipal = {
      id: randomUUID(),
      appId: application.appId,
      displayName: application.displayName,
      accountEnabled: true,
      appOwnerOrganizationId: home.id,
      servicePrincipalType: 'Application',
      signInAudience: application.signInAudience,
      appRoles: [],
      oauth2PermissionScopes: [],
      createdDateTime: this.clock.iso(),
    };
    tenant.servicePrincipals.set(application.appId, sp);
    return sp;
  }

  /** Application permission names granted to a client service principal on Microsoft Graph. */
  grantedAppRoles(tenant: Tenant, client: ServicePrincipal): string[] {
    const graph = this.graphServicePrincipal(tenant);
    const names = new Set<string>();
    for (const assignment of tenant.appRoleAssignments) {
      if (assignment.principalId !== client.id || assignment.resourceId !== graph.id) continue;
      const role = graph.appRoles.find((r) => r.id === assignment.appRoleId);
      if (role) names.add(role.value);
    }
    return [...names].sort();
  }

  /** Delegated scope names granted to a client for a user (admin grants plus the user's own). */
  grantedScopes(tenant: Tenant, client: ServicePrincipal, userId: string): string[] {
    const graph = this.graphServicePrincipal(tenant);
    const names = new Set<string>();
    for (const grant of tenant.oauth2PermissionGrants) {
      if (grant.clientId !== client.id || grant.resourceId !== graph.id) continue;
      if (grant.consentType === 'Principal' && grant.principalId !== userId) continue;
      for (const scope of grant.scope.split(' ')) if (scope) names.add(scope);
    }
    return [...names].sort();
  }

  /** Grants Microsoft Graph application permissions (admin consent); unknown names throw. */
  grantApplicationPermissions(tenant: Tenant, client: ServicePrincipal, names: string[]): void {
    const graph = this.graphServicePrincipal(tenant);
    for (const name of names) {
      const permission = applicationPermission(name);
      if (!permission) throw new UnknownPermissionError(name, 'application');
      const already = tenant.appRoleAssignments.some(
        (a) => a.principalId === client.id && a.resourceId === graph.id && a.appRoleId === permission.id,
      );
      if (already) continue;
      const assignment: AppRoleAssignment = {
        id: randomUUID(),
        appRoleId: permission.id,
        principalId: client.id,
        principalDisplayName: client.displayName,
        principalType: 'ServicePrincipal',
        resourceId: graph.id,
        resourceDisplayName: graph.displayName,
        createdDateTime: this.clock.iso(),
      };
      tenant.appRoleAssignments.push(assignment);
    }
  }

  /** Grants delegated permissions, for all users (principalId null) or for one user. */
  grantDelegatedPermissions(tenant: Tenant, client: ServicePrincipal, names: string[], principalId: string | null) {
    for (const name of names) {
      if (!delegatedPermission(name)) throw new UnknownPermissionError(name, 'delegated');
    }
    const graph = this.graphServicePrincipal(tenant);
    const consentType = principalId ? 'Principal' : 'AllPrincipals';
    let grant = tenant.oauth2PermissionGrants.find(
      (g) =>
        g.clientId === client.id &&
        g.resourceId === graph.id &&
        g.consentType === consentType &&
        g.principalId === principalId,
    );
    if (!grant) {
      grant = { id: randomUUID(), clientId: client.id, consentType, principalId, resourceId: graph.id, scope: '' };
      tenant.oauth2PermissionGrants.push(grant);
    }
    const scopes = new Set(grant.scope.split(' ').filter(Boolean));
    for (const name of names) scopes.add(delegatedPermission(name)!.value);
    grant.scope = [...scopes].sort().join(' ');
  }

  /** Revokes the named permissions, or every grant of the client when no names are given. */
  revokeConsent(tenant: Tenant, client: ServicePrincipal, application?: string[], delegated?: string[]): void {
    const all = !application && !delegated;
    const roleIds = new Set((application ?? []).map((n) => applicationPermission(n)?.id).filter(Boolean));
    tenant.appRoleAssignments = tenant.appRoleAssignments.filter(
      (a) => a.principalId !== client.id || !(all || roleIds.has(a.appRoleId)),
    );
    const scopeNames = new Set((delegated ?? []).map((n) => delegatedPermission(n)?.value ?? n));
    for (const grant of tenant.oauth2PermissionGrants) {
      if (grant.clientId !== client.id) continue;
      grant.scope = all
        ? ''
        : grant.scope
            .split(' ')
            .filter((s) => s && !scopeNames.has(s))
            .join(' ');
    }
    tenant.oauth2PermissionGrants = tenant.oauth2PermissionGrants.filter((g) => g.scope !== '');
  }

  private ensureGraphServicePrincipal(tenant: Tenant): ServicePrincipal {
    const existing = tenant.servicePrincipals.get(MICROSOFT_GRAPH_APP_ID);
    if (existing) return existing;
    const sp: ServicePrincipal = {
      id: randomUUID(),
      appId: MICROSOFT_GRAPH_APP_ID,
      displayName: 'Microsoft Graph',
      accountEnabled: true,
      appOwnerOrganizationId: 'f8cdef31-a31e-4b4a-93e4-5f571e91255a',
      servicePrincipalType: 'Application',
      signInAudience: 'AzureADMultipleOrgs',
      appRoles: graphAppRoles(),
      oauth2PermissionScopes: graphPermissionScopes(),
      createdDateTime: tenant.createdDateTime,
    };
    tenant.servicePrincipals.set(MICROSOFT_GRAPH_APP_ID, sp);
    return sp;
  }
}

export class UnknownPermissionError extends Error {
  constructor(
    readonly permission: string,
    readonly kind: 'application' | 'delegated',
  ) {
    super(`'${permission}' is not a Microsoft Graph ${kind} permission known to the sandbox`);
  }
}
