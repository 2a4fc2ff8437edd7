import type { RecordWrite } from '../../store/records-repository.js';
import type { RecordDeleteReason } from '../../store/schema.js';
import type { ApplyContext } from '../dataset.js';
import { revealMemberships } from './membership-scope.js';
import {
  type GraphObject,
  groupData,
  type Membership,
  MODELS,
  membershipData,
  membershipId,
  userData,
} from './records.js';
import { type DirectoryScope, inAllowedDomains } from './scope.js';

export interface MembershipChange extends Membership {
  removed: boolean;
}

/** A page of the groups stream, the same whether it came from a listing or a delta round. */
export interface GroupsPage {
  /** Groups to store: all their properties (a full read), or those a delta item carries (merged). */
  groups: GraphObject[];
  removedGroups: { id: string; reason: RecordDeleteReason }[];
  memberships: MembershipChange[];
  /** With a groups filter, in a delta round: users added to a group who were not kept yet, read through `$batch`. */
  joiners: GraphObject[];
}

/**
 * Stores a page of groups and memberships. A membership shows when its member is kept: a user the filters keep, a
 * group in scope, or any other kind of member (devices, contacts, service principals).
 */
export async function applyGroups(page: GroupsPage, scope: DirectoryScope, context: ApplyContext): Promise<void> {
  const { connectionId, records } = context;
  const writes: RecordWrite[] = [];
  for (const { id, reason } of page.removedGroups) writes.push({ op: 'delete', model: MODELS.groups, id, reason });
  for (const group of page.groups)
    writes.push({
      op: 'upsert',
      model: MODELS.groups,
      id: String(group.id),
      data: groupData(group),
      // A delta item may carry only some properties (a membership-only change): lay them over what is stored.
      merge: context.mode === 'delta',
    });

  // Users a groups filter brings into scope are stored first, so their memberships show.
  const entering: string[] = [];
  if (page.joiners.length > 0) {
    const before = await records.get(
      connectionId,
      MODELS.users,
      page.joiners.map((u) => String(u.id)),
    );
    const joiners = page.joiners.filter((u) => inAllowedDomains(u, scope));
    await context.write(
      joiners.map((u) => ({ op: 'upsert' as const, model: MODELS.users, id: String(u.id), data: userData(u, scope) })),
    );
    for (const u of joiners) if (before.get(String(u.id))?.deleted !== false) entering.push(String(u.id));
  }

  let keptUsers: Set<string> | undefined;
  if (scope.filtersUsers) {
    const userIds = page.memberships.filter((m) => !m.removed && m.memberType === 'user').map((m) => m.memberId);
    const found = await records.get(connectionId, MODELS.users, userIds);
    keptUsers = new Set([...found.values()].filter((r) => !r.deleted).map((r) => r.id));
  }
  const shown = (m: Membership) => {
    if (m.memberType === 'user') return !keptUsers || keptUsers.has(m.memberId);
    if (m.memberType === 'group') return !scope.groups || scope.groups.includes(m.memberId.toLowerCase());
    return true;
  };
  for (const m of page.memberships) {
    const base = { model: MODELS.memberships, id: membershipId(m), parentId: m.groupId, refId: m.memberId };
    const data = membershipData(m);
    if (m.removed) writes.push({ ...base, op: 'delete', reason: 'deleted', keep: data });
    else if (shown(m)) writes.push({ ...base, op: 'upsert', data });
    else writes.push({ ...base, op: 'delete', reason: 'outOfScope', keep: data });
  }
  await context.write(writes);

  // Graph does not list a deleted group's memberships as removed: they go with it.
  for (const { id: groupId } of page.removedGroups) {
    for await (const chunk of records.byParent(connectionId, MODELS.memberships, groupId)) {
      await context.write(
        chunk.map((r) => ({
          op: 'delete' as const,
          model: MODELS.memberships,
          id: r.id,
          reason: 'deleted' as const,
          ...(r.data ? { keep: r.data } : {}),
        })),
        { seen: false },
      );
      if (scope.groups) await usersLeavingGroups(chunk.map((r) => r.refId!).filter(Boolean), context);
    }
  }
  if (scope.groups)
    await usersLeavingGroups(
      page.memberships.filter((m) => m.removed && m.memberType === 'user').map((m) => m.memberId),
      context,
    );
  await revealMemberships(entering, context);
}

/** With a groups filter, users who are no longer a direct member of any of the groups leave scope. */
async function usersLeavingGroups(userIds: readonly string[], context: ApplyContext): Promise<void> {
  if (userIds.length === 0) return;
  const { connectionId, records } = context;
  const rows = await records.byRef(connectionId, MODELS.memberships, userIds);
  const stillMembers = new Set(rows.filter((r) => !r.deleted || r.reason === 'outOfScope').map((r) => r.refId));
  const leaving = [...new Set(userIds)].filter((id) => !stillMembers.has(id));
  const users = await records.get(connectionId, MODELS.users, leaving);
  await context.write(
    [...users.values()]
      .filter((u) => !u.deleted)
      .map((u) => ({ op: 'delete' as const, model: MODELS.users, id: u.id, reason: 'outOfScope' as const })),
    { seen: false },
  );
}
