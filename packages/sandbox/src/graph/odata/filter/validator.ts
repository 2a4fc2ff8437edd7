import type { FilterCapabilities, FilterOperator, PropertyCapability } from './capabilities.js';
import {
  bareInvalidClause,
  invalidClause,
  MAX_OR_CLAUSES,
  needsAdvancedQuery,
  tooManyOrClauses,
  unsupportedProperty,
} from './errors.js';
import { type CompareOp, DATETIME_TEXT, type FilterNode, type FilterValue, GUID_TEXT } from './syntax.js';

/**
 * Checks a parsed filter against what Graph supports for the resource. `advanced` = the request has
 * ConsistencyLevel: eventual and $count=true. Returns the filter with property names in the table's casing.
 */
export function validateFilter(node: FilterNode, caps: FilterCapabilities, advanced: boolean): FilterNode {
  const checked = new Validator(caps, advanced).visit(node, { properties: caps.properties }, false);
  if (!advanced) enforceOrLimit(checked);
  return checked;
}

interface Scope {
  properties: Record<string, PropertyCapability>;
  /** Inside any(): the collection and, for string collections, the capability of the range variable itself. */
  lambda?: { name: string; element?: PropertyCapability };
}

const EDM_TYPES: Record<PropertyCapability['type'], string> = {
  string: 'Edm.String',
  boolean: 'Edm.Boolean',
  guid: 'Edm.Guid',
  datetime: 'Edm.DateTimeOffset',
  number: 'Edm.Int32',
  stringCollection: 'Collection(Edm.String)',
  objectCollection: 'Collection',
};

const OPERATOR_KINDS: Record<CompareOp, string> = {
  eq: 'Equal',
  ne: 'NotEqual',
  gt: 'GreaterThan',
  ge: 'GreaterThanOrEqual',
  lt: 'LessThan',
  le: 'LessThanOrEqual',
};

class Validator {
  constructor(
    private readonly caps: FilterCapabilities,
    private readonly advanced: boolean,
  ) {}

  visit(node: FilterNode, scope: Scope, negated: boolean): FilterNode {
    switch (node.kind) {
      case 'and':
      case 'or':
        return {
          kind: node.kind,
          left: this.visit(node.left, scope, negated),
          right: this.visit(node.right, scope, negated),
        };
      case 'not':
        // The docs: `not` and `ne` work only with advanced query parameters, whatever the property.
        if (!this.advanced) throw needsAdvancedQuery('not');
        return { kind: 'not', operand: this.visit(node.operand, scope, true) };
      case 'compare':
        return this.visitCompare(node, scope, negated);
      case 'in': {
        const [name, cap] = this.resolveScalar(node.property, scope);
        if (!node.values.every((value) => isCompatible(cap, value))) throw bareInvalidClause();
        this.require(cap, ['in'], negated, scope, name);
        return { ...node, property: name };
      }
      case 'function': {
        const [name, cap] = this.resolveScalar(node.property, scope);
        if (cap.type !== 'string') {
          throw invalidClause(
            `No function signature for the function with name '${node.name}' matches the specified arguments. The function signatures considered are: ${node.name}(Edm.String Nullable=true, Edm.String Nullable=true).`,
          );
        }
        this.require(cap, [node.name === 'startswith' ? 'startsWith' : 'endsWith'], negated, scope, name);
        return { ...node, property: name };
      }
      case 'any':
        return this.visitAny(node, scope, negated);
      case 'count':
        return this.visitCount(node, scope);
    }
  }

  private visitCompare(node: Extract<FilterNode, { kind: 'compare' }>, scope: Scope, negated: boolean): FilterNode {
    const [name, cap] = this.resolveScalar(node.property, scope);
    if (!isCompatible(cap, node.value)) {
      throw invalidClause(
        `A binary operator with incompatible types was detected. Found operand types '${EDM_TYPES[cap.type]}' and '${edmTypeOf(node.value)}' for operator kind '${OPERATOR_KINDS[node.op]}'.`,
      );
    }
    // `ne null` needs both the negation and the null support of the property.
    const operators: FilterOperator[] =
      node.value === null
        ? node.op === 'eq'
          ? ['eqNull']
          : node.op === 'ne'
            ? ['ne', 'eqNull']
            : [node.op]
        : [node.op];
    this.require(cap, operators, negated, scope, name);
    return { ...node, property: name };
  }

  private visitAny(node: Extract<FilterNode, { kind: 'any' }>, scope: Scope, negated: boolean): FilterNode {
    const [name, cap] = this.resolve(node.property, scope);
    if (scope.lambda !== undefined || (cap.type !== 'stringCollection' && cap.type !== 'objectCollection')) {
      throw unsupportedProperty(name, this.caps.resource);
    }
    this.require(cap, ['any'], negated, scope, name);
    const inner: Scope =
      cap.type === 'stringCollection'
        ? { properties: {}, lambda: { name, element: elementCapability(cap) } }
        : { properties: cap.item ?? {}, lambda: { name } };
    return { ...node, property: name, predicate: this.visit(node.predicate, inner, false) };
  }

