import { thumbprintHex } from '../tenant/app-registrations.js';
import type { Directory } from '../tenant/directory.js';
import { applicationPermission } from '../tenant/graph-permissions.js';
import { type Application, type Group, MICROSOFT_GRAPH_APP_ID, type Tenant, type User } from '../tenant/model.js';

/** How a tenant appears in the state file: enough to sign in as its administrator. */
export function tenantSummary(directory: Directory, tenant: Tenant) {
  const admin = [...tenant.users.values()].find((u) => directory.isAdmin(u));
  return {
    id: tenant.id,
    defaultDomain: tenant.defaultDomain,
    displayName: tenant.displayName,
    admin: admin ? { userPrincipalName: admin.userPrincipalName, password: admin.password } : null,
  };
}

export function userView(directory: Directory, user: User) {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    mail: user.mail,
    displayName: user.displayName,
    jobTitle: user.jobTitle,
    department: user.department,
    managerId: user.managerId,
    password: user.password,
    accountEnabled: user.accountEnabled,
    isAdmin: directory.isAdmin(user),
    mfaRequired: user.mfaRequired,
    conditionalAccessBlocked: user.conditionalAccessBlocked,
    mailboxEnabled: user.mailboxEnabled,
    oneDriveProvisioned: user.oneDriveProvisioned,
    signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
  };
}

export function groupView(group: Group) {
  return {
    id: group.id,
    displayName: group.displayName,
    mail: group.mail,
    groupTypes: group.groupTypes,
    securityEnabled: group.securityEnabled,
    memberIds: group.memberIds,
    ownerIds: group.ownerIds,
  };
}

/** An app registration as the control API shows it: no secret values, certificates by thumbprint. */
export type ApplicationView = ReturnType<typeof applicationView>;

export function applicationView(application: Application) {
  return {
    appId: application.appId,
    objectId: application.id,
    displayName: application.displayName,
    signInAudience: application.signInAudience,
    homeTenantId: application.homeTenantId,
    redirectUris: {
      web: application.web.redirectUris,
      publicClient: application.publicClient.redirectUris,
      spa: application.spa.redirectUris,
    },
    allowPublicClient: application.isFallbackPublicClient,
    requiredResourceAccess: application.requiredResourceAccess,
    secrets: application.passwordCredentials.map(({ valueSha256: _hash, ...secret }) => secret),
    certificates: application.keyCredentials.map((k) => ({
      keyId: k.keyId,
      displayName: k.displayName,
      thumbprint: thumbprintHex(k),
      startDateTime: k.startDateTime,
      endDateTime: k.endDateTime,
    })),
  };
}

/** A tenant's service principals with what each was granted (app roles and delegated grants) on Microsoft Graph. */
export function servicePrincipalViews(tenant: Tenant) {
  return [...tenant.servicePrincipals.values()]
    .filter((sp) => sp.appId !== MICROSOFT_GRAPH_APP_ID)
    .map((sp) => ({
      id: sp.id,
      appId: sp.appId,
      displayName: sp.displayName,
      accountEnabled: sp.accountEnabled,
      appOwnerOrganizationId: sp.appOwnerOrganizationId,
      grantedApplicationPermissions: tenant.appRoleAssignments
        .filter((a) => a.principalId === sp.id)
        .map((a) => applicationPermission(a.appRoleId)?.value ?? a.appRoleId),
      delegatedGrants: tenant.oauth2PermissionGrants
        .filter((g) => g.clientId === sp.id)
        .map((g) => ({ consentType: g.consentType, principalId: g.principalId, scope: g.scope })),
    }));
}

export function tenantView(directory: Directory, tenant: Tenant) {
  return {
    ...tenantSummary(directory, tenant),
    verifiedDomains: tenant.verifiedDomains,
    settings: tenant.settings,
    users: [...tenant.users.values()].map((u) => userView(directory, u)),
    groups: [...tenant.groups.values()].map(groupView),
    applications: [...tenant.applications.values()].map(applicationView),
    servicePrincipals: servicePrincipalViews(tenant),
  };
}
