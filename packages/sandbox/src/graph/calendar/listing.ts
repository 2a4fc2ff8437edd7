import type { GraphCall, GraphResult } from '../context.js';
import { GraphError } from '../errors.js';
import { parseFilterText } from '../odata/collection.js';
import {
  evaluateFilter,
  type FilterCapabilities,
  type FilterNode,
  ODataFilterError,
  type PropertyCapability,
  validateFilter,
} from '../odata/filter/index.js';
import { linkWith } from '../odata/tokens.js';
import { invalidFilter } from './errors.js';
import { EVENT_PROPERTIES, eventJson, readsBodies, selectEvent } from './json.js';
import type { Instance } from './store.js';
import type { Preferences } from './time.js';

/** Listing events the way Outlook does: `$filter`, `$orderby`, `$select`, `$top` (default 10), `$skip`, `$count`. */

const JSON_TYPE =
  'application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8';

export const DEFAULT_PAGE = 10;
/** Not documented for events (large values are accepted); the sandbox serves at most this many per page. */
export const MAX_PAGE = 1000;

/** A 200 JSON answer carrying `Preference-Applied` when the request's preferences were honoured. */
export function answer(body: unknown, prefs: Preferences, status = 200): GraphResult {
  const headers: Record<string, string> = {};
  if (prefs.applied.length > 0) headers['preference-applied'] = prefs.applied.join(', ');
  return { status, body, headers, contentType: JSON_TYPE };
}

const all: PropertyCapability['basic'] = ['eq', 'ne', 'not', 'gt', 'ge', 'lt', 'le', 'in', 'eqNull'];
const text: PropertyCapability = { type: 'string', basic: [...all, 'startsWith', 'endsWith'] };
const dateTime: PropertyCapability = { type: 'datetime', basic: all };
const flag: PropertyCapability = { type: 'boolean', basic: ['eq', 'ne', 'not'] };

const EVENT_FILTER: FilterCapabilities = {
  resource: 'Event',
  properties: {
    id: text,
    subject: text,
    showAs: text,
    sensitivity: text,
    importance: text,
    type: text,
    iCalUId: text,
    isAllDay: flag,
    isOrganizer: flag,
    isCancelled: flag,
    isOnlineMeeting: flag,
    createdDateTime: dateTime,
    lastModifiedDateTime: dateTime,
    'start/dateTime': dateTime,
    'end/dateTime': dateTime,
    'organizer/emailAddress/address': text,
    'location/displayName': text,
    categories: { type: 'stringCollection', basic: ['any', 'eq', 'not'] },
  },
};

const SORTABLE = [
  'start/dateTime',
  'end/dateTime',
  'subject',
  'createdDateTime',
  'lastModifiedDateTime',
  'importance',
  'showAs',
  'type',
  'isAllDay',
  'sensitivity',
];

/** What filters and sorts see: times as UTC instants in ISO form, whatever zone the response uses. */
function facts(i: Instance): Record<string, unknown> {
  const e = i.event;
  return {
    id: i.id,
    subject: e.subject,
    showAs: e.showAs,
    sensitivity: e.sensitivity,
    importance: e.importance,
    type: i.type,
    iCalUId: e.iCalUId,
    isAllDay: e.isAllDay,
    isOrganizer: e.isOrganizer,
    isCancelled: false,
    isOnlineMeeting: e.isOnlineMeeting,
    createdDateTime: new Date(e.created).toISOString(),
    lastModifiedDateTime: new Date(e.modified).toISOString(),
    start: { dateTime: new Date(i.start).toISOString() },
    end: { dateTime: new Date(i.end).toISOString() },
    organizer: { emailAddress: { address: e.organizer.address } },
    location: { displayName: e.location },
    categories: e.categories,
  };
}

/** Outlook compares date filters in UTC: a literal without an offset is read as UTC. */
function utcLiterals(node: FilterNode): FilterNode {
  switch (node.kind) {
    case 'and':
    case 'or':
      return { ...node, left: utcLiterals(node.left), right: utcLiterals(node.right) };
    case 'not':
      return { ...node, operand: utcLiterals(node.operand) };
    case 'compare': {
      const cap = EVENT_FILTER.properties[node.property];
      if (cap?.type === 'datetime' && typeof node.value === 'string' && !/(Z|[+-]\d{2}:\d{2})$/i.test(node.value)) {
        const value = node.value.includes('T') ? `${node.value}Z` : `${node.value}T00:00:00Z`;
        return { ...node, value };
      }
      return node;
    }
    default:
      return node;
  }
}

