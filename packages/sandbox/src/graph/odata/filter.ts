/**
 * OData `$filter` for the directory collections of the Graph emulator (users, groups, servicePrincipals,
 * applications): parse the text, check it against what Graph supports per property (with or without the
 * advanced query parameters `ConsistencyLevel: eventual` + `$count=true`), and evaluate it against stored objects.
 *
 * Sources: microsoft-graph-docs-contrib concepts/aad-advanced-queries.md, includes/filter-directory-objects.md and
 * the "Supports `$filter` (...)" notes in api-reference/v1.0/resources/{user,group,serviceprincipal,application}.md.
 * Each error text below says whether it was seen in Graph's own docs or responses, or is a best guess.
 */

export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; operand: FilterNode }
  | { kind: 'compare'; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; property: string; value: FilterValue }
  | { kind: 'in'; property: string; values: FilterValue[] }
  | { kind: 'function'; name: 'startswith' | 'endswith'; property: string; value: string }
  | { kind: 'any'; property: string; variable: string; predicate: FilterNode }
  | { kind: 'count'; property: string; op: 'eq' | 'ne' | 'gt' | 'ge' | 'lt' | 'le'; value: number };

export type FilterValue = string | number | boolean | null;

/** Raised for any $filter problem; `code` and `message` are exactly what Graph returns (HTTP 400). */
export class ODataFilterError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ODataFilterError';
  }
}

export type FilterOperator =
  | 'eq'
  | 'ne'
  | 'not'
  | 'in'
  | 'startsWith'
  | 'endsWith'
  | 'ge'
  | 'le'
  | 'gt'
  | 'lt'
  | 'any'
  | 'eqNull';

export interface PropertyCapability {
  type: 'string' | 'boolean' | 'guid' | 'datetime' | 'number' | 'stringCollection' | 'objectCollection';
  /** Operators Graph supports on this property without advanced query parameters. */
  basic: FilterOperator[];
  /** Operators that additionally need ConsistencyLevel: eventual + $count=true. */
  advanced?: FilterOperator[];
  /** For objectCollection: the sub-properties usable inside any(), e.g. assignedLicenses → skuId. */
  item?: Record<string, PropertyCapability>;
}

export interface FilterCapabilities {
  /** Graph's resource name used in messages, e.g. 'User', 'Group'. */
  resource: string;
  properties: Record<string, PropertyCapability>;
}

type CompareOp = Extract<FilterNode, { kind: 'compare' }>['op'];

