import { GLOBAL_ADMINISTRATOR_ROLE_ID, type Tenant, type User } from '../../tenant/model.js';
import type { GraphCall } from '../context.js';
import { chargeUnits, publishChange } from './access.js';
import { filesErrors, permissionJson } from './json.js';
import { type Drive, type DriveItem, newPermissionId, type SharingPermission, tenantLabel } from './store.js';

/**
 * Sharing: links (createLink), invitations (invite), the item's permissions, and the tenant's SharePoint sharing
 * settings that gate them. `sharingCapability` decides what may leave the organisation:
 * disabled (nothing), existingExternalUserSharingOnly (guests already in the directory), externalUserSharingOnly
 * (new guests, no anonymous links), externalUserAndGuestSharing (also anonymous "Anyone" links).
 */

const LINK_TYPES = ['view', 'edit', 'embed'] as const;
const LINK_SCOPES = ['anonymous', 'organization', 'users'] as const;
type LinkType = (typeof LINK_TYPES)[number];
type LinkScope = (typeof LINK_SCOPES)[number];

/** `:w:` Word, `:x:` Excel, `:b:` PDF, `:f:` folder ...: the type letter of SharePoint sharing URLs. */
function linkLetter(item: DriveItem): string {
  if (item.isFolder) return 'f';
  const ext = item.name.slice(item.name.lastIndexOf('.') + 1).toLowerCase();
  return (
    ({ docx: 'w', doc: 'w', xlsx: 'x', xls: 'x', pptx: 'p', ppt: 'p', pdf: 'b', txt: 't' } as Record<string, string>)[
      ext
    ] ?? 'u'
  );
}

function linkUrl(tenant: Tenant, drive: Drive, item: DriveItem, id: string): string {
  const label = tenantLabel(tenant);
  const site = drive.driveType === 'business' ? `${label}-my.sharepoint.com` : `${label}.sharepoint.com`;
  const where =
    drive.driveType === 'business' ? `g/personal/${drive.webUrl.split('/personal/')[1]?.split('/')[0] ?? ''}` : 'g';
  return `https://${site}/:${linkLetter(item)}:/${where}/${id}`;
}

function permissionsBody(call: GraphCall, drive: Drive, item: DriveItem, value: SharingPermission[]) {
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#drives('${drive.id}')/items('${item.id}')/permissions`,
    value: value.map(permissionJson),
  };
}

/** The owner's permission every OneDrive item shows first (not deletable). */
function ownerPermission(drive: Drive): SharingPermission | undefined {
  const user = drive.owner.user;
  if (!user) return undefined;
  return {
    id: 'aTowIy5mfG1lbWJlcnNoaXB8b3duZXI',
    roles: ['owner'],
    grantedTo: { id: user.id, displayName: user.displayName ?? '', email: user.email ?? '' },
  };
}

export function listPermissions(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 5);
  const owner = ownerPermission(drive);
  return permissionsBody(call, drive, item, [...(owner ? [owner] : []), ...item.permissions]);
}

export function getPermission(call: GraphCall, drive: Drive, item: DriveItem, permissionId: string) {
  chargeUnits(call, 5);
  const owner = ownerPermission(drive);
  const found = owner?.id === permissionId ? owner : item.permissions.find((p) => p.id === permissionId);
  if (!found) throw filesErrors.itemNotFound();
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#drives('${drive.id}')/items('${item.id}')/permissions/$entity`,
    ...permissionJson(found),
  };
}

export function deletePermission(call: GraphCall, drive: Drive, item: DriveItem, permissionId: string) {
  chargeUnits(call, 5);
  if (ownerPermission(drive)?.id === permissionId) throw filesErrors.accessDenied();
  const index = item.permissions.findIndex((p) => p.id === permissionId);
  if (index < 0) throw filesErrors.itemNotFound();
  item.permissions.splice(index, 1);
  publishChange(call, drive, item, 'updated');
  return undefined;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw filesErrors.invalidRequest(`Invalid value for ${what}: '${String(value)}'.`);
}

/** `POST …/createLink`: returns the existing link of that type and scope (200) or a new one (201). */
export function createLink(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 5);
  const body = (call.body ?? {}) as Record<string, unknown>;
  const type: LinkType = oneOf(body.type, LINK_TYPES, 'type');
  const scope: LinkScope = body.scope === undefined ? 'organization' : oneOf(body.scope, LINK_SCOPES, 'scope');
  if (type === 'embed') {
    throw filesErrors.invalidRequest('Embed links are only supported on OneDrive personal.', 'notSupported');
  }
  if (scope === 'anonymous' && call.tenant.settings.sharingCapability !== 'externalUserAndGuestSharing') {
    throw filesErrors.sharingDisabled();
  }
  const password = typeof body.password === 'string' && body.password !== '' ? body.password : undefined;
  const expiration = typeof body.expirationDateTime === 'string' ? body.expirationDateTime : undefined;
  if ((password || expiration) && scope !== 'anonymous') {
    throw filesErrors.invalidRequest('A password or an expiration can only be set on anonymous links.');
  }
  if (expiration !== undefined && Number.isNaN(Date.parse(expiration))) {
    throw filesErrors.invalidRequest(`Invalid expirationDateTime: '${expiration}'.`);
  }
  const existing = item.permissions.find(
    (p) => p.link?.type === type && p.link.scope === scope && !p.hasPassword && !p.expirationDateTime,
  );
  if (existing && !password && !expiration) {
    return { status: 200, body: permissionJson(existing), contentType: 'application/json' };
  }
  const id = newPermissionId();
  const permission: SharingPermission = {
    id,
    roles: [type === 'edit' ? 'write' : 'read'],
    link: { type, scope, webUrl: linkUrl(call.tenant, drive, item, `E${id}`) },
    hasPassword: password !== undefined,
  };
  if (expiration) permission.expirationDateTime = new Date(expiration).toISOString();
  if (call.caller.kind === 'app') {
    permission.application = {
      id: call.caller.appId,
      displayName: call.caller.servicePrincipal?.displayName ?? call.caller.appId,
    };
  }
  item.permissions.push(permission);
  publishChange(call, drive, item, 'updated');
  return { status: 201, body: permissionJson(permission), contentType: 'application/json' };
}

