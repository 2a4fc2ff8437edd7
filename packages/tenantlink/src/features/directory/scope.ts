import { createHash } from 'node:crypto';
import { TenantlinkError } from '../../errors.js';
import type { DatasetConnection } from '../dataset.js';
import { type DirectorySettings, directorySettings } from './settings.js';

/** User properties kept when `settings.directory.userFields` is not given. */
export const DEFAULT_USER_FIELDS = [
  'displayName',
  'givenName',
  'surname',
  'userPrincipalName',
  'mail',
  'jobTitle',
  'department',
  'officeLocation',
  'businessPhones',
  'mobilePhone',
  'accountEnabled',
  'userType',
] as const;

/** Group properties kept. */
export const GROUP_FIELDS = [
  'displayName',
  'description',
  'mail',
  'mailEnabled',
  'mailNickname',
  'securityEnabled',
  'groupTypes',
  'visibility',
] as const;

/** What a connection's directory sync keeps, from its settings. */
export interface DirectoryScope {
  userFields: readonly string[];
  /** Lower-case domains; null keeps every domain. */
  allowedDomains: ReadonlySet<string> | null;
  /** Lower-case group IDs; null syncs every group. */
  groups: readonly string[] | null;
  /** Whether some users are left out, so memberships must follow which users are kept. */
  filtersUsers: boolean;
  syncIntervalMinutes: number | undefined;
}

export function directoryScope(connection: Pick<DatasetConnection, 'settings'>): DirectoryScope {
  const parsed = directorySettings.safeParse(connection.settings.directory ?? {});
  if (!parsed.success)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `settings.directory is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
    );
  const settings: DirectorySettings = parsed.data;
  const allowedDomains = settings.allowedDomains?.length ? new Set(settings.allowedDomains) : null;
  const groups = settings.groups?.length ? [...new Set(settings.groups)].sort() : null;
  return {
    userFields: settings.userFields ?? DEFAULT_USER_FIELDS,
    allowedDomains,
    groups,
    filtersUsers: allowedDomains !== null || groups !== null,
    syncIntervalMinutes: settings.syncIntervalMinutes,
  };
}

/** A digest of what the scope stores: when it changes, the next sync reads everything again. */
export function scopeFingerprint(scope: DirectoryScope): string {
  const facts = {
    userFields: [...scope.userFields].sort(),
    allowedDomains: scope.allowedDomains ? [...scope.allowedDomains].sort() : null,
    groups: scope.groups,
  };
  return createHash('sha256').update(JSON.stringify(facts)).digest('hex').slice(0, 16);
}

/** `$select` for users: the kept fields, plus what the domain filter reads. */
export function userSelect(scope: DirectoryScope): string[] {
  return [...new Set(['id', ...scope.userFields, 'userPrincipalName', 'mail'])];
}

export function groupSelect(): string[] {
  return ['id', ...GROUP_FIELDS, 'members'];
}

function domainOf(address: unknown): string | undefined {
  if (typeof address !== 'string') return undefined;
  const at = address.lastIndexOf('@');
  return at < 0 ? undefined : address.slice(at + 1).toLowerCase();
}

/**
 * Whether a user's mail domain is allowed (always, without a domain filter). The mail address is the one that says
 * which organisation or brand a user belongs to (a guest's is their own company's); a user without one is judged by
 * the user principal name.
 */
export function inAllowedDomains(user: Record<string, unknown>, scope: DirectoryScope): boolean {
  if (!scope.allowedDomains) return true;
  const address = typeof user.mail === 'string' && user.mail !== '' ? user.mail : user.userPrincipalName;
  const domain = domainOf(address);
  return domain !== undefined && scope.allowedDomains.has(domain);
}
