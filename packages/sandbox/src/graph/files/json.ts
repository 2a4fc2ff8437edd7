import { GraphError } from '../errors.js';
import {
  childrenOf,
  type Drive,
  type DriveItem,
  hashOf,
  pathOf,
  type SharingPermission,
  type Site,
  sizeOf,
  usedBytes,
} from './store.js';

/** OneDrive / SharePoint answers in its own words: lower-camel error codes. */
export const filesErrors = {
  itemNotFound: () => new GraphError(404, 'itemNotFound', 'The resource could not be found.'),
  mysiteNotFound: () => new GraphError(404, 'ResourceNotFound', "User's mysite not found."),
  nameAlreadyExists: (message = 'Name already exists') => new GraphError(409, 'nameAlreadyExists', message),
  invalidRequest: (message: string, inner?: string) =>
    new GraphError(400, 'invalidRequest', message, {}, inner ? { code: inner } : {}),
  accessDenied: (message = 'Access denied') => new GraphError(403, 'accessDenied', message),
  /** Observed when a tenant's sharing settings forbid the link or invitation (the code is not documented). */
  sharingDisabled: () =>
    new GraphError(403, 'accessDenied', 'The feature has been disabled. Please contact your admin to get it enabled.'),
  resourceModified: () =>
    new GraphError(
      412,
      'resourceModified',
      "ETag does not match current item's value",
      {},
      { code: 'resourceModified' },
    ),
};

/** Every driveItem property a client may `$select`. */
export const DRIVE_ITEM_PROPERTIES = [
  'id',
  'name',
  'eTag',
  'cTag',
  'createdBy',
  'createdDateTime',
  'lastModifiedBy',
  'lastModifiedDateTime',
  'parentReference',
  'webUrl',
  'size',
  'file',
  'folder',
  'root',
  'fileSystemInfo',
  'deleted',
  'shared',
  'description',
  'content.downloadUrl',
  '@microsoft.graph.downloadUrl',
  'sharepointIds',
] as const;

export const DRIVE_PROPERTIES = [
  'id',
  'driveType',
  'name',
  'description',
  'createdDateTime',
  'lastModifiedDateTime',
  'createdBy',
  'lastModifiedBy',
  'owner',
  'quota',
  'webUrl',
] as const;

function encodePath(path: string): string {
  return path
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

export function parentReference(drive: Drive, item: DriveItem, site?: Site | null) {
  const ref: Record<string, unknown> = { driveType: drive.driveType, driveId: drive.id };
  if (item.parentId === null) return ref;
  const parent = drive.items.get(item.parentId);
  ref.id = item.parentId;
  if (parent && parent.parentId !== null) ref.name = parent.name;
  ref.path = `/drives/${drive.id}/root:${parent ? encodePath(pathOf(drive, parent)) : ''}`;
  if (site) ref.siteId = site.id;
  return ref;
}

export interface ItemJsonOptions {
  /** Builds the pre-authenticated download URL of a file. */
  downloadUrl?: (item: DriveItem) => string;
  site?: Site | null;
}

/** A driveItem as Graph serialises it for OneDrive for Business / SharePoint. */
export function itemJson(drive: Drive, item: DriveItem, options: ItemJsonOptions = {}): Record<string, unknown> {
  if (item.deleted) {
    return {
      id: item.id,
      name: item.name,
      parentReference: parentReference(drive, item, options.site),
      deleted: { state: 'deleted' },
      lastModifiedDateTime: item.lastModifiedDateTime,
      ...(item.isFolder ? { folder: { childCount: 0 } } : { file: {} }),
    };
  }
  const out: Record<string, unknown> = {};
  if (!item.isFolder && options.downloadUrl) out['@microsoft.graph.downloadUrl'] = options.downloadUrl(item);
  Object.assign(out, {
    createdBy: item.createdBy,
    createdDateTime: item.createdDateTime,
    eTag: `"{${item.uniqueId}},${item.version}"`,
    id: item.id,
    lastModifiedBy: item.lastModifiedBy,
    lastModifiedDateTime: item.lastModifiedDateTime,
    name: item.name,
    parentReference: parentReference(drive, item, options.site),
    webUrl: item.parentId === null ? drive.webUrl : `${drive.itemsUrl}${encodePath(pathOf(drive, item))}`,
    cTag: `"c:{${item.uniqueId}},${item.contentVersion}"`,
    fileSystemInfo: { createdDateTime: item.createdDateTime, lastModifiedDateTime: item.lastModifiedDateTime },
    size: sizeOf(drive, item),
  });
  if (item.isFolder) out.folder = { childCount: childrenOf(drive, item.id).length };
  else out.file = { mimeType: item.mimeType, hashes: { quickXorHash: hashOf(item) } };
  if (item.description !== undefined) out.description = item.description;
  if (item.parentId === null) out.root = {};
  if (item.permissions.length > 0) out.shared = { scope: sharedScope(item.permissions) };
  return out;
}

function sharedScope(permissions: SharingPermission[]): string {
  if (permissions.some((p) => p.link?.scope === 'anonymous')) return 'anonymous';
  if (permissions.some((p) => p.link?.scope === 'organization')) return 'organization';
  return 'users';
}

export function driveJson(drive: Drive): Record<string, unknown> {
  const used = usedBytes(drive);
  let lastModified = drive.createdDateTime;
  for (const item of drive.items.values()) {
    if (item.lastModifiedDateTime > lastModified) lastModified = item.lastModifiedDateTime;
  }
  return {
    createdDateTime: drive.createdDateTime,
    description: drive.description,
    id: drive.id,
    lastModifiedDateTime: lastModified,
    name: drive.name,
    webUrl: drive.webUrl,
    driveType: drive.driveType,
    createdBy: { user: { displayName: 'System Account' } },
    lastModifiedBy: drive.ownerUserId ? drive.owner : { user: { displayName: 'System Account' } },
    owner: drive.owner,
    quota: {
      deleted: 0,
      remaining: drive.quotaTotal - used,
      state: 'normal',
      total: drive.quotaTotal,
      used,
    },
  };
}

export function siteJson(site: Site): Record<string, unknown> {
  return {
    createdDateTime: site.createdDateTime,
    description: '',
    id: site.id,
    lastModifiedDateTime: site.createdDateTime,
    name: '',
    webUrl: `https://${site.hostname}`,
    displayName: 'Communication site',
    root: {},
    siteCollection: { hostname: site.hostname },
  };
}

export function permissionJson(p: SharingPermission): Record<string, unknown> {
  const out: Record<string, unknown> = { id: p.id, roles: p.roles };
  if (p.link) {
    out.shareId = `u!${Buffer.from(p.link.webUrl).toString('base64url')}`;
    out.link = {
      scope: p.link.scope,
      type: p.link.type,
      webUrl: p.link.webUrl,
      preventsDownload: false,
      ...(p.application ? { application: p.application } : {}),
    };
    out.hasPassword = p.hasPassword ?? false;
  }
  if (p.expirationDateTime) out.expirationDateTime = p.expirationDateTime;
  if (p.grantedTo) {
    const user = {
      ...(p.grantedTo.id ? { id: p.grantedTo.id } : {}),
      displayName: p.grantedTo.displayName,
      email: p.grantedTo.email,
    };
    out.grantedToV2 = { user };
    out.grantedTo = { user };
  }
  if (p.invitation) out.invitation = p.invitation;
  return out;
}
