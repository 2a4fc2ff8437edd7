import type { Application, Group, ServicePrincipal, Tenant, User } from '../../tenant/model.js';
import type { CollectionSpec } from '../odata/collection.js';
import { APPLICATION_FILTER, GROUP_FILTER, SERVICE_PRINCIPAL_FILTER, USER_FILTER } from '../odata/filter/index.js';

/** A user as Graph v1.0 represents it (the properties the sandbox keeps). */
export function userJson(user: User): Record<string, unknown> {
  return {
    id: user.id,
    businessPhones: user.businessPhones,
    displayName: user.displayName,
    givenName: user.givenName,
    jobTitle: user.jobTitle,
    mail: user.mail,
    mobilePhone: user.mobilePhone,
    officeLocation: user.officeLocation,
    preferredLanguage: null,
    surname: user.surname,
    userPrincipalName: user.userPrincipalName,
    accountEnabled: user.accountEnabled,
    assignedLicenses: user.assignedLicenses,
    city: user.city,
    companyName: user.companyName,
    country: user.country,
    createdDateTime: user.createdDateTime,
    department: user.department,
    employeeId: user.employeeId,
    lastPasswordChangeDateTime: user.lastPasswordChangeDateTime,
    mailNickname: user.mailNickname,
    otherMails: [],
    proxyAddresses: user.mail ? [`SMTP:${user.mail}`] : [],
    signInSessionsValidFromDateTime: user.signInSessionsValidFromDateTime,
    usageLocation: user.usageLocation,
    userType: user.userType,
  };
}

/** Graph's default property set for users (others need $select). */
export const USER_DEFAULT_SELECT = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

/** Every user property the sandbox serves ($select-able), and the navigation properties. */
export const USER_PROPERTIES = [
  ...USER_DEFAULT_SELECT,
  'accountEnabled',
  'assignedLicenses',
  'city',
  'companyName',
  'country',
  'createdDateTime',
  'department',
  'employeeId',
  'lastPasswordChangeDateTime',
  'mailNickname',
  'otherMails',
  'proxyAddresses',
  'signInSessionsValidFromDateTime',
  'usageLocation',
  'userType',
  'manager',
  'memberOf',
  'signInActivity',
];

export function groupJson(group: Group): Record<string, unknown> {
  return {
    id: group.id,
    deletedDateTime: null,
    classification: null,
    createdDateTime: group.createdDateTime,
    description: group.description,
    displayName: group.displayName,
    groupTypes: group.groupTypes,
    mail: group.mail,
    mailEnabled: group.mailEnabled,
    mailNickname: group.mailNickname,
    proxyAddresses: group.mail ? [`SMTP:${group.mail}`] : [],
    renewedDateTime: group.createdDateTime,
    resourceProvisioningOptions: [],
    securityEnabled: group.securityEnabled,
    visibility: group.visibility,
  };
}

export const GROUP_PROPERTIES = [
  'id',
  'deletedDateTime',
  'classification',
  'createdDateTime',
  'description',
  'displayName',
  'groupTypes',
  'mail',
  'mailEnabled',
  'mailNickname',
  'proxyAddresses',
  'renewedDateTime',
  'resourceProvisioningOptions',
  'securityEnabled',
  'visibility',
  'members',
  'owners',
];

/** A directory object in a mixed list (members, memberOf): typed with `@odata.type`. */
export function directoryObjectJson(tenant: Tenant, id: string): Record<string, unknown> | undefined {
  const user = tenant.users.get(id);
  if (user) return { '@odata.type': '#microsoft.graph.user', ...userJson(user) };
  const group = tenant.groups.get(id);
  if (group) return { '@odata.type': '#microsoft.graph.group', ...groupJson(group) };
  return undefined;
}

export function applicationJson(app: Application): Record<string, unknown> {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    createdDateTime: app.createdDateTime,
    signInAudience: app.signInAudience,
    isFallbackPublicClient: app.isFallbackPublicClient,
    publisherDomain: null,
    identifierUris: [],
    web: {
      redirectUris: app.web.redirectUris,
      implicitGrantSettings: { enableAccessTokenIssuance: false, enableIdTokenIssuance: false },
    },
    publicClient: { redirectUris: app.publicClient.redirectUris },
    spa: { redirectUris: app.spa.redirectUris },
    requiredResourceAccess: app.requiredResourceAccess,
    passwordCredentials: app.passwordCredentials.map((c) => ({
      customKeyIdentifier: null,
      displayName: c.displayName,
      endDateTime: c.endDateTime,
      hint: c.hint,
      keyId: c.keyId,
      secretText: null,
      startDateTime: c.startDateTime,
    })),
    keyCredentials: app.keyCredentials.map((k) => ({
      customKeyIdentifier: k.customKeyIdentifier,
      displayName: k.displayName,
      endDateTime: k.endDateTime,
      key: null,
      keyId: k.keyId,
      startDateTime: k.startDateTime,
      type: k.type,
      usage: k.usage,
    })),
  };
}

export function servicePrincipalJson(sp: ServicePrincipal): Record<string, unknown> {
  return {
    id: sp.id,
    accountEnabled: sp.accountEnabled,
    appDisplayName: sp.displayName,
    appId: sp.appId,
    appOwnerOrganizationId: sp.appOwnerOrganizationId,
    appRoleAssignmentRequired: false,
    displayName: sp.displayName,
    servicePrincipalNames: [sp.appId],
    servicePrincipalType: sp.servicePrincipalType,
    signInAudience: sp.signInAudience,
    appRoles: sp.appRoles,
    oauth2PermissionScopes: sp.oauth2PermissionScopes,
    createdDateTime: sp.createdDateTime,
  };
}

