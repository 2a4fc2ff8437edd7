import type { Change } from '../../tenant/change-log.js';
import type { Group, Tenant, User } from '../../tenant/model.js';
import type { GraphCall } from '../context.js';
import { badRequest, GraphError } from '../errors.js';
import { project } from '../odata/query.js';
import { openToken, sealToken } from '../odata/tokens.js';
import { GROUP_PROPERTIES, groupJson, USER_DEFAULT_SELECT, USER_PROPERTIES, userJson } from './json.js';

type Resource = 'users' | 'groups';

/** What a delta or skip token carries: where the round stands and what the client asked for. */
interface DeltaState {
  r: Resource;
  /** initial enumeration, or the changes between two change-log positions */
  p: 'initial' | 'changes';
  /** changes after this sequence number ... */
  s: number;
  /** ... up to this one (the position the next deltaLink starts from) */
  u: number;
  /** objects already sent in this round */
  o: number;
  /** members of the object at `o` already sent (groups split across pages) */
  m: number;
  sel: string[] | null;
  /** when the token was issued (delta tokens expire) */
  t: number;
}

/** Member references one page carries at most; a bigger group continues on the next page, repeated. */
const MEMBERS_PER_PAGE = 1_000;

function memberType(tenant: Tenant, id: string): string {
  return tenant.groups.has(id) || tenant.deletedGroups.has(id) ? '#microsoft.graph.group' : '#microsoft.graph.user';
}

/** Collapses a run of changes to one entry per object: its last operation and its net membership edits. */
interface Collapsed {
  id: string;
  op: Change['op'];
  /** Some change was to the object's properties (or its existence), not only to its membership or manager. */
  propertiesChanged: boolean;
  managerChanged: boolean;
  added: string[];
  removed: string[];
}

function collapse(changes: Change[]): Collapsed[] {
  type Entry = {
    id: string;
    op: Change['op'];
    props: boolean;
    manager: boolean;
    added: Set<string>;
    removed: Set<string>;
  };
  const byId = new Map<string, Entry>();
  for (const c of changes) {
    const e: Entry = byId.get(c.id) ?? {
      id: c.id,
      op: c.op,
      props: false,
      manager: false,
      added: new Set(),
      removed: new Set(),
    };
    e.op = c.op;
    if (c.manager) e.manager = true;
    else if (!c.members) e.props = true;
    for (const id of c.members?.added ?? []) {
      e.removed.delete(id);
      e.added.add(id);
    }
    for (const id of c.members?.removed ?? []) {
      e.added.delete(id);
      e.removed.add(id);
    }
    // Re-inserting keeps the output ordered by each object's last change.
    byId.delete(c.id);
    byId.set(c.id, e);
  }
  return [...byId.values()].map((e) => ({
    id: e.id,
    op: e.op,
    propertiesChanged: e.props || e.op !== 'upsert',
    managerChanged: e.manager,
    added: [...e.added],
    removed: [...e.removed],
  }));
}

