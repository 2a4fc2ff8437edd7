import { TenantlinkError } from '../../errors.js';
import type { GraphClient, GraphPage } from '../../graph/client.js';
import type { GraphObject } from './records.js';

export const USERS_PERMISSION = 'User.Read.All';
export const GROUPS_PERMISSION = 'GroupMember.Read.All';

/** Largest page `/users` serves. */
export const LIST_PAGE_SIZE = 999;

/** One page from a path with its query, or from a link Graph gave (followed as-is). */
export async function readPage(
  graph: GraphClient,
  pathOrLink: string,
  options: {
    query?: Record<string, string | number>;
    select?: readonly string[];
    signal: AbortSignal;
    permission: string;
  },
): Promise<GraphPage<GraphObject>> {
  const isLink = /^https?:\/\//i.test(pathOrLink);
  const page = await graph.get<GraphPage<GraphObject>>(pathOrLink, {
    ...(isLink ? {} : { query: options.query ?? {}, ...(options.select ? { select: options.select } : {}) }),
    signal: options.signal,
    permission: options.permission,
  });
  return { ...page, value: page.value ?? [] };
}

/** A delta page must end in a nextLink or a deltaLink; anything else would lose the round. */
export function missingLink(route: string): TenantlinkError {
  return new TenantlinkError(
    'GRAPH_DELTA_INVALID',
    `Microsoft Graph answered ${route} with neither @odata.nextLink nor @odata.deltaLink.`,
  );
}

/** Users and groups in the tenant, in one `$batch` call (for the progress ETA only). */
export async function countObjects(
  graph: GraphClient,
  what: { users: boolean; groups: boolean },
  signal: AbortSignal,
): Promise<number | undefined> {
  const headers = { ConsistencyLevel: 'eventual' };
  const requests = [
    ...(what.users ? [{ id: 'users', method: 'GET', url: '/users/$count', headers }] : []),
    ...(what.groups ? [{ id: 'groups', method: 'GET', url: '/groups/$count', headers }] : []),
  ];
  if (requests.length === 0) return undefined;
  const results = await graph.batch(requests, { signal });
  let total = 0;
  for (const r of results) {
    const n = Number(typeof r.body === 'string' ? r.body.trim() : r.body);
    if (r.status !== 200 || !Number.isFinite(n)) return undefined;
    total += n;
  }
  return total;
}

/** Users by id, through `$batch` (20 per call); users that no longer exist are left out. */
export async function fetchUsers(
  graph: GraphClient,
  ids: readonly string[],
  select: readonly string[],
  signal: AbortSignal,
): Promise<GraphObject[]> {
  if (ids.length === 0) return [];
  const results = await graph.batch<GraphObject>(
    ids.map((id) => ({
      id,
      method: 'GET',
      url: `/users/${encodeURIComponent(id)}?$select=${select.join(',')}`,
      permission: USERS_PERMISSION,
    })),
    { signal },
  );
  const users: GraphObject[] = [];
  for (const r of results) {
    if (r.status === 200 && r.body) users.push(r.body);
    else if (r.status !== 404 && r.error) throw r.error;
  }
  return users;
}