const APPLICATION_PROPERTIES = [
  'id',
  'appId',
  'displayName',
  'createdDateTime',
  'signInAudience',
  'isFallbackPublicClient',
  'publisherDomain',
  'identifierUris',
  'web',
  'publicClient',
  'spa',
  'requiredResourceAccess',
  'passwordCredentials',
  'keyCredentials',
];

const SERVICE_PRINCIPAL_PROPERTIES = [
  'id',
  'accountEnabled',
  'appDisplayName',
  'appId',
  'appOwnerOrganizationId',
  'appRoleAssignmentRequired',
  'displayName',
  'servicePrincipalNames',
  'servicePrincipalType',
  'signInAudience',
  'appRoles',
  'oauth2PermissionScopes',
  'createdDateTime',
];

/** Options of a users collection: `signInActivity` when selected (it caps pages at 500, as Graph does). */
export interface UserSpecOptions {
  signInActivity?: (user: User) => unknown;
}

export function userSpec(tenant: Tenant, context = 'users', options: UserSpecOptions = {}): CollectionSpec<User> {
  // user → groups, built once per request and only if memberOf is expanded.
  let index: Map<string, Group[]> | undefined;
  const memberships = () => {
    if (!index) {
      index = new Map();
      for (const g of tenant.groups.values()) {
        for (const id of g.memberIds) {
          const list = index.get(id);
          if (list) list.push(g);
          else index.set(id, [g]);
        }
      }
    }
    return index;
  };
  return {
    context,
    typeName: 'user',
    version: String(tenant.changeLog.current),
    defaultTop: 100,
    maxTop: options.signInActivity ? 500 : 999,
    defaultSelect: USER_DEFAULT_SELECT,
    properties: USER_PROPERTIES,
    filter: USER_FILTER,
    orderby: {
      basic: ['displayName', 'userPrincipalName'],
      advanced: [
        'displayName',
        'userPrincipalName',
        'createdDateTime',
        'mail',
        'givenName',
        'surname',
        'jobTitle',
        'department',
      ],
    },
    search: [
      'displayName',
      'mail',
      'userPrincipalName',
      'givenName',
      'surname',
      'jobTitle',
      'department',
      'mailNickname',
    ],
    expand: {
      manager: {
        single: true,
        related: (u) => {
          const m = u.managerId ? tenant.users.get(u.managerId) : undefined;
          return m ? [{ '@odata.type': '#microsoft.graph.user', ...userJson(m) }] : [];
        },
      },
      memberOf: {
        related: (u, limit) =>
          (memberships().get(u.id) ?? [])
            .slice(0, limit)
            .map((g) => ({ '@odata.type': '#microsoft.graph.group', ...groupJson(g) })),
      },
    },
    toJson: options.signInActivity ? (u) => ({ ...userJson(u), signInActivity: options.signInActivity!(u) }) : userJson,
  };
}

export function groupSpec(tenant: Tenant, context = 'groups'): CollectionSpec<Group> {
  const related = (ids: string[]) =>
    ids.map((id) => directoryObjectJson(tenant, id)).filter((o): o is Record<string, unknown> => Boolean(o));
  return {
    context,
    typeName: 'group',
    version: String(tenant.changeLog.current),
    defaultTop: 100,
    maxTop: 999,
    properties: GROUP_PROPERTIES,
    defaultSelect: GROUP_PROPERTIES.filter((p) => p !== 'members' && p !== 'owners'),
    filter: GROUP_FILTER,
    orderby: { basic: ['displayName'], advanced: ['displayName', 'createdDateTime', 'mail'] },
    search: ['displayName', 'description', 'mail', 'mailNickname'],
    expand: {
      members: { related: (g, limit) => related(g.memberIds.slice(0, limit)) },
      owners: { related: (g, limit) => related(g.ownerIds.slice(0, limit)) },
    },
    toJson: groupJson,
  };
}

/** Members lists (users and groups mixed): each item carries `@odata.type`. */
export function directoryObjectSpec(tenant: Tenant, context: string): CollectionSpec<string> {
  return {
    context,
    typeName: 'directoryObject',
    defaultTop: 100,
    maxTop: 999,
    properties: [...new Set([...USER_PROPERTIES, ...GROUP_PROPERTIES, '@odata.type'])],
    filter: { resource: 'DirectoryObject', properties: { ...USER_FILTER.properties, ...GROUP_FILTER.properties } },
    orderby: { basic: [], advanced: ['displayName'] },
    search: ['displayName', 'mail', 'userPrincipalName'],
    toJson: (id) => directoryObjectJson(tenant, id) ?? { id },
  };
}

export function applicationSpec(): CollectionSpec<Application> {
  return {
    context: 'applications',
    typeName: 'application',
    defaultTop: 100,
    maxTop: 999,
    properties: APPLICATION_PROPERTIES,
    filter: APPLICATION_FILTER,
    orderby: { basic: ['displayName'], advanced: ['displayName', 'createdDateTime'] },
    search: ['displayName'],
    toJson: applicationJson,
  };
}

export function servicePrincipalSpec(): CollectionSpec<ServicePrincipal> {
  return {
    context: 'servicePrincipals',
    typeName: 'servicePrincipal',
    defaultTop: 100,
    maxTop: 999,
    properties: SERVICE_PRINCIPAL_PROPERTIES,
    filter: SERVICE_PRINCIPAL_FILTER,
    orderby: { basic: ['displayName'], advanced: ['displayName'] },
    search: ['displayName'],
    toJson: servicePrincipalJson,
  };
}
