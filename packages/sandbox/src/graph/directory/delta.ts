import type { Change } from '../../tenant/change-log.js';
import type { Group, Tenant, User } from '../../tenant/model.js';
import type { GraphCall } from '../context.js';
import { badRequest, GraphError } from '../errors.js';
import { parseFilterText } from '../odata/collection.js';
import type { FilterNode } from '../odata/filter/index.js';
import { project } from '../odata/query.js';
import { openToken, sealToken } from '../odata/tokens.js';
import { GROUP_PROPERTIES, groupJson, USER_DEFAULT_SELECT, USER_PROPERTIES, userJson } from './json.js';

type Resource = 'users' | 'groups';

/** What a delta or skip token carries: where the round stands and what the client asked for. */
interface DeltaState {
  r: Resource;
  tid: string;
  /** initial enumeration, or the changes between two change-log positions */
  p: 'initial' | 'changes';
  /** changes after this sequence number ... */
  s: number;
  /** ... up to this one (where the next round starts) */
  u: number;
  /** initial round: the last object ID sent (objects go in ID order, so deletions cannot make one be skipped) */
  a: string | null;
  /** changes round: entries already sent */
  o: number;
  /** a group split across pages: the last member ID of it already sent */
  m: string | null;
  sel: string[] | null;
  /** `$filter=id eq … or …`: only these objects */
  ids: string[] | null;
  /** when the token was issued (delta tokens expire) */
  t: number;
}

/** Member references one page carries at most; a bigger group continues on the next page, repeated. */
const MEMBERS_PER_PAGE = 1_000;
const MAX_FILTER_IDS = 50;

const sortedIdCache = new WeakMap<Tenant, Map<Resource, { seq: number; ids: string[] }>>();

/** The tenant's object IDs in order, recomputed only after a write. */
function sortedIds(tenant: Tenant, resource: Resource): string[] {
  let perTenant = sortedIdCache.get(tenant);
  if (!perTenant) {
    perTenant = new Map();
    sortedIdCache.set(tenant, perTenant);
  }
  const cached = perTenant.get(resource);
  if (cached && cached.seq === tenant.changeLog.current) return cached.ids;
  const ids = [...(resource === 'users' ? tenant.users.keys() : tenant.groups.keys())].sort();
  perTenant.set(resource, { seq: tenant.changeLog.current, ids });
  return ids;
}

const sortedMemberCache = new WeakMap<Group, { seq: number; ids: string[] }>();

/** A group's member IDs in order, recomputed only after a write (a group can have 100,000 members). */
function sortedMembers(tenant: Tenant, group: Group): string[] {
  const cached = sortedMemberCache.get(group);
  if (cached && cached.seq === tenant.changeLog.current) return cached.ids;
  const ids = [...group.memberIds].sort();
  sortedMemberCache.set(group, { seq: tenant.changeLog.current, ids });
  return ids;
}

