import type { RecordDeleteReason } from '../../store/schema.js';
import type { ReadContext, StreamRead, SyncStream } from '../dataset.js';
import { fetchUsers, GROUPS_PERMISSION, LIST_PAGE_SIZE, missingLink, readPage } from './graph-reads.js';
import { applyGroups, type GroupsPage, type MembershipChange } from './groups-apply.js';
import { type GraphObject, MODELS, memberTypeOf, removedReason } from './records.js';
import { type DirectoryScope, GROUP_FIELDS, groupSelect, userSelect } from './scope.js';

/** `$expand` inlines at most this many members, without a nextLink: a group with this many needs its own read. */
const EXPANDED_MEMBERS = 20;
/**
 * Member pages read per step: four `$batch` calls of 20, sent in parallel. It also bounds what one commit holds
 * (80 pages of at most 999 members), whatever the size of the groups list page.
 */
const MEMBER_PAGES_PER_READ = 80;

/**
 * Where the groups stream stands.
 * - `delta` with `probe`: a full read starts with one page of a first `/groups/delta` round. When that page ends the
 *   round (a small tenant), its deltaLink is all the next round needs. Otherwise the groups are listed:
 * - `latest`: a groups delta link from now, so changes made while the groups are listed come back in the next round;
 * - `list`: `/groups?$expand=members` pages (`listLink`: the next one; null once the list is read). A group listed
 *   with 20 members may have more: it goes to `pending`, whose member pages are read 80 at a time through `$batch`
 *   (a group with more than one page goes back with its nextLink) before the list goes on;
 * - `delta`: a `/groups/delta` round with `members` selected (also a whole full read with a groups filter, which
 *   delta takes as `$filter=id eq …`). Once done, `link` is the deltaLink for the next round.
 */
export interface GroupsPosition {
  step: 'latest' | 'list' | 'delta';
  link?: string;
  deltaLink?: string;
  listLink?: string | null;
  pending?: { groupId: string; link: string }[];
  probe?: boolean;
}

/** How a full read gets groups and members: listing them unless one delta page holds them all, or a first delta round. */
export type GroupsFullRead = 'list' | 'delta';

/**
 * Groups and their memberships. Delta rounds read `/groups/delta` with `members` selected: `members@delta` brings
 * additions and removals. With a groups filter, every round is limited to those groups (`$filter=id eq …`, ≤ 50).
 */
export function groupsStream(scope: DirectoryScope, fullRead: GroupsFullRead = 'list'): SyncStream<GroupsPage> {
  const filter = scope.groups ? { $filter: scope.groups.map((id) => `id eq '${id}'`).join(' or ') } : undefined;
  // `/groups` filters by id with `in`, at most 15 values; a filtered scope is small, so delta reads it whole.
  const listing = fullRead === 'list' && !filter;
  return {
    name: MODELS.groups,
    fullStart: (): GroupsPosition => (listing ? { step: 'delta', probe: true } : { step: 'delta' }),
    deltaStart: (finished) => {
      const p = finished as GroupsPosition | undefined;
      return p?.step === 'delta' && p.link ? { step: 'delta', link: p.link } : undefined;
    },
    read: (position, context) => {
      const p = position as GroupsPosition;
      if (p.step === 'latest') return readLatest(filter, context);
      if (p.step === 'list') return readList(p, context);
      return readDelta(p, scope, filter, context);
    },
    apply: (page, context) => applyGroups(page, scope, context),
  };
}

const emptyPage = (): GroupsPage => ({ groups: [], removedGroups: [], memberships: [], joiners: [] });

async function readLatest(
  filter: Record<string, string> | undefined,
  context: ReadContext,
): Promise<StreamRead<GroupsPage>> {
  const page = await readPage(context.graph, '/groups/delta', {
    query: { ...filter, $deltatoken: 'latest' },
    select: groupSelect(),
    signal: context.signal,
    permission: GROUPS_PERMISSION,
  });
  const deltaLink = page['@odata.deltaLink'];
  if (!deltaLink) throw missingLink('GET /groups/delta?$deltatoken=latest');
  return { page: emptyPage(), next: { step: 'list', deltaLink }, done: false, records: 0 };
}