export function readFilter(text: string | null): FilterNode | undefined {
  if (text === null) return undefined;
  try {
    return utcLiterals(validateFilter(parseFilterText(text), EVENT_FILTER, true));
  } catch (err) {
    if (err instanceof ODataFilterError) {
      if (err.code === 'Request_UnsupportedQuery') throw invalidFilter();
      throw new GraphError(400, err.code, err.message);
    }
    throw err;
  }
}

/** The OData layer's answer to an unknown property in $select or $orderby (code seen on Outlook routes). */
function unknownProperty(name: string): GraphError {
  return new GraphError(
    400,
    'RequestBroker--ParseUri',
    `Could not find a property named '${name}' on type 'microsoft.graph.event'.`,
  );
}

export function assertEventSelect(select: string[] | null): void {
  for (const name of select ?? []) {
    if (!EVENT_PROPERTIES.some((p) => p.toLowerCase() === name.toLowerCase())) throw unknownProperty(name);
  }
}

function lookup(facts: Record<string, unknown>, path: string): unknown {
  let current: unknown = facts;
  for (const segment of path.split('/')) current = (current as Record<string, unknown> | undefined)?.[segment];
  return current;
}

const collator = new Intl.Collator('en', { sensitivity: 'base' });

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined || a === null) return 1;
  if (b === undefined || b === null) return -1;
  if (typeof a === 'boolean' || typeof a === 'number') return Number(a) - Number(b);
  return collator.compare(String(a), String(b));
}

function sortInstances(rows: { i: Instance; f: Record<string, unknown> }[], orderby: GraphCall['query']['orderby']) {
  if (!orderby) return;
  const order = orderby.map((o) => {
    const property = SORTABLE.find((p) => p.toLowerCase() === o.property.toLowerCase());
    if (!property) throw unknownProperty(o.property);
    return { property, desc: o.desc };
  });
  rows.sort((x, y) => {
    for (const o of order) {
      const c = compare(lookup(x.f, o.property), lookup(y.f, o.property));
      if (c !== 0) return o.desc ? -c : c;
    }
    return 0;
  });
}

function readSkip(call: GraphCall): number {
  const raw =
    (call.request.query as Record<string, unknown>).$skip ?? (call.request.query as Record<string, unknown>).skip;
  if (raw === undefined) return 0;
  const skip = Number(raw);
  if (!Number.isInteger(skip) || skip < 0) {
    throw new GraphError(400, 'ErrorInvalidParameter', `The value '${String(raw)}' of parameter '$skip' is invalid.`);
  }
  return skip;
}

/** One page of events: the query options applied, times in the preferred zone, an absolute `$skip` nextLink. */
export function listInstances(call: GraphCall, instances: Instance[], prefs: Preferences, context: string) {
  const q = call.query;
  assertEventSelect(q.select);
  const filter = readFilter(q.filter);
  let rows = instances.map((i) => ({ i, f: facts(i) }));
  if (filter) rows = rows.filter((r) => evaluateFilter(filter, r.f));
  sortInstances(rows, q.orderby);
  if (q.top !== null && q.top < 1) {
    throw new GraphError(400, 'ErrorInvalidParameter', `The value '${q.top}' of parameter '$top' is invalid.`);
  }
  // Outlook honours `Prefer: odata.maxpagesize` on lists too; `$top` wins when both are given.
  const preferred = q.top === null ? prefs.maxPageSize : null;
  const size = Math.min(q.top ?? preferred ?? DEFAULT_PAGE, MAX_PAGE);
  if (preferred !== null) prefs.applied.push(`odata.maxpagesize=${size}`);
  const skip = readSkip(call);
  const withBody = readsBodies(call.caller);
  const page = rows.slice(skip, skip + size);
  const body: Record<string, unknown> = {
    '@odata.context': `${call.origin}/v1.0/$metadata#${context}${q.select ? `(${q.select.join(',')})` : ''}`,
  };
  if (q.count) body['@odata.count'] = rows.length;
  body.value = page.map((r) => selectEvent(eventJson(r.i, prefs.zone, withBody), q.select));
  if (skip + size < rows.length) {
    body['@odata.nextLink'] = linkWith(call.origin, call.request.url, '$skip', String(skip + size));
  }
  return answer(body, prefs);
}