function isInternalDomain(tenant: Tenant, email: string): boolean {
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  return tenant.verifiedDomains.some((d) => d.name.toLowerCase() === domain);
}

function directoryUserByEmail(call: GraphCall, email: string): User | undefined {
  const lower = email.toLowerCase();
  for (const user of call.tenant.users.values()) {
    if (user.mail?.toLowerCase() === lower || user.userPrincipalName.toLowerCase() === lower) return user;
  }
  return undefined;
}

/** Whether the tenant lets this recipient outside the organisation in. */
function externalAllowed(tenant: Tenant, guest: User | undefined): boolean {
  switch (tenant.settings.sharingCapability) {
    case 'disabled':
      return false;
    case 'existingExternalUserSharingOnly':
      return guest !== undefined;
    default:
      return true;
  }
}

/** `POST …/invite`: grants each recipient the roles; one permission per recipient. */
export function invite(call: GraphCall, drive: Drive, item: DriveItem) {
  chargeUnits(call, 5);
  const body = (call.body ?? {}) as Record<string, unknown>;
  const recipients = body.recipients;
  if (!Array.isArray(recipients) || recipients.length === 0) {
    throw filesErrors.invalidRequest('At least one recipient is required.');
  }
  const roles = body.roles;
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => r === 'read' || r === 'write')) {
    throw filesErrors.invalidRequest("Roles must be 'read' or 'write'.");
  }
  if (typeof body.message === 'string' && body.message.length > 2000) {
    throw filesErrors.invalidRequest('The message cannot be longer than 2000 characters.');
  }
  const requireSignIn = body.requireSignIn !== false;
  const granted: SharingPermission[] = [];
  for (const recipient of recipients as Record<string, unknown>[]) {
    if (!recipient || typeof recipient !== 'object')
      throw filesErrors.invalidRequest('Each recipient needs an email or an objectId.');
    const user =
      typeof recipient.objectId === 'string'
        ? call.tenant.users.get(recipient.objectId.toLowerCase())
        : typeof recipient.email === 'string'
          ? directoryUserByEmail(call, recipient.email)
          : undefined;
    const email = typeof recipient.email === 'string' ? recipient.email : (user?.mail ?? user?.userPrincipalName);
    if (!email) throw filesErrors.invalidRequest('Each recipient needs an email or an objectId.');
    const internal = user ? user.userType === 'Member' : isInternalDomain(call.tenant, email);
    if (!internal && !externalAllowed(call.tenant, user)) throw filesErrors.sharingDisabled();
    const permission: SharingPermission = {
      id: newPermissionId(),
      roles: [...new Set(roles as string[])],
      grantedTo: { ...(user ? { id: user.id } : {}), displayName: user?.displayName ?? email, email },
    };
    if (!internal) permission.invitation = { email, signInRequired: requireSignIn };
    item.permissions.push(permission);
    granted.push(permission);
  }
  publishChange(call, drive, item, 'updated');
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#Collection(microsoft.graph.permission)`,
    value: granted.map(permissionJson),
  };
}

/** `GET /admin/sharepoint/settings`: a delegated caller must also be a SharePoint or Global Administrator. */
export function sharePointSettings(call: GraphCall) {
  if (call.caller.kind === 'user' && !call.caller.user?.directoryRoleIds.includes(GLOBAL_ADMINISTRATOR_ROLE_ID)) {
    throw filesErrors.accessDenied();
  }
  const s = call.tenant.settings;
  return {
    '@odata.context': `${call.origin}/v1.0/$metadata#admin/sharepoint/settings/$entity`,
    allowedDomainGuidsForSyncApp: [],
    availableManagedPathsForSiteCreation: ['/sites/', '/teams/'],
    deletedUserPersonalSiteRetentionPeriodInDays: 30,
    excludedFileExtensionsForSyncApp: [],
    idleSessionSignOut: { isEnabled: false, warnAfterInSeconds: 0, signOutAfterInSeconds: 0 },
    imageTaggingOption: 'basic',
    isCommentingOnSitePagesEnabled: true,
    isFileActivityNotificationEnabled: true,
    isLegacyAuthProtocolsEnabled: true,
    isLoopEnabled: true,
    isMacSyncAppEnabled: true,
    isRequireAcceptingUserToMatchInvitedUserEnabled: true,
    isResharingByExternalUsersEnabled: false,
    isSharePointMobileNotificationEnabled: true,
    isSharePointNewsfeedEnabled: false,
    isSiteCreationEnabled: true,
    isSiteCreationUIEnabled: true,
    isSitePagesCreationEnabled: true,
    isSitesStorageLimitAutomatic: true,
    isSyncButtonHiddenOnPersonalSite: false,
    isUnmanagedSyncAppForTenantRestricted: false,
    personalSiteDefaultStorageLimitInMB: 1_048_576,
    sharingAllowedDomainList: [],
    sharingBlockedDomainList: [],
    sharingCapability: s.sharingCapability,
    sharingDomainRestrictionMode: 'none',
    siteCreationDefaultManagedPath: '/sites/',
    siteCreationDefaultStorageLimitInMB: 26_214_400,
    tenantDefaultTimezone: '(UTC) Coordinated Universal Time',
  };
}
