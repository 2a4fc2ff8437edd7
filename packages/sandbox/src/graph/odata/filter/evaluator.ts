import { type CompareOp, DATETIME_TEXT, type FilterNode, type FilterValue } from './syntax.js';

/**
 * Evaluates the filter against a plain object. Strings compare case-insensitively, as in Entra ID; a missing value
 * is null, and null equals only null.
 */
export function evaluateFilter(node: FilterNode, item: Record<string, unknown>): boolean {
  return evaluate(node, (property) => lookup(item, property));
}

type Lookup = (property: string) => unknown;

function evaluate(node: FilterNode, get: Lookup): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(node.left, get) && evaluate(node.right, get);
    case 'or':
      return evaluate(node.left, get) || evaluate(node.right, get);
    case 'not':
      return !evaluate(node.operand, get);
    case 'compare':
      return compareMatches(get(node.property), node.op, node.value);
    case 'in': {
      const actual = get(node.property);
      return node.values.some((value) => compareMatches(actual, 'eq', value));
    }
    case 'function':
      return functionMatches(get(node.property), node.name, node.value);
    case 'any': {
      const list = get(node.property);
      if (!Array.isArray(list)) return false;
      return list.some((element) => evaluate(node.predicate, (sub) => lookup(element, sub)));
    }
    case 'count': {
      const list = get(node.property);
      return compareMatches(Array.isArray(list) ? list.length : 0, node.op, node.value);
    }
  }
}

function compareMatches(actual: unknown, op: CompareOp, expected: FilterValue): boolean {
  const value = normalise(actual);
  if (value === null || expected === null) {
    const bothNull = value === null && expected === null;
    if (op === 'eq') return bothNull;
    if (op === 'ne') return !bothNull;
    return false;
  }
  const order = compareValues(value, expected);
  switch (op) {
    case 'eq':
      return order === 0;
    case 'ne':
      return order !== 0;
    case 'gt':
      return order !== undefined && order > 0;
    case 'ge':
      return order !== undefined && order >= 0;
    case 'lt':
      return order !== undefined && order < 0;
    case 'le':
      return order !== undefined && order <= 0;
  }
}

function functionMatches(actual: unknown, name: 'startswith' | 'endswith', expected: string): boolean {
  if (typeof actual !== 'string') return false;
  const text = actual.toLowerCase();
  const part = expected.toLowerCase();
  return name === 'startswith' ? text.startsWith(part) : text.endsWith(part);
}

/** undefined and Dates become null and ISO text, so stored objects may use either. */
function normalise(value: unknown): unknown {
  if (value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  return value;
}

/** The sign of actual − expected, or undefined when the two cannot be ordered. */
function compareValues(actual: unknown, expected: Exclude<FilterValue, null>): number | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return Math.sign(actual - expected);
  if (typeof actual === 'boolean' && typeof expected === 'boolean') return Number(actual) - Number(expected);
  if (typeof actual !== 'string' || typeof expected !== 'string') return undefined;
  if (DATETIME_TEXT.test(expected)) {
    const left = Date.parse(actual);
    const right = Date.parse(expected);
    if (!Number.isNaN(left) && !Number.isNaN(right)) return Math.sign(left - right);
  }
  const left = actual.toLowerCase();
  const right = expected.toLowerCase();
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Reads a property path ('a/b'); '' is the value itself (the range variable of a string collection). */
function lookup(value: unknown, path: string): unknown {
  if (path === '') return value;
  let current = value;
  for (const segment of path.split('/')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    const record = current as Record<string, unknown>;
    if (Object.hasOwn(record, segment)) {
      current = record[segment];
      continue;
    }
    const lower = segment.toLowerCase();
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === lower);
    current = key === undefined ? undefined : record[key];
  }
  return current;
}
