import type { GraphCall } from '../context.js';
import { badRequest, GraphError } from '../errors.js';
import {
  evaluateFilter,
  type FilterCapabilities,
  type FilterNode,
  ODataFilterError,
  parseFilter,
  validateFilter,
} from './filter/index.js';
import { assertSelectable, type ExpandOption, project } from './query.js';
import { linkWith, openToken, sealToken } from './tokens.js';

/** Refuses filters too long or too deeply nested to parse safely (Graph caps these too). */
export function parseFilterText(text: string): FilterNode {
  let depth = 0;
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')') depth--;
    if (depth > 32) throw badRequest('Invalid filter clause: the expression is nested too deeply.', 'BadRequest');
  }
  if (text.length > 8_192) throw badRequest('Invalid filter clause: the expression is too long.', 'BadRequest');
  try {
    return parseFilter(text);
  } catch (err) {
    if (err instanceof ODataFilterError) throw new GraphError(400, err.code, err.message);
    if (err instanceof RangeError)
      throw badRequest('Invalid filter clause: the expression is too complex.', 'BadRequest');
    throw err;
  }
}

/** A navigation property `$expand` can inline: one object (`manager`) or a list (at most 20, no nextLink). */
export interface Expandable<T> {
  single?: boolean;
  /** The related objects' JSON, at most `limit` of them (cut before serialising). */
  related: (item: T, limit: number) => Record<string, unknown>[];
}

const EXPAND_LIMIT = 20;

/** Adds the expanded navigation properties to an item's JSON. */
function applyExpand<T>(
  out: Record<string, unknown>,
  item: T,
  expand: ExpandOption[] | null,
  spec: { expand?: Record<string, Expandable<T>> },
) {
  for (const option of expand ?? []) {
    const [key, expandable] = Object.entries(spec.expand ?? {}).find(
      ([k]) => k.toLowerCase() === option.name.toLowerCase(),
    )!;
    const related = expandable
      .related(item, EXPAND_LIMIT)
      .map((r) => (option.select ? { '@odata.type': r['@odata.type'], ...project(r, option.select) } : r));
    if (expandable.single) {
      if (related[0]) out[key] = related[0];
    } else {
      out[key] = related;
    }
  }
  return out;
}

function assertExpandable<T>(
  expand: ExpandOption[] | null,
  spec: { typeName: string; expand?: Record<string, Expandable<T>> },
) {
  for (const option of expand ?? []) {
    if (!spec.expand || !Object.keys(spec.expand).some((k) => k.toLowerCase() === option.name.toLowerCase())) {
      throw badRequest(`Could not find a property named '${option.name}' on type 'microsoft.graph.${spec.typeName}'.`);
    }
  }
}

/** How one Graph collection behaves: its page sizes and which query options it supports. */
export interface CollectionSpec<T> {
  /** The `@odata.context` suffix, e.g. `users` or `groups('id')/members`. */
  context: string;
  /** The OData type name for messages: `user`, `group`, ... */
  typeName: string;
  defaultTop: number;
  maxTop: number;
  /** Properties returned when no $select is given (undefined: all). */
  defaultSelect?: string[];
  /** All properties that may be selected. */
  properties: readonly string[];
  filter?: FilterCapabilities;
  /** Properties sortable without and with advanced query parameters. */
  orderby?: { basic: string[]; advanced: string[] };
  /** Properties `$search` looks in (needs ConsistencyLevel: eventual). */
  search?: string[];
  /** Expandable navigation properties: each gives the related objects' JSON (Graph returns at most 20). */
  expand?: Record<string, Expandable<T>>;
  toJson: (item: T) => Record<string, unknown>;
  /** Changes whenever the items may have changed (the tenant's change-log position); lets filtered or sorted results be reused across pages. */
  version?: string;
}

/** Where a page ends, bound to the tenant and collection it was issued for. */
interface PageState {
  o: number;
  tid: string;
  c: string;
}