  private visitCount(node: Extract<FilterNode, { kind: 'count' }>, scope: Scope): FilterNode {
    const [name, cap] = this.resolve(node.property, scope);
    const isCollection = cap.type === 'stringCollection' || cap.type === 'objectCollection';
    // The docs list only `/$count eq n` and `/$count ne n`, and only in advanced queries.
    if (scope.lambda !== undefined || !isCollection || (node.op !== 'eq' && node.op !== 'ne')) {
      throw unsupportedProperty(name, this.caps.resource);
    }
    if (!this.advanced) throw needsAdvancedQuery('count');
    return { ...node, property: name };
  }

  /** Finds a property (case-insensitively) and returns its name as the table spells it. */
  private resolve(property: string, scope: Scope): [string, PropertyCapability] {
    const lambda = scope.lambda;
    if (lambda !== undefined && property === '') {
      if (lambda.element === undefined) throw unsupportedProperty(lambda.name, this.caps.resource);
      return ['', lambda.element];
    }
    const wanted = property.toLowerCase();
    for (const [name, cap] of Object.entries(scope.properties)) {
      if (name.toLowerCase() === wanted) return [name, cap];
    }
    throw unsupportedProperty(lambda?.name ?? property, this.caps.resource);
  }

  /** Like resolve, for operators that need a single value: a collection must go through any(). */
  private resolveScalar(property: string, scope: Scope): [string, PropertyCapability] {
    const [name, cap] = this.resolve(property, scope);
    if (cap.type === 'stringCollection' || cap.type === 'objectCollection') {
      throw unsupportedProperty(name, this.caps.resource);
    }
    return [name, cap];
  }

  /** Each operator must be supported by the property, by default or (if the request has them) in advanced queries. */
  private require(
    cap: PropertyCapability,
    operators: FilterOperator[],
    negated: boolean,
    scope: Scope,
    name: string,
  ): void {
    const needed = negated ? [...operators, 'not' as const] : operators;
    for (const operator of needed) {
      if (cap.basic.includes(operator)) continue;
      if (!cap.advanced?.includes(operator)) throw unsupportedProperty(scope.lambda?.name ?? name, this.caps.resource);
      if (!this.advanced) throw needsAdvancedQuery(operator);
    }
  }
}

/** The capability of the range variable of a string collection: the collection's own operators, minus any. */
function elementCapability(cap: PropertyCapability): PropertyCapability {
  return {
    type: 'string',
    basic: cap.basic.filter((operator) => operator !== 'any'),
    advanced: cap.advanced?.filter((operator) => operator !== 'any') ?? [],
  };
}

// GUID and datetime literals arrive as strings, so a string is accepted where it has the right shape.
function isCompatible(cap: PropertyCapability, value: FilterValue): boolean {
  if (value === null) return true;
  switch (cap.type) {
    case 'boolean':
      return typeof value === 'boolean';
    case 'number':
      return typeof value === 'number';
    case 'guid':
      return typeof value === 'string' && GUID_TEXT.test(value);
    case 'datetime':
      return typeof value === 'string' && DATETIME_TEXT.test(value);
    default:
      return typeof value === 'string';
  }
}

function edmTypeOf(value: FilterValue): string {
  if (typeof value === 'boolean') return 'Edm.Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Edm.Int32' : 'Edm.Double';
  return 'Edm.String';
}

/** Without advanced query parameters Graph allows at most 15 alternatives in one `or` chain or `in` list. */
function enforceOrLimit(node: FilterNode): void {
  switch (node.kind) {
    case 'or':
    case 'in': {
      const count = countOrClauses(node);
      if (count > MAX_OR_CLAUSES) throw tooManyOrClauses(count);
      if (node.kind === 'or') {
        enforceOrLimit(node.left);
        enforceOrLimit(node.right);
      }
      return;
    }
    case 'and':
      enforceOrLimit(node.left);
      enforceOrLimit(node.right);
      return;
    case 'not':
      enforceOrLimit(node.operand);
      return;
    case 'any':
      enforceOrLimit(node.predicate);
      return;
    default:
      return;
  }
}

// Graph expands `in` into `or` clauses (the same error names both), so a list counts one per value.
function countOrClauses(node: FilterNode): number {
  if (node.kind === 'or') return countOrClauses(node.left) + countOrClauses(node.right);
  if (node.kind === 'in') return node.values.length;
  return 1;
}
