import type { GraphCall } from '../context.js';
import { GraphError } from '../errors.js';
import { parseFilterText } from '../odata/collection.js';
import {
  evaluateFilter,
  type FilterCapabilities,
  type FilterNode,
  ODataFilterError,
  validateFilter,
} from '../odata/filter/index.js';
import { linkWith } from '../odata/tokens.js';
import { mailErrors } from './errors.js';
import { MESSAGE_FILTER, MESSAGE_PROPERTIES, type MessageView, messageJson, projectMessage } from './json.js';
import type { StoredMessage } from './mailbox.js';

/** Messages pages: 10 by default, `$top` up to 1,000 (larger values are cut to 1,000). */
export const MESSAGE_PAGE = { default: 10, max: 1_000 };

const ORDERABLE = [
  'receivedDateTime',
  'sentDateTime',
  'createdDateTime',
  'lastModifiedDateTime',
  'subject',
  'importance',
  'isRead',
  'hasAttachments',
  'from/emailAddress/name',
  'from/emailAddress/address',
];

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A raw query option ($skip is not in the parsed OData query). */
export function queryOption(call: GraphCall, name: string): string | undefined {
  const query = call.request.query as Record<string, unknown>;
  return single(query[`$${name}`]) ?? single(query[name]);
}

export function assertMessageSelect(select: string[] | null): void {
  for (const key of select ?? []) {
    if (!MESSAGE_PROPERTIES.some((p) => p.toLowerCase() === key.toLowerCase())) throw mailErrors.unknownProperty(key);
  }
}

/** Parses and checks a $filter against Outlook's capabilities; errors in Outlook's words. */
export function messageFilter(text: string, caps: FilterCapabilities = MESSAGE_FILTER): FilterNode {
  try {
    return validateFilter(parseFilterText(text), caps, true);
  } catch (err) {
    if (err instanceof ODataFilterError) {
      if (err.code === 'Request_UnsupportedQuery') throw mailErrors.invalidFilter();
      throw new GraphError(400, err.code, err.message);
    }
    throw err;
  }
}

/** Properties a filter names, in the order they appear. */
function filterProperties(node: FilterNode, out: string[] = []): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      filterProperties(node.left, out);
      filterProperties(node.right, out);
      break;
    case 'not':
      filterProperties(node.operand, out);
      break;
    default:
      if (!out.includes(node.property.toLowerCase())) out.push(node.property.toLowerCase());
  }
  return out;
}

/** user-list-messages.md: $orderby properties must appear in $filter, first and in the same order. */
function assertEfficient(filter: FilterNode, orderby: { property: string }[]): void {
  const inFilter = filterProperties(filter);
  orderby.forEach((o, i) => {
    if (inFilter[i] !== o.property.toLowerCase()) throw mailErrors.inefficientFilter();
  });
}

function valueAt(json: Record<string, unknown>, path: string): unknown {
  let current: unknown = json;
  for (const segment of path.split('/')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return String(a).localeCompare(String(b), 'en', { sensitivity: 'base' });
}

/** `$search="term"`: words in subject, body, sender and recipients (Outlook's KQL, reduced to a term match). */
function searchMatcher(search: string): (json: Record<string, unknown>) => boolean {
  const term = search.replace(/^"|"$/g, '').toLowerCase();
  return (json) => {
    const recipients = ['from', 'toRecipients', 'ccRecipients'].map((k) => JSON.stringify(json[k] ?? '')).join(' ');
    const body = (json.body as { content?: string } | undefined)?.content ?? '';
    return `${json.subject} ${body} ${recipients}`.toLowerCase().includes(term);
  };
}

/**
 * Lists messages as Outlook does: newest first unless `$orderby` says otherwise, `$filter`, `$search`,
 * `$select`, `$count=true`, pages of `$top` (default 10) with a `$skip` nextLink.
 */
export function listMessages(
  call: GraphCall,
  messages: Iterable<StoredMessage>,
  view: MessageView,
  context: string,
): Record<string, unknown> {
  const q = call.query;
  assertMessageSelect(q.select);
  const topText = queryOption(call, 'top');
  let top = MESSAGE_PAGE.default;
  if (topText !== undefined) {
    top = Number(topText);
    if (!Number.isInteger(top) || top < 1) {
      throw new GraphError(
        400,
        'ErrorInvalidUrlQuery',
        `The value '${topText}' of the query option '$top' is invalid.`,
      );
    }
    top = Math.min(top, MESSAGE_PAGE.max);
  }
  const skipText = queryOption(call, 'skip') ?? '0';
  const skip = Number(skipText);
  if (!Number.isInteger(skip) || skip < 0) {
    throw new GraphError(
      400,
      'ErrorInvalidUrlQuery',
      `The value '${skipText}' of the query option '$skip' is invalid.`,
    );
  }
  if (q.search !== null && (q.filter !== null || q.orderby !== null)) {
    throw new GraphError(
      400,
      'ErrorInvalidUrlQuery',
      "The query parameter '$search' cannot be combined with '$filter' or '$orderby'.",
    );
  }
  for (const o of q.orderby ?? []) {
    if (!ORDERABLE.some((p) => p.toLowerCase() === o.property.toLowerCase()))
      throw mailErrors.unknownProperty(o.property);
  }
  const filter = q.filter === null ? undefined : messageFilter(q.filter);
  if (filter && q.orderby) assertEfficient(filter, q.orderby);

  const fullView: MessageView = { basicOnly: false, bodyType: 'html' };
  let rows = [...messages].map((message) => ({ message, json: messageJson(message, fullView) }));
  if (filter) rows = rows.filter((r) => evaluateFilter(filter, r.json));
  if (q.search !== null) {
    const match = searchMatcher(q.search);
    rows = rows.filter((r) => match(r.json));
  }
  const order = q.orderby ?? [{ property: 'receivedDateTime', desc: true }];
  rows.sort((a, b) => {
    for (const o of order) {
      const c = compare(valueAt(a.json, o.property), valueAt(b.json, o.property));
      if (c !== 0) return o.desc ? -c : c;
    }
    return a.message.id < b.message.id ? -1 : 1;
  });

  const page = rows.slice(skip, skip + top);
  const selected = q.select ? `(${q.select.join(',')})` : '';
  const body: Record<string, unknown> = { '@odata.context': `${call.origin}/v1.0/$metadata#${context}${selected}` };
  if (q.count) body['@odata.count'] = rows.length;
  if (skip + top < rows.length) {
    body['@odata.nextLink'] = linkWith(call.origin, call.request.url, '$skip', String(skip + top));
  }
  body.value = page.map((r) => projectMessage(r.message, messageJson(r.message, view), q.select));
  return body;
}