/** `$search="displayName:ada" OR "mail:ada"`: each clause matches a word of the property that starts with the term. */
function searchMatcher(search: string, allowed: string[]): (json: Record<string, unknown>) => boolean {
  const clauses = [...search.matchAll(/"([^":]+):([^"]*)"|\b(AND|OR)\b/g)];
  if (clauses.length === 0) throw badRequest(`Invalid search clause: ${search}`, 'Request_UnsupportedQuery');
  const terms: { property: string; term: string }[] = [];
  let joiner: 'AND' | 'OR' = 'AND';
  for (const c of clauses) {
    if (c[3]) {
      joiner = c[3] as 'AND' | 'OR';
      continue;
    }
    const property = allowed.find((p) => p.toLowerCase() === c[1]!.toLowerCase());
    if (!property) throw badRequest(`Unsupported search property '${c[1]}'.`, 'Request_UnsupportedQuery');
    terms.push({ property, term: c[2]!.toLowerCase() });
  }
  return (json) => {
    const hits = terms.map(({ property, term }) =>
      String(json[property] ?? '')
        .toLowerCase()
        .split(/[\s.@_-]+/)
        .some((word) => word.startsWith(term)),
    );
    return joiner === 'OR' ? hits.some(Boolean) : hits.every(Boolean);
  };
}

const collator = new Intl.Collator('en', { sensitivity: 'base' });

/**
 * Filtered or sorted results of recent queries, per tenant object (two sandboxes in one process never share), so
 * paging through them does not redo the work on every page.
 */
const resultCaches = new WeakMap<object, Map<string, unknown[]>>();
const RESULT_CACHE_SIZE = 8;

function resultCache(tenant: object): Map<string, unknown[]> {
  let cache = resultCaches.get(tenant);
  if (!cache) {
    cache = new Map();
    resultCaches.set(tenant, cache);
  }
  return cache;
}

function remember(cache: Map<string, unknown[]>, key: string, rows: unknown[]): void {
  cache.set(key, rows);
  while (cache.size > RESULT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
}

function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  return collator.compare(String(a), String(b));
}

/**
 * Answers a GET on a collection the way Graph does: `$filter`, `$search` and `$count` (advanced queries need
 * `ConsistencyLevel: eventual`), `$orderby`, `$select`, `$expand`, `$top` within the resource's maximum and
 * server-driven paging with an absolute `@odata.nextLink`.
 */
