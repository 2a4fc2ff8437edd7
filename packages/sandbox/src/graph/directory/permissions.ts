import type { EndpointPermissions } from '../permissions.js';

/**
 * Directory endpoints and the permissions Microsoft lists for each (least privileged first, then the higher ones),
 * from the Graph v1.0 API reference. `null`: that token type is not supported. The sandbox README prints this table.
 */
function entry(
  id: string,
  method: string,
  path: string,
  application: string[] | null,
  delegated: string[] | null,
): EndpointPermissions {
  return { id, method, path, workload: 'directory', application, delegated };
}

const USER_READ_APP = ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const USER_READ_DELEGATED = [
  'User.ReadBasic.All',
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
];
const USER_WRITE = ['User.ReadWrite.All', 'Directory.ReadWrite.All'];
const GROUP_READ = [
  'GroupMember.Read.All',
  'Group.Read.All',
  'Directory.Read.All',
  'Group.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const GROUP_WRITE = ['Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_WRITE = ['GroupMember.ReadWrite.All', 'Group.ReadWrite.All', 'Directory.ReadWrite.All'];
const MEMBER_OF = [
  'User.Read.All',
  'GroupMember.Read.All',
  'Group.Read.All',
  'Directory.Read.All',
  'User.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const APP_READ = ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'];
const ORG_READ = [
  'Organization.Read.All',
  'Directory.Read.All',
  'Organization.ReadWrite.All',
  'Directory.ReadWrite.All',
];
const GRANTS_READ = [
  'DelegatedPermissionGrant.Read.All',
  'Directory.Read.All',
  'DelegatedPermissionGrant.ReadWrite.All',
  'Directory.ReadWrite.All',
];

export const DIRECTORY_PERMISSIONS = {
  listUsers: entry('listUsers', 'GET', '/users', USER_READ_APP, USER_READ_DELEGATED),
  getUser: entry('getUser', 'GET', '/users/{id | userPrincipalName}', USER_READ_APP, [
    'User.Read',
    ...USER_READ_DELEGATED,
  ]),
  createUser: entry('createUser', 'POST', '/users', USER_WRITE, USER_WRITE),
  updateUser: entry('updateUser', 'PATCH', '/users/{id}', USER_WRITE, ['User.ReadWrite', ...USER_WRITE]),
  deleteUser: entry(
    'deleteUser',
    'DELETE',
    '/users/{id}',
    ['User.DeleteRestore.All', ...USER_WRITE],
    ['User.DeleteRestore.All', ...USER_WRITE],
  ),
  usersDelta: entry('usersDelta', 'GET', '/users/delta', USER_READ_APP, ['User.Read', ...USER_READ_DELEGATED]),
  manager: entry('manager', 'GET', '/users/{id}/manager', USER_READ_APP, [
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ]),
  memberOf: entry('memberOf', 'GET', '/users/{id}/memberOf', MEMBER_OF, MEMBER_OF),
  transitiveMemberOf: entry('transitiveMemberOf', 'GET', '/users/{id}/transitiveMemberOf', MEMBER_OF, MEMBER_OF),
  me: entry('me', 'GET', '/me', null, [
    'User.Read',
    'User.ReadWrite',
    'User.ReadBasic.All',
    'User.Read.All',
    'User.ReadWrite.All',
    'Directory.Read.All',
    'Directory.ReadWrite.All',
  ]),
  meMemberOf: entry('meMemberOf', 'GET', '/me/memberOf', null, ['User.Read', ...MEMBER_OF]),
  listGroups: entry('listGroups', 'GET', '/groups', GROUP_READ, GROUP_READ),
  getGroup: entry('getGroup', 'GET', '/groups/{id}', GROUP_READ, GROUP_READ),
  createGroup: entry(
    'createGroup',
    'POST',
    '/groups',
    ['Group.Create', ...GROUP_WRITE],
    ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  ),
  updateGroup: entry('updateGroup', 'PATCH', '/groups/{id}', GROUP_WRITE, GROUP_WRITE),
  deleteGroup: entry('deleteGroup', 'DELETE', '/groups/{id}', GROUP_WRITE, GROUP_WRITE),
  groupsDelta: entry('groupsDelta', 'GET', '/groups/delta', GROUP_READ, GROUP_READ),
  members: entry('members', 'GET', '/groups/{id}/members', GROUP_READ, GROUP_READ),
  transitiveMembers: entry('transitiveMembers', 'GET', '/groups/{id}/transitiveMembers', GROUP_READ, GROUP_READ),
  owners: entry('owners', 'GET', '/groups/{id}/owners', GROUP_READ, GROUP_READ),
  addMember: entry('addMember', 'POST', '/groups/{id}/members/$ref', MEMBER_WRITE, MEMBER_WRITE),
  removeMember: entry('removeMember', 'DELETE', '/groups/{id}/members/{id}/$ref', MEMBER_WRITE, MEMBER_WRITE),
  organization: entry('organization', 'GET', '/organization', ORG_READ, ['User.Read', ...ORG_READ]),
  domains: entry(
    'domains',
    'GET',
    '/domains',
    ['Domain.Read.All', 'Directory.Read.All', 'Domain.ReadWrite.All', 'Directory.ReadWrite.All'],
    ['Domain.Read.All', 'Directory.Read.All', 'Domain.ReadWrite.All', 'Directory.ReadWrite.All'],
  ),
  subscribedSkus: entry(
    'subscribedSkus',
    'GET',
    '/subscribedSkus',
    [
      'LicenseAssignment.Read.All',
      'Organization.Read.All',
      'Directory.Read.All',
      'Organization.ReadWrite.All',
      'Directory.ReadWrite.All',
    ],
    [
      'LicenseAssignment.Read.All',
      'Organization.Read.All',
      'Directory.Read.All',
      'Organization.ReadWrite.All',
      'Directory.ReadWrite.All',
    ],
  ),
  directoryRoles: entry(
    'directoryRoles',
    'GET',
    '/directoryRoles',
    [
      'RoleManagement.Read.Directory',
      'Directory.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'Directory.ReadWrite.All',
    ],
    [
      'RoleManagement.Read.Directory',
      'Directory.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'Directory.ReadWrite.All',
    ],
  ),
  directoryRoleMembers: entry(
    'directoryRoleMembers',
    'GET',
    '/directoryRoles/{id}/members',
    [
      'RoleManagement.Read.Directory',
      'Directory.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'Directory.ReadWrite.All',
    ],
    [
      'RoleManagement.Read.Directory',
      'Directory.Read.All',
      'RoleManagement.ReadWrite.Directory',
      'Directory.ReadWrite.All',
    ],
  ),
  listApplications: entry('listApplications', 'GET', '/applications', APP_READ, APP_READ),
  getApplication: entry('getApplication', 'GET', '/applications/{id}', APP_READ, APP_READ),
  listServicePrincipals: entry('listServicePrincipals', 'GET', '/servicePrincipals', APP_READ, APP_READ),
  getServicePrincipal: entry('getServicePrincipal', 'GET', '/servicePrincipals/{id}', APP_READ, APP_READ),
  appRoleAssignments: entry(
    'appRoleAssignments',
    'GET',
    '/servicePrincipals/{id}/appRoleAssignments',
    APP_READ,
    APP_READ,
  ),
  appRoleAssignedTo: entry('appRoleAssignedTo', 'GET', '/servicePrincipals/{id}/appRoleAssignedTo', APP_READ, APP_READ),
  oauth2PermissionGrants: entry('oauth2PermissionGrants', 'GET', '/oauth2PermissionGrants', GRANTS_READ, GRANTS_READ),
  servicePrincipalGrants: entry(
    'servicePrincipalGrants',
    'GET',
    '/servicePrincipals/{id}/oauth2PermissionGrants',
    GRANTS_READ,
    GRANTS_READ,
  ),
} satisfies Record<string, EndpointPermissions>;
