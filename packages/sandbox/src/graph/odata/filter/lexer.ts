import { invalidClause } from './errors.js';

/** Splits `$filter` text into tokens: names, string, number, GUID and date literals, and punctuation. */

export type TokenKind = 'identifier' | 'string' | 'number' | 'guid' | 'datetime' | '(' | ')' | ',' | ':' | '/' | 'end';

export interface Token {
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

export function tokenize(text: string): Token[] {
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
