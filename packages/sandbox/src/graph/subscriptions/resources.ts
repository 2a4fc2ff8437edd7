import type { Directory } from '../../tenant/directory.js';
import type { Tenant } from '../../tenant/model.js';
import type { Caller } from '../auth.js';
import { GraphError } from '../errors.js';

export type ChangeType = 'created' | 'updated' | 'deleted';

/** What a subscription watches, resolved from its `resource` string. */
export interface WatchedResource {
  kind: 'users' | 'groups' | 'messages' | 'events' | 'presence' | 'driveItems';
  /** Canonical prefix the published change's resource must equal or start with (`users/{id}/messages`). */
  prefixes: string[];
  /** Longest lifetime Microsoft allows, in minutes. */
  maxMinutes: number;
  /** Change types the resource supports. */
  changeTypes: ChangeType[];
  /** Application and delegated permissions, any of which allows the subscription (the resource's read permission). */
  application: string[];
  delegated: string[];
}

const validation = (message: string) => new GraphError(400, 'ValidationError', message);

/** Lifetimes in minutes (Microsoft's table; Outlook resources: 10,080 in the current doc, 4,230 in older ones). */
export const MAX_MINUTES = {
  outlook: 10_080,
  directory: 41_760,
  driveItems: 42_300,
  presence: 60,
};

/**
 * Parses a subscription's `resource`: users, groups, a user's messages (optionally of a folder), events, presence of
 * users, a drive's root. `/me` and UPNs are resolved to object IDs now, as Graph does.
 */
export function parseResource(resource: string, tenant: Tenant, caller: Caller, directory: Directory): WatchedResource {
  const path = resource.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  const userId = (segment: string): string => {
    if (segment.toLowerCase() === 'me') {
      if (!caller.user) throw validation("Resource 'me' requires a delegated token.");
      return caller.user.id;
    }
    let name: string;
    try {
      name = decodeURIComponent(segment.replace(/^'|'$/g, ''));
    } catch {
      throw validation(`Resource '${resource}' is not a valid resource path.`);
    }
    const user = directory.findUser(tenant, name);
    if (!user) throw new GraphError(404, 'ResourceNotFound', `Resource '${segment}' was not found.`);
    return user.id;
  };
  const lower = path.toLowerCase();
  if (lower === 'users' || /^users\/[^/]+$/.test(lower)) {
    const id = lower === 'users' ? null : userId(path.split('/')[1]!);
    return {
      kind: 'users',
      prefixes: [id ? `users/${id}` : 'users'],
      maxMinutes: MAX_MINUTES.directory,
      changeTypes: ['updated', 'deleted'],
      application: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
      delegated: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
    };
  }
  if (lower === 'groups' || /^groups\/[^/]+$/.test(lower)) {
    const id = lower === 'groups' ? null : path.split('/')[1]!.toLowerCase();
    if (id && !tenant.groups.has(id)) throw new GraphError(404, 'ResourceNotFound', `Resource '${id}' was not found.`);
    return {
      kind: 'groups',
      prefixes: [id ? `groups/${id}` : 'groups'],
      maxMinutes: MAX_MINUTES.directory,
      changeTypes: ['updated', 'deleted'],
      application: [
        'GroupMember.Read.All',
        'Group.Read.All',
        'Directory.Read.All',
        'Group.ReadWrite.All',
        'Directory.ReadWrite.All',
      ],
      delegated: [
        'GroupMember.Read.All',
        'Group.Read.All',
        'Directory.Read.All',
        'Group.ReadWrite.All',
        'Directory.ReadWrite.All',
      ],
    };
  }
  const mail = /^(users\/[^/]+|me)(?:\/mailfolders\((?:'([^']+)')\)|\/mailfolders\/([^/]+))?\/messages$/i.exec(path);
  if (mail) {
    const owner = mail[1]!.toLowerCase() === 'me' ? userId('me') : userId(mail[1]!.split('/')[1]!);
    return {
      kind: 'messages',
      prefixes: [`users/${owner}/messages`],
      maxMinutes: MAX_MINUTES.outlook,
      changeTypes: ['created', 'updated', 'deleted'],
      application: ['Mail.ReadBasic.All', 'Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
      delegated: ['Mail.ReadBasic', 'Mail.Read', 'Mail.ReadWrite'],
    };
  }
  const events = /^(users\/[^/]+|me)\/(?:calendar\/)?events$/i.exec(path);
  if (events) {
    const owner = events[1]!.toLowerCase() === 'me' ? userId('me') : userId(events[1]!.split('/')[1]!);
    return {
      kind: 'events',
      prefixes: [`users/${owner}/events`],
      maxMinutes: MAX_MINUTES.outlook,
      changeTypes: ['created', 'updated', 'deleted'],
      application: ['Calendars.ReadBasic.All', 'Calendars.Read', 'Calendars.ReadWrite'],
      delegated: ['Calendars.ReadBasic', 'Calendars.Read', 'Calendars.ReadWrite'],
    };
  }
  const presence = /^communications\/presences(?:\/([^/?]+)|\?\$filter=id in \((.*)\))$/i.exec(path);
  if (presence) {
    const ids = presence[1] ? [presence[1]] : [...(presence[2] ?? '').matchAll(/'([^']+)'/g)].map((m) => m[1]!);
    if (ids.length === 0) throw validation('A presence subscription names one or more user IDs.');
    return {
      kind: 'presence',
      prefixes: ids.map((id) => `communications/presences/${userId(id)}`),
      maxMinutes: MAX_MINUTES.presence,
      changeTypes: ['updated'],
      application: ['Presence.Read.All', 'Presence.ReadWrite.All'],
      delegated: ['Presence.Read.All', 'Presence.ReadWrite.All'],
    };
  }
  const drive = /^(?:drives\/([^/]+)|users\/([^/]+)\/drive|me\/drive)\/root$/i.exec(path);
  if (drive) {
    const owner = drive[2] ? userId(drive[2]) : drive[1] ? null : userId('me');
    return {
      kind: 'driveItems',
      // A user's drive is found by owner: the files workload publishes drives/{driveId}/items/… and names the owner drive too.
      prefixes: drive[1] ? [`drives/${drive[1]}`] : [`users/${owner}/drive`],
      maxMinutes: MAX_MINUTES.driveItems,
      changeTypes: ['updated'],
      application: ['Files.Read.All', 'Files.ReadWrite.All', 'Sites.Read.All', 'Sites.ReadWrite.All'],
      delegated: ['Files.Read', 'Files.Read.All', 'Files.ReadWrite', 'Files.ReadWrite.All'],
    };
  }
  throw validation(`Resource '${resource}' is not supported for change notifications.`);
}

/** Whether a published change's resource path falls under a subscription's prefixes. */
export function matches(prefixes: string[], resource: string): boolean {
  const path = resource.toLowerCase();
  return prefixes.some((p) => {
    const prefix = p.toLowerCase();
    return path === prefix || path.startsWith(`${prefix}/`);
  });
}
