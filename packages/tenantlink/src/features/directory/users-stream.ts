import type { RecordWrite } from '../../store/records-repository.js';
import type { ApplyContext, ReadContext, StreamRead, SyncStream } from '../dataset.js';
import { LIST_PAGE_SIZE, missingLink, readPage, USERS_PERMISSION } from './graph-reads.js';
import { hideMemberships, revealMemberships } from './membership-scope.js';
import { type GraphObject, MODELS, removedReason, userData } from './records.js';
import { type DirectoryScope, inAllowedDomains, userSelect } from './scope.js';

/**
 * Where the users stream stands.
 * - `delta` with `probe`: a full read starts with one page of a first delta round. When that page ends the round (a
 *   small tenant), its deltaLink is all the next round needs. Otherwise the tenant is read by listing:
 * - `latest`: a delta link from now (`$deltatoken=latest`), so whatever changes while the users are listed comes back
 *   in the next delta round;
 * - `list`: `/users?$top=999` pages, five times fewer requests than a first delta round's pages of 200;
 * - `delta`: a delta round, from a deltaLink or its nextLinks. Once done, `link` is the deltaLink for next time.
 */
export interface UsersPosition {
  step: 'latest' | 'list' | 'delta';
  link?: string;
  deltaLink?: string;
  probe?: boolean;
}

export interface UsersPage {
  items: GraphObject[];
}

/** How a full read gets the users: listing them unless one delta page holds them all, or a whole first delta round. */
export type UsersFullRead = 'list' | 'delta';

export function usersStream(scope: DirectoryScope, fullRead: UsersFullRead = 'list'): SyncStream<UsersPage> {
  const select = userSelect(scope);
  return {
    name: MODELS.users,
    fullStart: (): UsersPosition => (fullRead === 'list' ? { step: 'delta', probe: true } : { step: 'delta' }),
    deltaStart: (finished) => {
      const p = finished as UsersPosition | undefined;
      return p?.step === 'delta' && p.link ? { step: 'delta', link: p.link } : undefined;
    },
    read: (position, context) => readUsers(position as UsersPosition, select, context),
    apply: (page, context) => applyUsers(page.items, scope, context),
  };
}

async function readUsers(p: UsersPosition, select: string[], context: ReadContext): Promise<StreamRead<UsersPage>> {
  const options = { select, signal: context.signal, permission: USERS_PERMISSION };
  if (p.step === 'latest') {
    const page = await readPage(context.graph, '/users/delta', { ...options, query: { $deltatoken: 'latest' } });
    const deltaLink = page['@odata.deltaLink'];
    if (!deltaLink) throw missingLink('GET /users/delta?$deltatoken=latest');
    return { page: { items: [] }, next: { step: 'list', deltaLink }, done: false, records: 0 };
  }
  if (p.step === 'list') {
    const page = await readPage(context.graph, p.link ?? '/users', { ...options, query: { $top: LIST_PAGE_SIZE } });
    const nextLink = page['@odata.nextLink'];
    const next: UsersPosition = nextLink
      ? { step: 'list', link: nextLink, ...(p.deltaLink ? { deltaLink: p.deltaLink } : {}) }
      : { step: 'delta', ...(p.deltaLink ? { link: p.deltaLink } : {}) };
    return { page: { items: page.value }, next, done: !nextLink, records: page.value.length };
  }
  const page = await readPage(context.graph, p.link ?? '/users/delta', options);
  const nextLink = page['@odata.nextLink'];
  const deltaLink = page['@odata.deltaLink'];
  if (!nextLink && !deltaLink) throw missingLink('GET /users/delta');
  if (nextLink && p.probe) {
    // More than a page: listing reads everything with fewer requests. This page is not stored: it was read before
    // the `latest` link, so a change made in between would be in neither.
    return { page: { items: [] }, next: { step: 'latest' }, done: false, records: 0 };
  }
  return {
    page: { items: page.value },
    next: { step: 'delta', link: nextLink ?? deltaLink },
    done: !nextLink,
    records: page.value.length,
  };
}

/**
 * Stores a page of users. A user is kept when it passes the domain filter and, with a groups filter, is a direct
 * member of one of the groups (the groups stream runs first, so the memberships are known). A user who enters or
 * leaves the kept set takes its memberships with it.
 */
async function applyUsers(items: GraphObject[], scope: DirectoryScope, context: ApplyContext): Promise<void> {
  const { connectionId, records } = context;
  const ids = items.map((item) => String(item.id));
  const existing = await records.get(connectionId, MODELS.users, ids);
  let members: Set<string> | undefined;
  if (scope.groups) {
    const present = items.filter((item) => !item['@removed']).map((item) => String(item.id));
    const rows = await records.byRef(connectionId, MODELS.memberships, present);
    members = new Set(rows.filter((r) => !r.deleted || r.reason === 'outOfScope').map((r) => r.refId!));
  }
  const writes: RecordWrite[] = [];
  const entering: string[] = [];
  const leaving: string[] = [];
  for (const item of items) {
    const id = String(item.id);
    const before = existing.get(id);
    const shown = before !== undefined && !before.deleted;
    if (item['@removed']) {
      if (before) writes.push({ op: 'delete', model: MODELS.users, id, reason: removedReason(item) });
      if (shown) leaving.push(id);
      continue;
    }
    const kept = inAllowedDomains(item, scope) && (!members || members.has(id));
    if (kept) {
      writes.push({
        op: 'upsert',
        model: MODELS.users,
        id,
        data: userData(item, scope),
        merge: context.mode === 'delta',
      });
      if (!shown) entering.push(id);
    } else if (shown) {
      writes.push({ op: 'delete', model: MODELS.users, id, reason: 'outOfScope' });
      leaving.push(id);
    }
  }
  await context.write(writes);
  // Without user filters every membership is shown as Graph reports it, and Graph reports a deleted user's
  // memberships as removed; nothing follows the users then.
  if (!scope.filtersUsers) return;
  await revealMemberships(entering, context);
  await hideMemberships(leaving, context);
}
