import type { EndpointPermissions } from '../permissions.js';

/**
 * Permissions of the files endpoints, least privileged first (Microsoft's driveItem and drive tables:
 * driveitem-get / drive-get for reads, driveitem-put-content / -invite / -createlink for writes).
 */

const READ_APP = ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'];
const READ_DELEGATED = [
  'Files.Read',
  'Files.ReadWrite',
  'Files.Read.All',
  'Files.ReadWrite.All',
  'Sites.Read.All',
  'Sites.ReadWrite.All',
];
const WRITE_APP = ['Files.ReadWrite.All', 'Sites.ReadWrite.All'];
const WRITE_DELEGATED = ['Files.ReadWrite', 'Files.ReadWrite.All', 'Sites.ReadWrite.All'];
const SITES = ['Sites.Read.All', 'Sites.ReadWrite.All'];
const SETTINGS = ['SharePointTenantSettings.Read.All', 'SharePointTenantSettings.ReadWrite.All'];

export type Access = 'read' | 'write' | 'sites' | 'settings';

const SETS: Record<Access, { application: string[]; delegated: string[] }> = {
  read: { application: READ_APP, delegated: READ_DELEGATED },
  write: { application: WRITE_APP, delegated: WRITE_DELEGATED },
  sites: { application: SITES, delegated: SITES },
  settings: { application: SETTINGS, delegated: SETTINGS },
};

/** One permission row; `/me` paths take delegated tokens only. */
export function row(method: string, path: string, access: Access): EndpointPermissions {
  const set = SETS[access];
  return {
    id: `files.${method.toLowerCase()}.${path}`,
    method,
    path,
    workload: 'files',
    application: path.startsWith('/me') ? null : set.application,
    delegated: set.delegated,
  };
}

/** Item operations, relative to a drive: `{drive}/items/{item-id}/...` (also `root`, `root:/path:`, `items/{id}:/path:`). */
export const ITEM_OPERATIONS: { method: string; suffix: string; access: Access }[] = [
  { method: 'GET', suffix: '/root', access: 'read' },
  { method: 'GET', suffix: '/items/{item-id}', access: 'read' },
  { method: 'GET', suffix: '/root:/{path}', access: 'read' },
  { method: 'GET', suffix: '/items/{item-id}/children', access: 'read' },
  { method: 'GET', suffix: '/items/{item-id}/content', access: 'read' },
  { method: 'GET', suffix: '/root/delta', access: 'read' },
  { method: 'GET', suffix: '/items/{item-id}/permissions', access: 'read' },
  { method: 'GET', suffix: '/items/{item-id}/permissions/{perm-id}', access: 'read' },
  { method: 'POST', suffix: '/items/{item-id}/children', access: 'write' },
  { method: 'PATCH', suffix: '/items/{item-id}', access: 'write' },
  { method: 'DELETE', suffix: '/items/{item-id}', access: 'write' },
  { method: 'PUT', suffix: '/items/{parent-id}:/{filename}:/content', access: 'write' },
  { method: 'PUT', suffix: '/items/{item-id}/content', access: 'write' },
  { method: 'POST', suffix: '/items/{item-id}/createUploadSession', access: 'write' },
  { method: 'POST', suffix: '/items/{item-id}/copy', access: 'write' },
  { method: 'POST', suffix: '/items/{item-id}/createLink', access: 'write' },
  { method: 'POST', suffix: '/items/{item-id}/invite', access: 'write' },
  { method: 'DELETE', suffix: '/items/{item-id}/permissions/{perm-id}', access: 'write' },
];

export const DRIVE_PREFIXES = ['/drives/{drive-id}', '/users/{id}/drive', '/me/drive', '/sites/{site-id}/drive'];

/**
 * Every files endpoint's row, for the README table. Item operations are listed under `/drives/{drive-id}`; the same
 * rows apply under `/users/{id}/drive`, `/me/drive` (delegated only) and `/sites/{site-id}/drive`.
 */
export const FILES_PERMISSIONS: EndpointPermissions[] = [
  ...DRIVE_PREFIXES.map((p) => row('GET', p, 'read')),
  row('GET', '/sites/{site-id}/drives', 'read'),
  row('GET', '/sites/root', 'sites'),
  row('GET', '/sites/{site-id}', 'sites'),
  ...ITEM_OPERATIONS.map((op) => row(op.method, `/drives/{drive-id}${op.suffix}`, op.access)),
  row('GET', '/me/drive/root/delta', 'read'),
  row('GET', '/admin/sharepoint/settings', 'settings'),
];