async function readList(p: GroupsPosition, context: ReadContext): Promise<StreamRead<GroupsPage>> {
  const page = emptyPage();
  let pending = p.pending ?? [];
  let listLink = p.listLink;
  let records = 0;
  if (pending.length > 0) {
    // Members of the groups listed last (and further pages of large ones), before the list goes on.
    const now = pending.slice(0, MEMBER_PAGES_PER_READ);
    const read = await readMemberPages(now, context);
    page.memberships.push(...read.memberships);
    pending = [...read.pending, ...pending.slice(now.length)];
  } else {
    const listed = await readPage(context.graph, listLink ?? '/groups', {
      query: { $top: LIST_PAGE_SIZE, $expand: 'members($select=id)' },
      select: ['id', ...GROUP_FIELDS],
      signal: context.signal,
      permission: GROUPS_PERMISSION,
    });
    listLink = listed['@odata.nextLink'] ?? null;
    records = listed.value.length;
    for (const group of listed.value) {
      const { members, ...properties } = group as GraphObject & { members?: GraphObject[] };
      page.groups.push(properties);
      const groupId = String(group.id);
      // The listing cut this group's members short: they are read next, through $batch.
      if ((members?.length ?? 0) >= EXPANDED_MEMBERS)
        pending.push({
          groupId,
          link: `/groups/${encodeURIComponent(groupId)}/members?$select=id&$top=${LIST_PAGE_SIZE}`,
        });
      else page.memberships.push(...(members ?? []).map((m) => change(groupId, m)));
    }
  }
  const done = listLink === null && pending.length === 0;
  const next: GroupsPosition = done
    ? { step: 'delta', ...(p.deltaLink ? { link: p.deltaLink } : {}) }
    : { step: 'list', ...(p.deltaLink ? { deltaLink: p.deltaLink } : {}), listLink: listLink ?? null, pending };
  return { page, next, done, records };
}

/** One member page of each group, in `$batch` calls; groups with more pages come back as still pending. */
async function readMemberPages(
  groups: readonly { groupId: string; link: string }[],
  context: ReadContext,
): Promise<{ memberships: MembershipChange[]; pending: { groupId: string; link: string }[] }> {
  const memberships: MembershipChange[] = [];
  const pending: { groupId: string; link: string }[] = [];
  if (groups.length === 0) return { memberships, pending };
  const results = await context.graph.batch<{ value?: GraphObject[]; '@odata.nextLink'?: string }>(
    groups.map((g, i) => ({ id: String(i), method: 'GET', url: g.link, permission: GROUPS_PERMISSION })),
    { signal: context.signal },
  );
  results.forEach((result, i) => {
    const { groupId } = groups[i]!;
    // A group deleted since it was listed: the delta round from the latest link says so.
    if (result.status === 404) return;
    if (result.error) throw result.error;
    memberships.push(...(result.body?.value ?? []).map((m) => change(groupId, m)));
    const nextLink = result.body?.['@odata.nextLink'];
    if (nextLink) pending.push({ groupId, link: nextLink });
  });
  return { memberships, pending };
}

function change(groupId: string, member: GraphObject): MembershipChange {
  return {
    groupId,
    memberId: String(member.id),
    memberType: memberTypeOf(member),
    removed: member['@removed'] !== undefined,
  };
}

async function readDelta(
  p: GroupsPosition,
  scope: DirectoryScope,
  filter: Record<string, string> | undefined,
  context: ReadContext,
): Promise<StreamRead<GroupsPage>> {
  const listed = await readPage(context.graph, p.link ?? '/groups/delta', {
    ...(filter ? { query: filter } : {}),
    select: groupSelect(),
    signal: context.signal,
    permission: GROUPS_PERMISSION,
  });
  const nextLink = listed['@odata.nextLink'];
  const deltaLink = listed['@odata.deltaLink'];
  if (!nextLink && !deltaLink) throw missingLink('GET /groups/delta');
  if (nextLink && p.probe) {
    // More than a page: listing reads everything with fewer requests. This page is not stored: it was read before
    // the `latest` link, so a change made in between would be in neither.
    return { page: emptyPage(), next: { step: 'latest' }, done: false, records: 0 };
  }
  const page = emptyPage();
  for (const item of listed.value) {
    const groupId = String(item.id);
    if (item['@removed']) {
      page.removedGroups.push({ id: groupId, reason: removedReason(item) as RecordDeleteReason });
      continue;
    }
    const { 'members@delta': members, ...properties } = item as GraphObject & { 'members@delta'?: GraphObject[] };
    page.groups.push(properties);
    page.memberships.push(...(members ?? []).map((m) => change(groupId, m)));
  }
  if (context.mode === 'delta' && scope.groups) page.joiners = await readJoiners(page.memberships, scope, context);
  return {
    page,
    next: { step: 'delta', link: nextLink ?? deltaLink },
    done: !nextLink,
    records: listed.value.length,
  };
}

/**
 * With a groups filter, a user added to one of the groups comes into scope, but the users delta only reports users
 * whose properties changed: such users are read here, 20 to a `$batch` call. (In a full read the users stream comes
 * after the groups and sees them all.)
 */
async function readJoiners(
  memberships: readonly MembershipChange[],
  scope: DirectoryScope,
  context: ReadContext,
): Promise<GraphObject[]> {
  const added = [...new Set(memberships.filter((m) => !m.removed && m.memberType === 'user').map((m) => m.memberId))];
  if (added.length === 0) return [];
  const stored = await context.records.get(context.connectionId, MODELS.users, added);
  const missing = added.filter((id) => stored.get(id)?.deleted !== false);
  return fetchUsers(context.graph, missing, userSelect(scope), context.signal);
}
