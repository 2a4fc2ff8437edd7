import { bareInvalidClause, invalidClause, ODataFilterError } from './errors.js';
import { type Token, type TokenKind, tokenize } from './lexer.js';
import { COMPARE_OPS, type CompareOp, type FilterNode, type FilterValue, KEYWORDS } from './syntax.js';

// Precedence: or < and < not < comparison / function / lambda / parentheses.

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
