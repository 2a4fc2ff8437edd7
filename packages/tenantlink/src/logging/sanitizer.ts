import {
  SAFE_HEADERS,
  SAFE_QUERY_PARAMETERS,
  SAFE_REQUEST_FIELDS,
  SAFE_RESPONSE_FIELDS,
  URL_HEADERS,
} from './allow-lists.js';
import { REDACTED } from './redacted.js';
import { templatePath } from './route-template.js';
import { isSecretField } from './secret-fields.js';

const REQUEST_KEYS = new Set(['req', 'request']);
const RESPONSE_KEYS = new Set(['res', 'response']);
const ERROR_KEYS = new Set(['err', 'error', 'cause']);
const URL_KEYS = new Set(['url', 'uri', 'href', 'location', 'path', 'nextlink', '@odata.nextlink', '@odata.deltalink']);
const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
/** `scheme://user:password@host`, up to the `@`. */
const USER_INFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i;
/** `scheme://host:port`, the part of a URL that is not its path. */
const ORIGIN = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i;

function sanitizeQuery(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      const rawName = eq === -1 ? pair : pair.slice(0, eq);
      let name: string;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' ')).toLowerCase();
      } catch {
        name = rawName.toLowerCase();
      }
      return eq === -1 || SAFE_QUERY_PARAMETERS.has(name) ? pair : `${rawName}=${REDACTED}`;
    })
    .join('&');
}

/**
 * A URL fit for a log line: its origin (without user info), its path as a route template (no IDs or UPNs), and the
 * values of allow-listed query parameters; every other value, and any fragment, becomes REDACTED.
 * `route`, when the caller already knows the URL's route template (the Graph pipeline does), replaces origin and path.
 */
export function sanitizeUrl(url: string, route?: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  let result = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  if (route !== undefined) {
    result = route;
  } else {
    result = result.replace(USER_INFO, `$1${REDACTED}@`);
    const origin = ORIGIN.exec(result)?.[0] ?? '';
    result = origin + templatePath(result.slice(origin.length));
  }
  if (queryAt !== -1) result += `?${sanitizeQuery(withoutHash.slice(queryAt + 1))}`;
  // A fragment can carry tokens (implicit flow, SPA redirects).
  if (hashAt !== -1 && hashAt < url.length - 1) result += `#${REDACTED}`;
  return result;
}

/** Headers as fetch (`Headers`), Node (`IncomingHttpHeaders`) or a list of `[name, value]` pairs give them. */
export type HeaderSource =
  | { forEach(callback: (value: string, name: string) => void): void }
  | Iterable<readonly [string, unknown]>
  | Record<string, unknown>
  | undefined
  | null;

/** Keeps allow-listed headers (URL-valued ones sanitized); the others keep their name with the value REDACTED. */
export function sanitizeHeaders(headers: HeaderSource): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  const add = (name: string, value: unknown) => {
    const lower = name.toLowerCase();
    if (!SAFE_HEADERS.has(lower)) {
      result[lower] = REDACTED;
    } else if (URL_HEADERS.has(lower) && typeof value === 'string') {
      result[lower] = sanitizeUrl(value);
    } else if (typeof value === 'string' || typeof value === 'number') {
      result[lower] = value;
    } else if (Array.isArray(value)) {
      result[lower] = value.map((item) => (typeof item === 'string' || typeof item === 'number' ? item : REDACTED));
    } else {
      result[lower] = REDACTED;
    }
  };
  if (headers === undefined || headers === null || typeof headers !== 'object') return result;
  if (typeof (headers as { forEach?: unknown }).forEach === 'function' && !Array.isArray(headers)) {
    (headers as { forEach(callback: (value: string, name: string) => void): void }).forEach((value, name) => {
      add(name, value);
    });
  } else if (Symbol.iterator in headers) {
    for (const pair of headers as Iterable<unknown>) {
      if (Array.isArray(pair) && typeof pair[0] === 'string') add(pair[0], pair[1]);
    }
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return result;
}

/** An error as it may be logged: what it was, its code, message, HTTP status and request-id. Nothing else. */
export function sanitizeError(error: unknown): Record<string, unknown> | string {
  if (typeof error !== 'object' || error === null) return typeof error === 'string' ? error : String(error);
  const source = error as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    status?: unknown;
    requestId?: unknown;
  };
  const result: Record<string, unknown> = {};
  if (typeof source.name === 'string') result['type'] = source.name;
  if (typeof source.code === 'string' || typeof source.code === 'number') result['code'] = source.code;
  if (typeof source.message === 'string') result['message'] = source.message;
  if (typeof source.status === 'number') result['status'] = source.status;
  if (typeof source.requestId === 'string') result['requestId'] = source.requestId;
  return result;
}

function sanitizeExchange(value: unknown, safeFields: ReadonlySet<string>, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return sanitizeUrl(value);
  if (typeof value !== 'object' || value === null) return value;
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  // Read the safe fields by name, so that class instances (fetch Request/Response) work too.
  for (const field of safeFields) {
    let fieldValue: unknown;
    try {
      fieldValue = source[field];
    } catch {
      continue;
    }
    if (fieldValue === undefined || typeof fieldValue === 'function') continue;
    if (field === 'headers') result[field] = sanitizeHeaders(fieldValue as HeaderSource);
    else if (field === 'url' || field === 'path')
      result[field] = typeof fieldValue === 'string' ? sanitizeUrl(fieldValue) : REDACTED;
    else result[field] = sanitizeValue(fieldValue, 1, seen);
  }
  for (const key of Object.keys(source)) {
    if (!safeFields.has(key)) result[key] = REDACTED;
  }
  return result;
}

const MAX_DEPTH = 8;

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Makes any value safe to log: secret field names REDACTED at any depth; request, response, error, header and URL
 * fields by the allow-lists; strings that are URLs sanitized; bytes and class instances reduced to nothing or a type.
 */
export function sanitizeValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return ABSOLUTE_URL.test(value) ? sanitizeUrl(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error) return sanitizeError(value);
  if (value instanceof URL) return sanitizeUrl(value.href);
  if (value instanceof URLSearchParams) return sanitizeQuery(value.toString());
  if (value instanceof Date) return value;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return REDACTED; // bytes may be key material
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => sanitizeValue(item, depth + 1, seen));
    // Anything that is not plain data (KeyObject, sockets, clients, Maps, ...) is logged as its type only.
    if (!isPlainObject(value)) return `[${value.constructor?.name ?? 'object'}]`;
    const result: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      const lower = key.toLowerCase();
      if (isSecretField(key)) result[key] = item === undefined || item === null ? item : REDACTED;
      else if (REQUEST_KEYS.has(lower)) result[key] = sanitizeExchange(item, SAFE_REQUEST_FIELDS, seen);
      else if (RESPONSE_KEYS.has(lower)) result[key] = sanitizeExchange(item, SAFE_RESPONSE_FIELDS, seen);
      else if (ERROR_KEYS.has(lower) && typeof item === 'object' && item !== null && 'message' in item) {
        result[key] = sanitizeError(item);
      } else if (lower === 'headers' && typeof item === 'object') result[key] = sanitizeHeaders(item as HeaderSource);
      else if (URL_KEYS.has(lower) && typeof item === 'string') result[key] = sanitizeUrl(item);
      else result[key] = sanitizeValue(item, depth + 1, seen);
    }
    return result;
  } finally {
    seen.delete(value);
  }
}
