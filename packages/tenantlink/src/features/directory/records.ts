import type { RecordDeleteReason } from '../../store/schema.js';
import { type DirectoryScope, GROUP_FIELDS } from './scope.js';

/** A directory object as Graph returns it in a list or a delta page. */
export type GraphObject = Record<string, unknown> & {
  id?: unknown;
  '@removed'?: { reason?: string };
  '@odata.type'?: string;
};

export const MODELS = { users: 'users', groups: 'groups', memberships: 'memberships' } as const;

/** The properties present on the object among `fields`, plus its id. */
function pick(item: GraphObject, fields: readonly string[]): Record<string, unknown> {
  const data: Record<string, unknown> = { id: String(item.id) };
  for (const field of fields) if (field in item) data[field] = item[field];
  return data;
}

export function userData(item: GraphObject, scope: DirectoryScope): Record<string, unknown> {
  return pick(item, scope.userFields);
}

export function groupData(item: GraphObject): Record<string, unknown> {
  return pick(item, GROUP_FIELDS);
}

/** `@removed.reason`: `changed` is a soft delete (restorable for 30 days), `deleted` is for good. */
export function removedReason(item: GraphObject): RecordDeleteReason {
  return item['@removed']?.reason === 'changed' ? 'softDeleted' : 'deleted';
}

export type MemberType = 'user' | 'group' | string;

/** `#microsoft.graph.user` → `user`; devices, contacts and service principals keep their own names. */
export function memberTypeOf(member: GraphObject): MemberType {
  const type = member['@odata.type'];
  return typeof type === 'string' && type.startsWith('#microsoft.graph.')
    ? type.slice('#microsoft.graph.'.length)
    : 'user';
}

export interface Membership {
  groupId: string;
  memberId: string;
  memberType: MemberType;
}

/** A membership's record id: the group and the member. */
export function membershipId(m: Pick<Membership, 'groupId' | 'memberId'>): string {
  return `${m.groupId}:${m.memberId}`;
}

export function membershipData(m: Membership): Record<string, unknown> {
  return { groupId: m.groupId, memberId: m.memberId, memberType: m.memberType };
}