export function listCollection<T>(
  call: GraphCall,
  items: readonly T[],
  spec: CollectionSpec<T>,
): Record<string, unknown> {
  const q = call.query;
  const advanced = q.eventual && q.count;
  if (q.top !== null && (q.top < 1 || q.top > spec.maxTop)) {
    throw badRequest(
      `Invalid page size specified: '${q.top}'. Must be between 1 and ${spec.maxTop} inclusive.`,
      'Request_UnsupportedQuery',
    );
  }
  assertSelectable(q.select, spec.properties, spec.typeName);
  if (q.search !== null && !q.eventual) {
    throw badRequest(
      "Request with $search query parameter only works through MSGraph with a special request header: 'ConsistencyLevel: eventual'",
      'Request_UnsupportedQuery',
    );
  }
  if (q.expand && (q.eventual || q.search !== null)) {
    throw badRequest(
      'The request uses an expand property that is not supported with advanced queries.',
      'Request_UnsupportedQuery',
    );
  }
  assertExpandable(q.expand, spec);

  let filter: FilterNode | undefined;
  if (q.filter !== null) {
    if (!spec.filter) throw badRequest('Filter not supported.', 'Request_UnsupportedQuery');
    try {
      filter = validateFilter(parseFilterText(q.filter), spec.filter, advanced);
    } catch (err) {
      if (err instanceof ODataFilterError) throw new GraphError(400, err.code, err.message);
      throw err;
    }
  }
  if (q.orderby) {
    const allowed = [...(spec.orderby?.basic ?? []), ...(advanced ? (spec.orderby?.advanced ?? []) : [])];
    const needsAdvanced = filter !== undefined && !advanced;
    for (const o of q.orderby) {
      if (needsAdvanced || !allowed.some((p) => p.toLowerCase() === o.property.toLowerCase())) {
        throw badRequest('Sorting not supported for current query.', 'Request_UnsupportedQuery');
      }
    }
  }

  // Without filter, search or sort, page straight over the items; otherwise work on their JSON.
  const needJson = filter !== undefined || q.search !== null || q.orderby !== null;
  let rows: { item: T; json?: Record<string, unknown> }[] | undefined;
  const cache = resultCache(call.tenant);
  const cacheKey =
    needJson && spec.version !== undefined
      ? `${spec.context}|${spec.version}|${q.filter}|${q.search}|${JSON.stringify(q.orderby)}|${advanced}`
      : undefined;
  const cached = cacheKey ? cache.get(cacheKey) : undefined;
  if (cached) {
    rows = cached as { item: T; json?: Record<string, unknown> }[];
  } else if (needJson) {
    rows = items.map((item) => ({ item, json: spec.toJson(item) }));
    if (filter) rows = rows.filter((r) => evaluateFilter(filter!, r.json!));
    if (q.search !== null) {
      const match = searchMatcher(q.search, spec.search ?? ['displayName']);
      rows = rows.filter((r) => match(r.json!));
    }
    if (q.orderby) {
      const order = q.orderby;
      rows.sort((a, b) => {
        for (const o of order) {
          const c = compareValues(a.json![o.property], b.json![o.property]);
          if (c !== 0) return o.desc ? -c : c;
        }
        return 0;
      });
    }
  }

  if (cacheKey && !cached && rows) remember(cache, cacheKey, rows);

  let offset = 0;
  if (q.skipToken !== null) {
    const state = openToken<PageState>(call.ctx.tokenKey, q.skipToken);
    if (!state || !Number.isInteger(state.o) || state.tid !== call.tenant.id || state.c !== spec.context) {
      throw badRequest('Invalid $skiptoken value.', 'Request_BadRequest');
    }
    offset = state.o;
  }
  const pageSize = q.top ?? spec.defaultTop;
  const total = rows ? rows.length : items.length;
  const page = rows
    ? rows.slice(offset, offset + pageSize)
    : items.slice(offset, offset + pageSize).map((item) => ({ item, json: undefined }));
  const value = page.map((r) => {
    const json = r.json ?? spec.toJson(r.item);
    return applyExpand(project(json, q.select, spec.defaultSelect), r.item, q.expand, spec);
  });

  const body: Record<string, unknown> = {
    '@odata.context': `${call.origin}/v1.0/$metadata#${spec.context}${q.select ? `(${q.select.join(',')})` : ''}`,
  };
  if (q.count && q.eventual && q.skipToken === null) body['@odata.count'] = total;
  if (offset + pageSize < total) {
    body['@odata.nextLink'] = linkWith(
      call.origin,
      call.request.url,
      '$skiptoken',
      sealToken(call.ctx.tokenKey, { o: offset + pageSize, tid: call.tenant.id, c: spec.context }),
    );
  }
  body.value = value;
  return body;
}

/** `GET …/$count`: the number as text/plain, only with ConsistencyLevel: eventual. */
export function countCollection<T>(call: GraphCall, items: readonly T[], spec: CollectionSpec<T>) {
  if (!call.query.eventual) throw badRequest('$count is not currently supported.');
  let rows = [...items];
  if (call.query.filter !== null && spec.filter) {
    try {
      const filter = validateFilter(parseFilterText(call.query.filter), spec.filter, true);
      rows = rows.filter((item) => evaluateFilter(filter, spec.toJson(item)));
    } catch (err) {
      if (err instanceof ODataFilterError) throw new GraphError(400, err.code, err.message);
      throw err;
    }
  }
  return { status: 200, body: String(rows.length), contentType: 'text/plain; charset=utf-8' };
}

/** A single entity: `$select` and `$expand` applied, `@odata.context` added. */
export function entity<T>(
  call: GraphCall,
  context: string,
  json: Record<string, unknown>,
  spec: Pick<CollectionSpec<T>, 'properties' | 'typeName' | 'defaultSelect' | 'expand'>,
  item?: T,
) {
  assertSelectable(call.query.select, spec.properties, spec.typeName);
  assertExpandable(call.query.expand, spec);
  const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
  const body = {
    '@odata.context': `${call.origin}/v1.0/$metadata#${context}${selected}/$entity`,
    ...project(json, call.query.select, spec.defaultSelect),
  };
  return item === undefined ? body : applyExpand(body, item, call.query.expand, spec);
}