function validateSelect(resource: Resource, select: string[] | null): void {
  if (!select) return;
  const known = new Set((resource === 'users' ? USER_PROPERTIES : GROUP_PROPERTIES).map((p) => p.toLowerCase()));
  for (const s of select) {
    if (!known.has(s.toLowerCase())) {
      throw new GraphError(501, 'NotImplemented', 'This operation target is not yet supported.');
    }
  }
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
    if (!opened || opened.r !== resource) throw badRequest('Badly formed token.');
    if (query.deltaToken !== null && now - opened.t > ctx.settings.deltaTokenLifetimeSeconds * 1000) {
      throw syncStateExpired(call, resource);
    }
    // A deltaLink starts a new round: the changes from where the last one ended up to now.
    round =
      query.deltaToken !== null
        ? { ...opened, p: 'changes', s: opened.u, u: tenant.changeLog.current, o: 0, m: 0 }
        : opened;
  } else {
    validateSelect(resource, query.select);
    round = { r: resource, p: 'initial', s: 0, u: tenant.changeLog.current, o: 0, m: 0, sel: query.select, t: now };
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
    const nextRound: DeltaState = { ...round, p: 'changes', s: round.u, o: 0, m: 0, t: ctx.clock.now() };
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

function usersPage(call: GraphCall, state: DeltaState): { value: unknown[]; next: DeltaState | null } {
  const { tenant, ctx } = call;
  const size = ctx.settings.deltaPageSize;
  // Delta items always carry `id`, whatever `$select` names.
  const shape = (u: User): Record<string, unknown> => ({
    ...project(userJson(u), state.sel, USER_DEFAULT_SELECT),
    id: u.id,
  });
  if (state.p === 'initial') {
    const all = [...tenant.users.values()];
    const slice = all.slice(state.o, state.o + size);
    const more = state.o + size < all.length;
    return { value: slice.map(shape), next: more ? { ...state, o: state.o + size } : null };
  }
  // A change to the manager reference alone is seen only when `manager` is selected.
  const tracksManager = state.sel?.some((s) => s.toLowerCase() === 'manager') ?? false;
  const entries = collapse(tenant.changeLog.between('user', state.s, state.u)).filter(
    (e) => e.propertiesChanged || (tracksManager && e.managerChanged),
  );
  const slice = entries.slice(state.o, state.o + size);
  const value = slice.map((e) => {
    const user = tenant.users.get(e.id);
    if (e.op === 'upsert' && user) {
      const item = shape(user);
      if (tracksManager && e.managerChanged) {
        item['manager@delta'] = user.managerId ? [{ '@odata.type': '#microsoft.graph.user', id: user.managerId }] : [];
      }
      return item;
    }
    return {
      id: e.id,
      '@removed': { reason: e.op === 'hardDelete' || !tenant.deletedUsers.has(e.id) ? 'deleted' : 'changed' },
    };
  });
  const more = state.o + size < entries.length;
  return { value, next: more ? { ...state, o: state.o + size } : null };
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
  const ref = (id: string) => ({ '@odata.type': memberType(tenant, id), id });

  type Row = { id: string; removed?: 'changed' | 'deleted'; members: { id: string; removed?: boolean }[] };
  // Rows are built as the page needs them: a tenant's groups can hold millions of member references.
  let rows: { length: number; at: (i: number) => Row };
  if (state.p === 'initial') {
    const groups = [...tenant.groups.values()];
    rows = {
      length: groups.length,
      at: (i) => ({ id: groups[i]!.id, members: groups[i]!.memberIds.map((id) => ({ id })) }),
    };
  } else {
    const changed = collapse(tenant.changeLog.between('group', state.s, state.u));
    const list = changed
      .map((e): Row => {
        if (e.op !== 'upsert' || !tenant.groups.has(e.id)) {
          return {
            id: e.id,
            removed: e.op === 'hardDelete' || !tenant.deletedGroups.has(e.id) ? 'deleted' : 'changed',
            members: [],
          };
        }
        return {
          id: e.id,
          members: [...e.added.map((id) => ({ id })), ...e.removed.map((id) => ({ id, removed: true }))],
        };
      })
      // A membership-only change is invisible when members are not tracked.
      .filter((row, i) => row.removed || tracksMembers || changed[i]!.propertiesChanged);
    rows = { length: list.length, at: (i) => list[i]! };
  }

  const value: unknown[] = [];
  let o = state.o;
  let m = state.m;
  let budget = MEMBERS_PER_PAGE;
  while (o < rows.length && value.length < size) {
    const row = rows.at(o);
    if (row.removed) {
      value.push({ id: row.id, '@removed': { reason: row.removed } });
      o++;
      m = 0;
      continue;
    }
    const group = tenant.groups.get(row.id)!;
    const item: Record<string, unknown> = shape(group);
    if (tracksMembers) {
      const chunk = row.members.slice(m, m + budget);
      item['members@delta'] = chunk.map((x) =>
        x.removed ? { ...ref(x.id), '@removed': { reason: 'deleted' } } : ref(x.id),
      );
      budget -= chunk.length;
      m += chunk.length;
      value.push(item);
      if (m < row.members.length) break; // the rest of this group's members go on the next page
    } else {
      value.push(item);
    }
    o++;
    m = 0;
    if (budget <= 0) break;
  }
  const more = o < rows.length;
  return { value, next: more ? { ...state, o, m } : null };
}