const COMPARE_OPS: readonly string[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'] satisfies CompareOp[];
const KEYWORDS: readonly string[] = [...COMPARE_OPS, 'and', 'or', 'not', 'in', 'has'];

// ---------------------------------------------------------------------------------------------------------------
// Error texts
// ---------------------------------------------------------------------------------------------------------------

// Graph wraps the OData parser's messages in "Invalid filter clause: ..." with code BadRequest. Seen in responses:
// "Syntax error at position N in '...'." and "Syntax error: character '%' is not valid at position N in '...'.".
// The other parser texts are Microsoft.OData's own resource strings.
function invalidClause(detail: string): ODataFilterError {
  return new ODataFilterError('BadRequest', `Invalid filter clause: ${detail}`);
}

/** Observed (2018-2021) without detail, e.g. for `accountEnabled eq 'true'`; used where the parser's detail is unknown. */
function bareInvalidClause(): ODataFilterError {
  return new ODataFilterError('BadRequest', 'Invalid filter clause');
}

/** Documented (aad-advanced-queries.md): a property, or an operator on it, that Graph cannot filter. */
function unsupportedProperty(property: string, resource: string): ODataFilterError {
  return new ODataFilterError(
    'Request_UnsupportedQuery',
    `Unsupported or invalid query filter clause specified for property '${property}' of resource '${resource}'.`,
  );
}

/** What Graph says when an operator needs ConsistencyLevel: eventual + $count=true and the request lacks them. */
function needsAdvancedQuery(operator: FilterOperator | 'count'): ODataFilterError {
  // Observed in responses to `ne` (including `ne null`) without the advanced parameters.
  if (operator === 'ne')
    return new ODataFilterError('Request_UnsupportedQuery', "Filter operator 'NotEqualsMatch' is not supported.");
  // Documented for endsWith (aad-advanced-queries.md, 2023 response example).
  if (operator === 'endsWith') {
    return new ODataFilterError(
      'Request_UnsupportedQuery',
      "Operator 'endsWith' is not supported because the required parameters might be missing. Try adding $count=true query parameter and ConsistencyLevel:eventual header. Refer to https://aka.ms/graph-docs/advanced-queries for more information",
    );
  }
  // The generic text of the 2021 version of the same doc; used for not, eq null, $count and advanced-only properties.
  return new ODataFilterError('Request_UnsupportedQuery', 'Unsupported Query.');
}

/** Observed: an `in` list (or a chain of `or`) longer than 15 without advanced query parameters. */
const MAX_OR_CLAUSES = 15;
function tooManyOrClauses(count: number): ODataFilterError {
  return new ODataFilterError(
    'Request_UnsupportedQuery',
    `Too many child clauses specified in search filter expression containing 'OR' operators: ${count}. Max allowed: ${MAX_OR_CLAUSES}.`,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------------------------------------------

type TokenKind = 'identifier' | 'string' | 'number' | 'guid' | 'datetime' | '(' | ')' | ',' | ':' | '/' | 'end';

interface Token {
  kind: TokenKind;
  /** The source text; for string literals the unescaped value. */
  text: string;
  start: number;
  end: number;
}

const GUID = /[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}(?![\w-])/y;
const DATETIME = /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?(?![\w:.-])/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/y;
const IDENTIFIER = /[A-Za-z_$][A-Za-z0-9_]*/y;
const PUNCTUATION = new Set(['(', ')', ',', ':', '/']);

function matchAt(pattern: RegExp, text: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (/\s/.test(char)) {
      at++;
      continue;
    }
    const token = char === "'" ? readString(text, at) : readToken(text, at);
    tokens.push(token);
    at = token.end;
  }
  tokens.push({ kind: 'end', text: '', start: text.length, end: text.length });
  return tokens;
}

function readString(text: string, start: number): Token {
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const char = text[at]!;
    if (char === "'") {
      if (text[at + 1] !== "'") return { kind: 'string', text: value, start, end: at + 1 };
      at++; // '' is an escaped quote
    }
    value += char;
    at++;
  }
  throw invalidClause(`There is an unterminated string literal at position ${start} in '${text}'.`);
}

function readToken(text: string, start: number): Token {
  const char = text[start]!;
  if (PUNCTUATION.has(char)) return { kind: char as TokenKind, text: char, start, end: start + 1 };
  // GUIDs and dates start like numbers or names, so they are tried first.
  for (const [kind, pattern] of [
    ['guid', GUID],
    ['datetime', DATETIME],
    ['number', NUMBER],
    ['identifier', IDENTIFIER],
  ] as const) {
    const match = matchAt(pattern, text, start);
    if (match !== undefined) return { kind, text: match, start, end: start + match.length };
  }
  throw invalidClause(`Syntax error: character '${char}' is not valid at position ${start} in '${text}'.`);
}

// ---------------------------------------------------------------------------------------------------------------
// Parser: or < and < not < comparison / function / lambda / parentheses
// ---------------------------------------------------------------------------------------------------------------

/** Parses the text of $filter into a tree. Keywords, function names and literals are case-insensitive. */
export function parseFilter(text: string): FilterNode {
  return new Parser(text, tokenize(text)).parse();
}

class Parser {
  private index = 0;
  /** The range variable of the lambda being parsed, if any. */
  private variable: string | undefined;

  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): FilterNode {
    const node = this.parseOr();
    const next = this.peek();
    // Microsoft.OData reports the position after the unexpected token.
    if (next.kind !== 'end') throw this.error(`Syntax error at position ${next.end} in '${this.text}'.`);
    return node;
  }

  private parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.acceptKeyword('or')) left = { kind: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): FilterNode {
    let left = this.parseUnary();
    while (this.acceptKeyword('and')) left = { kind: 'and', left, right: this.parseUnary() };
    return left;
  }

  // `not` covers the whole comparison after it (`not a eq b` is `not (a eq b)`), as Graph users write it.
  private parseUnary(): FilterNode {
    if (this.acceptKeyword('not')) return { kind: 'not', operand: this.parseUnary() };
    return this.parsePrimary();
  }

  private parsePrimary(): FilterNode {
    const token = this.peek();
    if (token.kind === '(') {
      this.index++;
      const inner = this.parseOr();
      this.expect(')', `')' or operator expected at position ${this.peek().start} in '${this.text}'.`);
      return inner;
    }
    if (token.kind !== 'identifier' || KEYWORDS.includes(token.text.toLowerCase())) {
      throw this.error(`Expression expected at position ${token.start} in '${this.text}'.`);
    }
    if (this.peek(1).kind === '(') return this.parseFunction();
    return this.parsePathExpression();
  }

  private parseFunction(): FilterNode {
    const nameToken = this.next();
    const name = nameToken.text.toLowerCase();
    if (name !== 'startswith' && name !== 'endswith') {
      throw this.error(
        `An unknown function with name '${nameToken.text}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
      );
    }
    this.expect('(', `'(' expected at position ${this.peek().start} in '${this.text}'.`);
    const path = this.parsePath();
    if (path.lambda !== undefined) throw this.error(`Syntax error at position ${path.end} in '${this.text}'.`);
    this.expect(',', `')' or ',' expected at position ${this.peek().start} in '${this.text}'.`);
    const value = this.parseLiteral();
    this.expect(')', `')' or ',' expected at position ${this.peek().start} in '${this.text}'.`);
    if (typeof value !== 'string') {
      throw this.error(
        `No function signature for the function with name '${name}' matches the specified arguments. The function signatures considered are: ${name}(Edm.String Nullable=true, Edm.String Nullable=true).`,
      );
    }
    return { kind: 'function', name, property: path.property, value };
  }

  /** property, property/any(v: ...), property/$count op n, property op literal, property in (...). */
  private parsePathExpression(): FilterNode {
    const path = this.parsePath();
    if (path.lambda === 'any') return this.parseLambda(path.property);
    if (path.lambda === '$count') return this.parseCount(path.property);

    const operator = this.peek();
    const word = operator.kind === 'identifier' ? operator.text.toLowerCase() : '';
    if (COMPARE_OPS.includes(word)) {
      this.index++;
      return { kind: 'compare', op: word as CompareOp, property: path.property, value: this.parseLiteral() };
    }
    if (word === 'in') {
      this.index++;
      return { kind: 'in', property: path.property, values: this.parseList() };
    }
    throw this.error(`Syntax error at position ${operator.end} in '${this.text}'.`);
  }

  private parsePath(): { property: string; lambda?: 'any' | '$count'; end: number } {
    const first = this.next();
    if (first.kind !== 'identifier')
      throw this.error(`Expression expected at position ${first.start} in '${this.text}'.`);
    const segments = [first.text];
    let end = first.end;
    while (this.peek().kind === '/') {
      this.index++;
      const segment = this.next();
      if (segment.kind !== 'identifier') {
        throw this.error(`Syntax error at position ${segment.start} in '${this.text}'.`);
      }
      end = segment.end;
      const lower = segment.text.toLowerCase();
      if ((lower === 'any' || lower === 'all') && this.peek().kind === '(') {
        // Graph's directory supports only `any`; `all` is rejected as a query it cannot run.
        if (lower === 'all') throw new ODataFilterError('Request_UnsupportedQuery', 'Unsupported Query.');
        return { property: this.propertyOf(segments), lambda: 'any', end };
      }
      if (lower === '$count') return { property: this.propertyOf(segments), lambda: '$count', end };
      segments.push(segment.text);
    }
    return { property: this.propertyOf(segments), end };
  }

  /** Outside a lambda a path is the property; inside, it must start at the range variable. */
  private propertyOf(segments: string[]): string {
    if (this.variable === undefined) return segments.join('/');
    if (segments[0] !== this.variable) {
      // Guess: Graph has no documented text for outer properties inside a lambda.
      throw this.error(`Only the range variable '${this.variable}' can be used inside the lambda expression.`);
    }
    return segments.slice(1).join('/');
  }

  private parseLambda(property: string): FilterNode {
    // Graph does not support a lambda inside a lambda.
    if (this.variable !== undefined) throw new ODataFilterError('Request_UnsupportedQuery', 'Unsupported Query.');
    this.expect('(', `'(' expected at position ${this.peek().start} in '${this.text}'.`);
    const variable = this.next();
    if (variable.kind !== 'identifier' || KEYWORDS.includes(variable.text.toLowerCase())) {
      throw this.error(`Expression expected at position ${variable.start} in '${this.text}'.`);
    }
    this.expect(':', `Syntax error at position ${this.peek().start} in '${this.text}'.`);
    this.variable = variable.text;
    try {
      const predicate = this.parseOr();
      this.expect(')', `')' or operator expected at position ${this.peek().start} in '${this.text}'.`);
      return { kind: 'any', property, variable: variable.text, predicate };
    } finally {
      this.variable = undefined;
    }
  }

  private parseCount(property: string): FilterNode {
    const operator = this.next();
    const op = operator.text.toLowerCase();
    if (operator.kind !== 'identifier' || !COMPARE_OPS.includes(op)) {
      throw this.error(`Syntax error at position ${operator.end} in '${this.text}'.`);
    }
    const value = this.parseLiteral();
    if (typeof value !== 'number' || !Number.isInteger(value)) throw bareInvalidClause();
    return { kind: 'count', property, op: op as CompareOp, value };
  }

  private parseList(): FilterValue[] {
    this.expect('(', `'(' expected at position ${this.peek().start} in '${this.text}'.`);
    const values = [this.parseLiteral()];
    while (this.accept(',')) values.push(this.parseLiteral());
    this.expect(')', `')' or ',' expected at position ${this.peek().start} in '${this.text}'.`);
    return values;
  }

  private parseLiteral(): FilterValue {
    const token = this.next();
    switch (token.kind) {
      case 'string':
      case 'guid':
      case 'datetime':
        return token.text;
      case 'number':
        return Number(token.text);
      case 'identifier': {
        const word = token.text.toLowerCase();
        if (word === 'true') return true;
        if (word === 'false') return false;
        if (word === 'null') return null;
        break;
      }
    }
    throw this.error(`Expression expected at position ${token.start} in '${this.text}'.`);
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== 'end') this.index++;
    return token;
  }

  private accept(kind: TokenKind): boolean {
    if (this.peek().kind !== kind) return false;
    this.index++;
    return true;
  }

  private acceptKeyword(word: string): boolean {
    const token = this.peek();
    if (token.kind !== 'identifier' || token.text.toLowerCase() !== word) return false;
    this.index++;
    return true;
  }

  private expect(kind: TokenKind, message: string): void {
    if (!this.accept(kind)) throw this.error(message);
  }

  private error(detail: string): ODataFilterError {
    return invalidClause(detail);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Validation against the capability tables
// ---------------------------------------------------------------------------------------------------------------

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

const DATETIME_TEXT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?$/;
const GUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

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

// ---------------------------------------------------------------------------------------------------------------
// Evaluation
// ---------------------------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------------------------
// Capability tables
// ---------------------------------------------------------------------------------------------------------------

// Rules from aad-advanced-queries.md applied throughout: `in` works by default wherever `eq` does; `ne` and `not`
// always need advanced query parameters; so do `endsWith` (mail, otherMails, userPrincipalName, proxyAddresses only)
// and `eq null`. gt/lt are not listed for any directory property, so none allows them.

function cap(
  type: PropertyCapability['type'],
  basic: FilterOperator[],
  advanced: FilterOperator[] = [],
  item?: Record<string, PropertyCapability>,
): PropertyCapability {
  return item === undefined ? { type, basic, advanced } : { type, basic, advanced, item };
}

/** Key-like and enumerated values: eq and in. */
const exact = (type: PropertyCapability['type'] = 'string') => cap(type, ['eq', 'in'], ['ne', 'not']);
/** Indexed text: eq, in, ranges, startsWith by default; eq null in advanced queries. */
const indexedText = () => cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'eqNull']);
/** Text indexed only in the advanced store: everything needs advanced query parameters. */
const advancedOnlyText = () => cap('string', [], ['eq', 'ne', 'not', 'ge', 'le', 'in', 'startsWith', 'eqNull']);
/** Mail addresses: as text, plus endsWith in advanced queries. */
const mailAddress = () => cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'endsWith', 'eqNull']);
/** Free text that is not in the `in` index. */
const freeText = () => cap('string', ['eq', 'ge', 'le', 'startsWith'], ['ne', 'not']);
/** Dates with eq and ranges by default. */
const timestamp = (inByDefault: boolean) =>
  cap(
    'datetime',
    inByDefault ? ['eq', 'ge', 'le', 'in'] : ['eq', 'ge', 'le'],
    inByDefault ? ['ne', 'not'] : ['ne', 'not', 'in'],
  );
/** String collections filtered through any(); `not` needs advanced query parameters. */
const strings = (basic: FilterOperator[], advanced: FilterOperator[] = []) =>
  cap('stringCollection', ['any', ...basic], ['not', ...advanced]);

// user.md and includes/filter-directory-objects.md.
export const USER_FILTER: FilterCapabilities = {
  resource: 'User',
  properties: {
    id: exact(),
    userPrincipalName: cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not', 'endsWith']),
    displayName: indexedText(),
    givenName: indexedText(),
    surname: indexedText(),
    mail: mailAddress(),
    mailNickname: indexedText(),
    jobTitle: indexedText(),
    department: indexedText(),
    city: indexedText(),
    state: indexedText(),
    country: indexedText(),
    usageLocation: indexedText(),
    companyName: advancedOnlyText(),
    officeLocation: advancedOnlyText(),
    mobilePhone: advancedOnlyText(),
    postalCode: advancedOnlyText(),
    streetAddress: advancedOnlyText(),
    preferredLanguage: advancedOnlyText(),
    employeeType: cap('string', [], ['eq', 'ne', 'not', 'ge', 'le', 'in', 'startsWith']),
    employeeId: cap('string', ['eq', 'in', 'startsWith'], ['ne', 'not', 'ge', 'le', 'eqNull']),
    employeeHireDate: cap('datetime', [], ['eq', 'ne', 'not', 'ge', 'le', 'in']),
    accountEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'ge', 'le']),
    showInAddressList: cap('boolean', [], ['eq', 'ne', 'not', 'in']),
    onPremisesSyncEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    userType: cap('string', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    creationType: exact(),
    externalUserState: exact(),
    ageGroup: exact(),
    consentProvidedForMinor: exact(),
    createdDateTime: timestamp(false),
    assignedLicenses: cap('objectCollection', ['any'], ['not'], { skuId: cap('guid', ['eq']) }),
    assignedPlans: cap('objectCollection', ['any'], ['not'], {
      servicePlanId: cap('guid', ['eq']),
      capabilityStatus: cap('string', ['eq']),
      service: cap('string', ['eq']),
    }),
    identities: cap('objectCollection', ['any'], [], {
      issuer: cap('string', ['eq']),
      issuerAssignedId: cap('string', ['eq']),
      signInType: cap('string', ['eq']),
    }),
    proxyAddresses: strings(['eq', 'ge', 'le', 'startsWith'], ['endsWith']),
    otherMails: strings(['eq', 'ge', 'le', 'in', 'startsWith'], ['endsWith']),
    imAddresses: strings(['eq', 'ge', 'le', 'startsWith']),
    businessPhones: strings(['eq']),
  },
};

// group.md; `visibility` from the newer group.md ("eq, ne, not, in"), not in the stored version.
export const GROUP_FILTER: FilterCapabilities = {
  resource: 'Group',
  properties: {
    id: exact(),
    displayName: indexedText(),
    description: freeText(),
    mail: mailAddress(),
    mailNickname: indexedText(),
    mailEnabled: exact('boolean'),
    securityEnabled: exact('boolean'),
    isAssignableToRole: exact('boolean'),
    onPremisesSyncEnabled: cap('boolean', ['eq', 'in'], ['ne', 'not', 'eqNull']),
    hasMembersWithLicenseErrors: cap('boolean', ['eq']),
    groupTypes: strings(['eq']),
    visibility: exact(),
    classification: freeText(),
    membershipRule: freeText(),
    membershipRuleProcessingState: exact(),
    preferredLanguage: indexedText(),
    createdDateTime: timestamp(true),
    expirationDateTime: timestamp(true),
    renewedDateTime: timestamp(true),
    proxyAddresses: strings(['eq', 'ge', 'le', 'startsWith'], ['endsWith']),
  },
};

// serviceprincipal.md; accountEnabled, servicePrincipalType and preferredSingleSignOnMode follow the eq/in rule.
export const SERVICE_PRINCIPAL_FILTER: FilterCapabilities = {
  resource: 'ServicePrincipal',
  properties: {
    id: exact(),
    appId: cap('string', ['eq', 'in', 'startsWith'], ['ne', 'not']),
    displayName: indexedText(),
    description: freeText(),
    accountEnabled: exact('boolean'),
    appRoleAssignmentRequired: exact('boolean'),
    servicePrincipalType: exact(),
    preferredSingleSignOnMode: exact(),
    applicationTemplateId: exact(),
    appOwnerOrganizationId: cap('guid', ['eq', 'ge', 'le', 'in'], ['ne', 'not']),
    servicePrincipalNames: strings(['eq', 'ge', 'le', 'startsWith']),
    alternativeNames: strings(['eq', 'ge', 'le', 'startsWith']),
    tags: strings(['eq', 'ge', 'le', 'startsWith']),
  },
};

// application.md.
export const APPLICATION_FILTER: FilterCapabilities = {
  resource: 'Application',
  properties: {
    id: exact(),
    appId: exact(),
    displayName: indexedText(),
    description: freeText(),
    signInAudience: exact(),
    disabledByMicrosoftStatus: exact(),
    applicationTemplateId: exact(),
    publisherDomain: cap('string', ['eq', 'ge', 'le', 'in', 'startsWith'], ['ne', 'not']),
    createdDateTime: cap('datetime', ['eq', 'ge', 'le', 'in'], ['ne', 'not', 'eqNull']),
    identifierUris: strings(['eq', 'ge', 'le', 'startsWith']),
    tags: strings(['eq', 'ge', 'le', 'startsWith']),
  },
};