/** Index of the first ID after `after` in a sorted list. */
function firstAfter(ids: readonly string[], after: string | null): number {
  if (after === null) return 0;
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ids[mid]! <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface Collapsed {
  id: string;
  op: Change['op'];
  /** The properties changed, or 'all' when the object was created (or re-created). */
  properties: Set<string> | 'all';
  managerChanged: boolean;
  added: string[];
  removed: string[];
}

/** Collapses a run of changes to one entry per object: its last operation, what changed, its net membership edits. */
function collapse(changes: Change[]): Collapsed[] {
  const byId = new Map<string, Collapsed & { addedSet: Set<string>; removedSet: Set<string> }>();
  for (const c of changes) {
    const e = byId.get(c.id) ?? {
      id: c.id,
      op: c.op,
      properties: new Set<string>(),
      managerChanged: false,
      added: [],
      removed: [],
      addedSet: new Set<string>(),
      removedSet: new Set<string>(),
    };
    e.op = c.op;
    if (c.manager) e.managerChanged = true;
    else if (!c.members) {
      if (!c.properties || c.op !== 'upsert') e.properties = 'all';
      else if (e.properties !== 'all') for (const p of c.properties) e.properties.add(p.toLowerCase());
    }
    for (const id of c.members?.added ?? []) {
      e.removedSet.delete(id);
      e.addedSet.add(id);
    }
    for (const id of c.members?.removed ?? []) {
      e.addedSet.delete(id);
      e.removedSet.add(id);
    }
    // Re-inserting keeps the output ordered by each object's last change.
    byId.delete(c.id);
    byId.set(c.id, e);
  }
  return [...byId.values()].map(({ addedSet, removedSet, ...e }) => ({
    ...e,
    added: [...addedSet],
    removed: [...removedSet],
  }));
}

/** Whether a change touched a tracked property: `$select` limits tracking; without it, the default set is tracked. */
function touchesTracked(e: Collapsed, tracked: string[]): boolean {
  if (e.properties === 'all') return true;
  const props = e.properties;
  return tracked.some((p) => props.has(p.toLowerCase()));
}

function validateSelect(resource: Resource, select: string[] | null): void {
  if (!select) return;
  const known = new Set((resource === 'users' ? USER_PROPERTIES : GROUP_PROPERTIES).map((p) => p.toLowerCase()));
  for (const s of select) {
    if (!known.has(s.toLowerCase()))
      throw new GraphError(501, 'NotImplemented', 'This operation target is not yet supported.');
  }
}

/** Delta accepts only `$filter=id eq '…' or id eq '…'` (up to 50 IDs). */
function filterIds(filter: string | null): string[] | null {
  if (filter === null) return null;
  const node = parseFilterText(filter);
  const ids: string[] = [];
  const walk = (n: FilterNode): void => {
    if (n.kind === 'or') {
      walk(n.left);
      walk(n.right);
    } else if (
      n.kind === 'compare' &&
      n.op === 'eq' &&
      n.property.toLowerCase() === 'id' &&
      typeof n.value === 'string'
    ) {
      ids.push(n.value.toLowerCase());
    } else {
      throw badRequest(
        "Delta queries can only be filtered by object ID: id eq '…' or id eq '…'.",
        'Request_UnsupportedQuery',
      );
    }
  };
  walk(node);
  if (ids.length > MAX_FILTER_IDS) {
    throw badRequest(`A delta query can filter on at most ${MAX_FILTER_IDS} object IDs.`, 'Request_UnsupportedQuery');
  }
  return ids;
}

/**
 * `GET /users/delta` and `GET /groups/delta`: the first round enumerates every object (paged with
 * `@odata.nextLink`), each later round (from `@odata.deltaLink`) returns only what changed since, with
 * `@removed` for deleted objects and `members@delta` for group membership. `$deltatoken=latest` starts from now.
 */
export function directoryDelta(call: GraphCall, resource: Resource): Record<string, unknown> {
  const { ctx, tenant, query } = call;
  const now = ctx.clock.now();
  let round: DeltaState;
  if (query.skipToken !== null || (query.deltaToken !== null && query.deltaToken !== 'latest')) {
    const token = (query.skipToken ?? query.deltaToken)!;
    const opened = openToken<DeltaState>(ctx.tokenKey, token);
    if (!opened || opened.r !== resource || opened.tid !== tenant.id) throw badRequest('Badly formed token.');
    if (query.deltaToken !== null && now - opened.t > ctx.settings.deltaTokenLifetimeSeconds * 1000) {
      throw syncStateExpired(call, resource);
    }
    // A deltaLink starts a new round: the changes from where the last one ended up to now.
    round =
      query.deltaToken !== null
        ? { ...opened, p: 'changes', s: opened.u, u: tenant.changeLog.current, o: 0, a: null, m: null }
        : opened;
  } else {
    validateSelect(resource, query.select);
    round = {
      r: resource,
      tid: tenant.id,
      p: 'initial',
      s: 0,
      u: tenant.changeLog.current,
      a: null,
      o: 0,
      m: null,
      sel: query.select,
      ids: filterIds(query.filter),
      t: now,
    };
    if (query.deltaToken === 'latest') return respond(call, resource, [], null, round);
  }
  const page = resource === 'users' ? usersPage(call, round) : groupsPage(call, round);
  return respond(call, resource, page.value, page.next, round);
}

/** A page with a nextLink when the round goes on, or the deltaLink that starts the next round. */
function respond(call: GraphCall, resource: Resource, value: unknown[], next: DeltaState | null, round: DeltaState) {
  const { ctx, origin } = call;
  const body: Record<string, unknown> = { '@odata.context': `${origin}/v1.0/$metadata#${resource}` };
  if (next) {
    body['@odata.nextLink'] = `${origin}/v1.0/${resource}/delta?$skiptoken=${sealToken(ctx.tokenKey, next)}`;
  } else {
    const nextRound: DeltaState = { ...round, p: 'changes', s: round.u, o: 0, a: null, m: null, t: ctx.clock.now() };
    body['@odata.deltaLink'] = `${origin}/v1.0/${resource}/delta?$deltatoken=${sealToken(ctx.tokenKey, nextRound)}`;
  }
  body.value = value;
  return body;
}

/**
 * The error for a delta token past its lifetime: 400 `syncStateNotFound` as documented for directory objects, or
 * (setting `expiredDeltaStatus: 410`) the documented 410 Gone whose Location restarts the sync.
 */
function syncStateExpired(call: GraphCall, resource: Resource): GraphError {
  const message =
    'The sync state generation is not found. The delta token is expired and data must be synchronized again.';
  if (call.ctx.settings.expiredDeltaStatus === 410) {
    return new GraphError(410, 'resyncRequired', message, { location: `${call.origin}/v1.0/${resource}/delta` });
  }
  return new GraphError(400, 'syncStateNotFound', message);
}

/** The initial round's next batch of objects: IDs after the cursor, restricted to the filter's IDs if any. */
function initialIds(
  tenant: Tenant,
  state: DeltaState,
  resource: Resource,
  size: number,
): { ids: string[]; more: boolean } {
  const all = state.ids ? [...state.ids].sort() : sortedIds(tenant, resource);
  const exists = (id: string) => (resource === 'users' ? tenant.users.has(id) : tenant.groups.has(id));
  const out: string[] = [];
  let i = firstAfter(all, state.a);
  for (; i < all.length && out.length < size; i++) if (exists(all[i]!)) out.push(all[i]!);
  return { ids: out, more: i < all.length };
}

function changedEntries(call: GraphCall, state: DeltaState, resource: Resource): Collapsed[] {
  const entries = collapse(call.tenant.changeLog.between(resource === 'users' ? 'user' : 'group', state.s, state.u));
  if (!state.ids) return entries;
  const wanted = new Set(state.ids);
  return entries.filter((e) => wanted.has(e.id));
}

function removed(e: Collapsed, deleted: Map<string, unknown>) {
  return { id: e.id, '@removed': { reason: e.op === 'hardDelete' || !deleted.has(e.id) ? 'deleted' : 'changed' } };
}

function usersPage(call: GraphCall, state: DeltaState): { value: unknown[]; next: DeltaState | null } {
  const { tenant, ctx } = call;
  const size = ctx.settings.deltaPageSize;
  const tracksManager = state.sel?.some((s) => s.toLowerCase() === 'manager') ?? false;
  // Delta items always carry `id`, whatever `$select` names.
  const shape = (u: User, withManager: boolean): Record<string, unknown> => {
    const item: Record<string, unknown> = { ...project(userJson(u), state.sel, USER_DEFAULT_SELECT), id: u.id };
    if (withManager)
      item['manager@delta'] = u.managerId ? [{ '@odata.type': '#microsoft.graph.user', id: u.managerId }] : [];
    return item;
  };
  if (state.p === 'initial') {
    const { ids, more } = initialIds(tenant, state, 'users', size);
    const value = ids.map((id) => shape(tenant.users.get(id)!, tracksManager));
    return { value, next: more ? { ...state, a: ids.at(-1) ?? state.a } : null };
  }
  const tracked = state.sel ?? USER_DEFAULT_SELECT;
  const entries = changedEntries(call, state, 'users').filter(
    (e) => e.op !== 'upsert' || touchesTracked(e, tracked) || (tracksManager && e.managerChanged),
  );
  const slice = entries.slice(state.o, state.o + size);
  const value = slice.map((e) => {
    const user = tenant.users.get(e.id);
    return e.op === 'upsert' && user ? shape(user, tracksManager && e.managerChanged) : removed(e, tenant.deletedUsers);
  });
  return { value, next: state.o + size < entries.length ? { ...state, o: state.o + size } : null };
}

function groupsPage(call: GraphCall, state: DeltaState): { value: unknown[]; next: DeltaState | null } {
  const { tenant, ctx } = call;
  const size = ctx.settings.deltaPageSize;
  const tracksMembers = !state.sel || state.sel.some((s) => s.toLowerCase() === 'members');
  const fields = state.sel?.filter((s) => s.toLowerCase() !== 'members') ?? null;
  const shape = (g: Group) => ({
    ...project(groupJson(g), fields && fields.length > 0 ? fields : state.sel ? ['id'] : null),
    id: g.id,
  });
  const ref = (id: string) => ({
    '@odata.type':
      tenant.groups.has(id) || tenant.deletedGroups.has(id) ? '#microsoft.graph.group' : '#microsoft.graph.user',
    id,
  });

  if (state.p === 'initial') {
    // Objects and members go in ID order with cursors, so a deletion between pages cannot make one be skipped.
    const value: unknown[] = [];
    let budget = MEMBERS_PER_PAGE;
    let cursor = state.a;
    let memberCursor = state.m;
    const { ids, more } = initialIds(tenant, state, 'groups', size);
    for (const id of ids) {
      const group = tenant.groups.get(id)!;
      const item: Record<string, unknown> = shape(group);
      if (tracksMembers) {
        const members = sortedMembers(tenant, group);
        const from = firstAfter(members, memberCursor);
        const chunk = members.slice(from, from + budget);
        item['members@delta'] = chunk.map(ref);
        budget -= chunk.length;
        value.push(item);
        if (from + chunk.length < members.length) {
          // The rest of this group's members go on the next page, with the group repeated.
          return { value, next: { ...state, a: cursor, m: chunk.at(-1) ?? memberCursor } };
        }
      } else {
        value.push(item);
      }
      cursor = id;
      memberCursor = null;
      if (budget <= 0) break;
    }
    const done = !more && cursor === (ids.at(-1) ?? cursor);
    return { value, next: done ? null : { ...state, a: cursor, m: null } };
  }

  const tracked = fields && fields.length > 0 ? fields : state.sel ? [] : GROUP_PROPERTIES;
  const entries = changedEntries(call, state, 'groups').filter(
    (e) =>
      e.op !== 'upsert' ||
      touchesTracked(e, tracked) ||
      (tracksMembers && (e.added.length > 0 || e.removed.length > 0)),
  );
  const value: unknown[] = [];
  let o = state.o;
  let budget = MEMBERS_PER_PAGE;
  while (o < entries.length && value.length < size && budget > 0) {
    const e = entries[o]!;
    const group = tenant.groups.get(e.id);
    if (e.op !== 'upsert' || !group) {
      value.push(removed(e, tenant.deletedGroups));
    } else {
      const item: Record<string, unknown> = shape(group);
      if (tracksMembers) {
        item['members@delta'] = [
          ...e.added.map(ref),
          ...e.removed.map((id) => ({ ...ref(id), '@removed': { reason: 'deleted' } })),
        ];
        budget -= e.added.length + e.removed.length;
      }
      value.push(item);
    }
    o++;
  }
  return { value, next: o < entries.length ? { ...state, o } : null };
}
