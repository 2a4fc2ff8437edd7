import type { FeedEntry } from '../../api';
import { shortId } from '../../display/format';

/** Users' and groups' names by ID, as far as they are known. */
export type DirectoryNames = ReadonlyMap<string, string>;

/** A change-feed entry in words, as a person reads it. */
export interface ChangeWording {
  /** Who or what changed: `Adele Vance`, or for a membership `Adele Vance → Product Team`. */
  subject: string;
  /** What happened: `User added or changed`, `Joined the group`, `Group deleted (restorable)`. */
  change: string;
}

type Entry = Pick<FeedEntry, 'model' | 'id' | 'action' | 'reason' | 'data'>;

const NAMED_MODELS = new Set(['users', 'groups']);

/** A user's or group's own name from its data: display name, else sign-in name, else mail. */
export function recordName(data: FeedEntry['data']): string | undefined {
  for (const field of ['displayName', 'userPrincipalName', 'mail'] as const) {
    const value = data?.[field];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

/** A membership's group and member: from its data, or (deleted, without data) from its ID `group:member`. */
export function membershipParts(entry: Pick<Entry, 'id' | 'data'>): { groupId: string; memberId: string } {
  const groupId = entry.data?.['groupId'];
  const memberId = entry.data?.['memberId'];
  if (typeof groupId === 'string' && typeof memberId === 'string') return { groupId, memberId };
  const at = entry.id.indexOf(':');
  return at < 0
    ? { groupId: entry.id, memberId: '' }
    : { groupId: entry.id.slice(0, at), memberId: entry.id.slice(at + 1) };
}

/** The names the entries carry themselves: each user and group entry with data names its record. */
export function namesIn(entries: readonly Entry[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const entry of entries) {
    const name = NAMED_MODELS.has(entry.model) ? recordName(entry.data) : undefined;
    if (name) names.set(entry.id, name);
  }
  return names;
}

/** The IDs the entries mention but do not name: a membership's group and member, a deleted user or group. */
export function unnamedIds(entries: readonly Entry[], names: DirectoryNames): string[] {
  const ids = new Set<string>();
  for (const entry of entries) {
    if (entry.model === 'memberships') {
      const { groupId, memberId } = membershipParts(entry);
      for (const id of [groupId, memberId]) if (id && !names.has(id)) ids.add(id);
    } else if (NAMED_MODELS.has(entry.model) && !recordName(entry.data) && !names.has(entry.id)) ids.add(entry.id);
  }
  return [...ids];
}

const RECORD_KINDS: Record<string, string> = { users: 'User', groups: 'Group' };
const REMOVALS: Record<NonNullable<FeedEntry['reason']>, string> = {
  deleted: 'deleted',
  softDeleted: 'deleted (restorable)',
  outOfScope: 'left the synced scope',
  missing: 'no longer found',
};

/**
 * A change-feed entry in words: users and groups by name, memberships as `member → group`. An ID nobody named yet
 * shows shortened.
 */
export function describeChange(entry: Entry, names: DirectoryNames): ChangeWording {
  const nameOf = (id: string) => names.get(id) ?? shortId(id);
  const removed = entry.action === 'delete';
  const reason = REMOVALS[entry.reason ?? 'deleted'];
  if (entry.model === 'memberships') {
    const { groupId, memberId } = membershipParts(entry);
    const subject = memberId ? `${nameOf(memberId)} → ${nameOf(groupId)}` : nameOf(groupId);
    if (!removed) return { subject, change: 'Joined the group' };
    return {
      subject,
      change: entry.reason && entry.reason !== 'deleted' ? `Left the group: ${reason}` : 'Left the group',
    };
  }
  const kind = RECORD_KINDS[entry.model];
  if (kind) {
    const subject = recordName(entry.data) ?? nameOf(entry.id);
    return { subject, change: removed ? `${kind} ${reason}` : `${kind} added or changed` };
  }
  return {
    subject: recordName(entry.data) ?? shortId(entry.id),
    change: `${entry.model}: ${removed ? reason : 'added or changed'}`,
  };
}
