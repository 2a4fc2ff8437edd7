import { badRequest } from '../errors.js';

/** One `$expand` item: a navigation property, with its nested `$select` if given (`members($select=id)`). */
export interface ExpandOption {
  name: string;
  select: string[] | null;
}

/** Splits on commas outside parentheses. */
function splitTop(value: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of value) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter(Boolean);
}

function expandOptions(value: string | undefined): ExpandOption[] | null {
  if (value === undefined) return null;
  return splitTop(value).map((part) => {
    const match = /^([^($]+)\((.*)\)$/.exec(part);
    if (!match) return { name: part, select: null };
    const nested = /(?:^|;)\s*\$select=([^;]*)/i.exec(match[2]!);
    return { name: match[1]!.trim(), select: nested ? list(nested[1]) : null };
  });
}

/** The OData system query options of a Graph request, parsed. */
export interface ODataQuery {
  select: string[] | null;
  top: number | null;
  skipToken: string | null;
  filter: string | null;
  orderby: { property: string; desc: boolean }[] | null;
  count: boolean;
  search: string | null;
  expand: ExpandOption[] | null;
  deltaToken: string | null;
  /** `ConsistencyLevel: eventual` was sent (advanced directory queries). */
  eventual: boolean;
}

function single(value: unknown): string | undefined {
  if (Array.isArray(value)) return typeof value[0] === 'string' ? value[0] : undefined;
  return typeof value === 'string' ? value : undefined;
}

function list(value: string | undefined): string[] | null {
  if (value === undefined) return null;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function readQuery(query: Record<string, unknown>, headers: Record<string, unknown>): ODataQuery {
  const get = (name: string) => single(query[`$${name}`]) ?? single(query[name]);
  const topText = get('top');
  let top: number | null = null;
  if (topText !== undefined) {
    top = Number(topText);
    if (!Number.isInteger(top)) throw badRequest(`Invalid page size specified: '${topText}'.`);
  }
  const orderbyText = get('orderby');
  const orderby =
    orderbyText === undefined
      ? null
      : orderbyText.split(',').map((part) => {
          const [property = '', direction = 'asc'] = part.trim().split(/\s+/);
          if (!['asc', 'desc'].includes(direction.toLowerCase()))
            throw badRequest(`Syntax error at position ${part.length} in '${orderbyText}'.`, 'BadRequest');
          return { property, desc: direction.toLowerCase() === 'desc' };
        });
  const consistency = headers.consistencylevel;
  return {
    select: list(get('select')),
    top,
    skipToken: get('skiptoken') ?? null,
    filter: get('filter') ?? null,
    orderby,
    count: (get('count') ?? '').toLowerCase() === 'true',
    search: get('search') ?? null,
    expand: expandOptions(get('expand')),
    deltaToken: get('deltatoken') ?? null,
    eventual: typeof consistency === 'string' && consistency.toLowerCase() === 'eventual',
  };
}

/** Keeps only the selected properties (Graph returns exactly those, in the selected order). */
export function project(
  item: Record<string, unknown>,
  select: string[] | null,
  defaults?: string[],
): Record<string, unknown> {
  const keys = select ?? defaults;
  if (!keys) return item;
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    const actual = key in item ? key : Object.keys(item).find((k) => k.toLowerCase() === key.toLowerCase());
    if (actual !== undefined) out[actual] = item[actual];
  }
  return out;
}

/** Rejects `$select` of properties the entity does not have, with Graph's message. */
export function assertSelectable(select: string[] | null, known: readonly string[], typeName: string): void {
  if (!select) return;
  if (select.length === 0) throw badRequest('Invalid $select: the list of properties is empty.', 'BadRequest');
  const lower = new Set(known.map((k) => k.toLowerCase()));
  for (const key of select) {
    if (!lower.has(key.toLowerCase())) {
      throw badRequest(`Could not find a property named '${key}' on type 'microsoft.graph.${typeName}'.`);
    }
  }
}
