import { type EndpointPermissions, permissionRow } from '../permissions.js';

/**
 * Directory endpoints and the permissions Microsoft lists for each (least privileged first, then the higher ones),
 * from the Graph v1.0 API reference. `null`: that token type is not supported. The sandbox README prints this table.
 */
const entry = (id: string, method: string, path: string, application: string[] | null, delegated: string[] | null) =>
  permissionRow('directory', id, method, path, application, delegated);

const USER_READ_APP = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const USER_READ_DELEGATED = [
  'User.ReadBasic.All',
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const USER_WRITE = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const USER_PATCH = [
  'User.ManageIdentities.All',
  'User.EnableDisableAccount.All',
  'User.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const GROUP_READ = [
  'GroupMember.Read.All',
  'Directory.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
];
const GROUP_LIST = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Directory.Read.All',
  'Group.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const GROUP_WRITE = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_WRITE = ['GroupMember.ReadWrite.All', 'Directory.ReadWrite.All', 'Group.ReadWrite.All'];
const TRANSITIVE_MEMBER_OF = [
  'User.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Group.Read.All',
  'GroupMember.Read.All',
];
const APP_READ_APP = [
  'Application.Read.All',
  'Application.ReadWrite.OwnedBy',
  'Application.ReadWrite.All',
  'Directory.Read.All',
];
const APP_READ_DELEGATED = [
  'Application.Read.All',
  'Application.ReadWrite.All',
  'Directory.ReadWrite.All',
  'Directory.Read.All',
];
const ROLES = [
  'RoleManagement.Read.Directory',
  'RoleManagement.ReadWrite.Directory',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const GRANTS_READ = ['Directory.Read.All', 'DelegatedPermissionGrant.ReadWrite.All', 'Directory.ReadWrite.All'];
const SKUS = [
  'LicenseAssignment.Read.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'Organization.Read.All',
  'Organization.ReadWrite.All',
];
const DOMAINS = ['Domain.Read.All', 'Domain.ReadWrite.All', 'Directory.Read.All'];
const MANAGER = ['User.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'User.ReadWrite.All'];

export const DIRECTORY_PERMISSIONS = {
  listUsers: entry('listUsers', 'GET', '/users', USER_READ_APP, USER_READ_DELEGATED),
  getUser: entry('getUser', 'GET', '/users/{id or userPrincipalName}', USER_READ_APP, [
    'User.Read',
    'User.ReadWrite',
    ...USER_READ_DELEGATED,
  ]),
  createUser: entry('createUser', 'POST', '/users', USER_WRITE, USER_WRITE),
  updateUser: entry('updateUser', 'PATCH', '/users/{id}', USER_PATCH, ['User.ReadWrite', ...USER_PATCH]),
  deleteUser: entry('deleteUser', 'DELETE', '/users/{id}', ['User.ReadWrite.All'], ['User.ReadWrite.All']),
  usersDelta: entry('usersDelta', 'GET', '/users/delta', USER_READ_APP, [
    'User.Read.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
    'User.ReadWrite.All',
  ]),
  manager: entry('manager', 'GET', '/users/{id}/manager', MANAGER, MANAGER),
  memberOf: entry(
    'memberOf',
    'GET',
    '/users/{id}/memberOf',
    ['Directory.Read.All', 'Directory.ReadWrite.All'],
    ['User.Read', 'Directory.Read.All', 'Directory.ReadWrite.All', 'GroupMember.Read.All'],
  ),
  transitiveMemberOf: entry(
    'transitiveMemberOf',
    'GET',
    '/users/{id}/transitiveMemberOf',
    TRANSITIVE_MEMBER_OF,
    TRANSITIVE_MEMBER_OF,
  ),
  me: entry('me', 'GET', '/me', null, [
    'User.Read',
    'User.ReadWrite',
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ]),
  meMemberOf: entry('meMemberOf', 'GET', '/me/memberOf', null, [
    'User.Read',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
    'GroupMember.Read.All',
  ]),
  listGroups: entry('listGroups', 'GET', '/groups', GROUP_LIST, GROUP_LIST),
  getGroup: entry('getGroup', 'GET', '/groups/{id}', GROUP_READ, GROUP_READ),
  createGroup: entry('createGroup', 'POST', '/groups', ['Group.Create', ...GROUP_WRITE], GROUP_WRITE),
  updateGroup: entry('updateGroup', 'PATCH', '/groups/{id}', GROUP_WRITE, GROUP_WRITE),
  deleteGroup: entry('deleteGroup', 'DELETE', '/groups/{id}', ['Group.ReadWrite.All'], ['Group.ReadWrite.All']),
  groupsDelta: entry('groupsDelta', 'GET', '/groups/delta', GROUP_LIST, GROUP_LIST),
  members: entry('members', 'GET', '/groups/{id}/members', GROUP_READ, GROUP_READ),
  transitiveMembers: entry('transitiveMembers', 'GET', '/groups/{id}/transitiveMembers', GROUP_READ, GROUP_READ),
  owners: entry('owners', 'GET', '/groups/{id}/owners', GROUP_READ, GROUP_READ),
  addMember: entry('addMember', 'POST', '/groups/{id}/members/$ref', MEMBER_WRITE, MEMBER_WRITE),
  removeMember: entry('removeMember', 'DELETE', '/groups/{id}/members/{id}/$ref', MEMBER_WRITE, MEMBER_WRITE),
  organization: entry(
    'organization',
    'GET',
    '/organization',
    ['Organization.Read.All', 'Directory.Read.All', 'Directory.ReadWrite.All', 'Organization.ReadWrite.All'],
    [
      'User.Read',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
      'Organization.Read.All',
      'Organization.ReadWrite.All',
    ],
  ),
  domains: entry('domains', 'GET', '/domains', DOMAINS, DOMAINS),
  subscribedSkus: entry('subscribedSkus', 'GET', '/subscribedSkus', SKUS, SKUS),
  directoryRoles: entry('directoryRoles', 'GET', '/directoryRoles', ROLES, ROLES),
  directoryRoleMembers: entry('directoryRoleMembers', 'GET', '/directoryRoles/{id}/members', ROLES, ROLES),
  listApplications: entry('listApplications', 'GET', '/applications', APP_READ_APP, APP_READ_DELEGATED),
  getApplication: entry('getApplication', 'GET', '/applications/{id}', APP_READ_APP, APP_READ_DELEGATED),
  listServicePrincipals: entry('listServicePrincipals', 'GET', '/servicePrincipals', APP_READ_APP, APP_READ_DELEGATED),
  getServicePrincipal: entry('getServicePrincipal', 'GET', '/servicePrincipals/{id}', APP_READ_APP, APP_READ_DELEGATED),
  appRoleAssignments: entry(
    'appRoleAssignments',
    'GET',
    '/servicePrincipals/{id}/appRoleAssignments',
    [...APP_READ_APP, 'Directory.ReadWrite.All'],
    APP_READ_DELEGATED,
  ),
  appRoleAssignedTo: entry(
    'appRoleAssignedTo',
    'GET',
    '/servicePrincipals/{id}/appRoleAssignedTo',
    [...APP_READ_APP, 'Directory.ReadWrite.All'],
    APP_READ_DELEGATED,
  ),
  oauth2PermissionGrants: entry('oauth2PermissionGrants', 'GET', '/oauth2PermissionGrants', GRANTS_READ, GRANTS_READ),
  servicePrincipalGrants: entry(
    'servicePrincipalGrants',
    'GET',
    '/servicePrincipals/{id}/oauth2PermissionGrants',
    GRANTS_READ,
    GRANTS_READ,
  ),
} satisfies Record<string, EndpointPermissions>;
