import { pino } from 'pino';

/**
 * Logging that cannot leak secrets, in layers (each one alone should suffice; together a forgotten case still holds):
 *
 * 1. Allow-list: request and response objects keep only known-safe fields, headers and query parameters; everything
 *    else becomes "REDACTED", and bodies are never logged. URLs anywhere keep only safe query parameters.
 * 2. Deny-list by field name, at any depth: clientSecret, client_secret, password, refresh_token, authorization, ...
 *    (plus pino `redact` paths for the same names on the first levels).
 * 3. Errors are logged as code, message, status and request-id only (no stack, no cause, no attached request).
 * 4. The finished line is scrubbed: every value given to registerSecret (the vault registers each secret it encrypts
 *    or decrypts) and anything shaped like a credential (Bearer tokens, JWTs, private keys, `client_secret=...`,
 *    webhook secrets `whsec_...`, API keys `tlk_...`) is replaced.
 */

export const REDACTED = 'REDACTED';

// ---------------------------------------------------------------------------------------------------------------
// Allow-lists

const SAFE_HEADERS = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'client-request-id',
  'connection',
  'content-length',
  'content-type',
  'date',
  'etag',
  'expires',
  'if-match',
  'if-modified-since',
  'if-none-match',
  'if-unmodified-since',
  'last-modified',
  'location',
  'content-location',
  'pragma',
  'prefer',
  'preference-applied',
  'request-id',
  'retry-after',
  'return-client-request-id',
  'server',
  'strict-transport-security',
  'traceparent',
  'transfer-encoding',
  'user-agent',
  'vary',
  'www-authenticate',
  'x-content-type-options',
  'x-ms-ags-diagnostic',
  'x-ms-client-request-id',
  'x-ms-clitelem',
  'x-ms-correlation-request-id',
  'x-ms-request-id',
  'x-ms-resource-unit',
  'x-ms-retry-after-ms',
  'x-ms-throttle-information',
  'x-ms-throttle-limit-percentage',
  'x-ms-throttle-scope',
  'x-ms-useragent',
]);

/** Headers whose value is a URL (it may carry a token in its query, as upload-session URLs do). */
const URL_HEADERS = new Set(['location', 'content-location']);

const SAFE_QUERY_PARAMETERS = new Set([
  'api-version',
  '$select',
  '$top',
  '$skip',
  '$expand',
  '$count',
  '$orderby',
  '$format',
  'grant_type',
  'response_type',
  'response_mode',
  'prompt',
  'scope',
  'client_id',
  'redirect_uri',
  'tenant',
  'admin_consent',
  'error',
  'error_subcode',
]);

const SAFE_REQUEST_FIELDS = new Set([
  'id',
  'method',
  'url',
  'path',
  'headers',
  'requestId',
  'clientRequestId',
  'attempt',
  'durationMs',
  'timeoutMs',
]);

const SAFE_RESPONSE_FIELDS = new Set([
  'status',
  'statusCode',
  'statusText',
  'url',
  'headers',
  'requestId',
  'clientRequestId',
  'durationMs',
  'attempt',
]);

const REQUEST_KEYS = new Set(['req', 'request']);
const RESPONSE_KEYS = new Set(['res', 'response']);
const ERROR_KEYS = new Set(['err', 'error', 'cause']);
const URL_KEYS = new Set(['url', 'uri', 'href', 'location', 'nextlink', '@odata.nextlink', '@odata.deltalink']);

// ---------------------------------------------------------------------------------------------------------------
// Deny-list by name

/** Field names (lower case, without `_` and `-`) whose value is a secret wherever it appears. */
const SECRET_FIELDS = new Set([
  'authorization',
  'proxyauthorization',
  'cookie',
  'setcookie',
  'password',
  'passwd',
  'passphrase',
  'secret',
  'clientsecret',
  'secretvalue',
  'privatekey',
  'privatekeypem',
  'assertion',
  'clientassertion',
  'token',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'tokencache',
  'code',
  'codeverifier',
  'devicecode',
  'apikey',
  'xapikey',
  'masterkey',
  'tenantlinkmasterkey',
  'clientstate',
  'connectionstring',
  'databaseurl',
  'sig',
  'tempauth',
  'pfx',
]);
const SECRET_FIELD_SUFFIXES = ['secret', 'password', 'token', 'privatekey', 'apikey', 'assertion', 'passphrase'];

/** `code` is also the name of tenantlink's error codes: it is only a secret inside OAuth-shaped objects. */
const CODE_FIELD = 'code';

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '');
}

function isSecretField(name: string): boolean {
  const normal = normaliseName(name);
  if (normal === CODE_FIELD) return false;
  return SECRET_FIELDS.has(normal) || SECRET_FIELD_SUFFIXES.some((suffix) => normal.endsWith(suffix));
}

/**
 * The commonest secret field names as pino `redact` paths, on the first two levels of a record: a backstop behind the
 * formatter, which already redacts them at any depth. Deeper wildcards are left out because each level multiplies
 * pino's redaction cost (three levels of these names cost about 60 µs a line).
 */
function redactPaths(): string[] {
  const names = [
    'authorization',
    'Authorization',
    'password',
    'clientSecret',
    'client_secret',
    'privateKey',
    'assertion',
    'client_assertion',
    'accessToken',
    'access_token',
    'refreshToken',
    'refresh_token',
    'id_token',
    'tokenCache',
  ];
  return names.flatMap((name) => [name, `*.${name}`]);
}

// ---------------------------------------------------------------------------------------------------------------
// Sanitizers

/** Keeps the URL's origin and path and the values of safe query parameters; other values become REDACTED. */
export function sanitizeUrl(url: string): string {
  const hashAt = url.indexOf('#');
  const withoutHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = withoutHash.indexOf('?');
  let base = queryAt === -1 ? withoutHash : withoutHash.slice(0, queryAt);
  // user:password@host
  base = base.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@?#]*@/i, `$1${REDACTED}@`);
  let result = base;
  if (queryAt !== -1) {
    const query = withoutHash
      .slice(queryAt + 1)
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
    result += `?${query}`;
  }
  // A fragment can carry tokens (implicit flow, SPA redirects).
  if (hashAt !== -1 && hashAt < url.length - 1) result += `#${REDACTED}`;
  return result;
}

type HeaderSource =
  | { forEach(callback: (value: string, name: string) => void): void }
  | Record<string, unknown>
  | undefined
  | null;

/** Keeps safe headers; others keep their name with the value REDACTED. */
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
    return result;
  }
  for (const [name, value] of Object.entries(headers)) add(name, value);
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

function sanitizeExchange(value: unknown, safeFields: Set<string>, seen: WeakSet<object>): unknown {
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

/** Makes any value safe to log: see the layers at the top of this file. */
export function sanitizeValue(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? sanitizeUrl(value) : value;
  if (typeof value !== 'object' || value === null) return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Error) return sanitizeError(value);
  if (value instanceof URL) return sanitizeUrl(value.href);
  if (value instanceof URLSearchParams) return sanitizeUrl(`?${value.toString()}`).slice(1);
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

// ---------------------------------------------------------------------------------------------------------------
// Registered secrets and credential-shaped text

/** Values shorter than this are not registered: replacing them would mangle ordinary words in every line. */
export const MIN_REGISTERED_SECRET_LENGTH = 8;
const MAX_REGISTERED_SECRET_LENGTH = 16_384;
/** The oldest registrations are dropped beyond this, so a long-running process does not grow without bound. */
const MAX_REGISTERED_SECRETS = 10_000;
const PREFIX_LENGTH = MIN_REGISTERED_SECRET_LENGTH;

/** Finds any of many strings in a text in one pass, indexed by their first characters. */
class SecretMatcher {
  #byPrefix = new Map<string, string[]>();

  constructor(secrets: Iterable<string>) {
    for (const secret of secrets) {
      for (const form of encodedForms(secret)) {
        if (form.length < PREFIX_LENGTH) continue;
        const prefix = form.slice(0, PREFIX_LENGTH);
        const list = this.#byPrefix.get(prefix);
        if (list === undefined) this.#byPrefix.set(prefix, [form]);
        else if (!list.includes(form)) {
          list.push(form);
          list.sort((a, b) => b.length - a.length); // longest first
        }
      }
    }
  }

  get empty(): boolean {
    return this.#byPrefix.size === 0;
  }

  replace(text: string, replacement: string): string {
    if (this.#byPrefix.size === 0 || text.length < PREFIX_LENGTH) return text;
    let out = '';
    let copiedTo = 0;
    let i = 0;
    const last = text.length - PREFIX_LENGTH;
    while (i <= last) {
      const candidates = this.#byPrefix.get(text.slice(i, i + PREFIX_LENGTH));
      const match = candidates?.find((secret) => text.startsWith(secret, i));
      if (match === undefined) {
        i += 1;
        continue;
      }
      out += text.slice(copiedTo, i) + replacement;
      i += match.length;
      copiedTo = i;
    }
    return copiedTo === 0 ? text : out + text.slice(copiedTo);
  }
}

/** A secret as it may appear in a log line: as is, JSON-escaped, or percent-encoded in a URL or form body. */
function encodedForms(secret: string): string[] {
  const forms = new Set([secret, JSON.stringify(secret).slice(1, -1)]);
  try {
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
  } catch {
    // lone surrogates cannot be URI-encoded; the other forms still apply
  }
  return [...forms];
}

const registeredSecrets = new Set<string>();
let registeredMatcher: SecretMatcher | undefined;

/**
 * Registers a secret value: from now on, any log line of any logger made by createLogger has it replaced by REDACTED.
 * Returns false when the value is too short or too long to register.
 */
export function registerSecret(value: string): boolean {
  if (typeof value !== 'string') return false;
  if (value.length < MIN_REGISTERED_SECRET_LENGTH || value.length > MAX_REGISTERED_SECRET_LENGTH) return false;
  if (registeredSecrets.has(value)) return true;
  registeredSecrets.add(value);
  if (registeredSecrets.size > MAX_REGISTERED_SECRETS) {
    const oldest = registeredSecrets.values().next().value;
    if (oldest !== undefined) registeredSecrets.delete(oldest);
  }
  registeredMatcher = undefined;
  return true;
}

/** Forgets a registered secret (when it was revoked and replaced). */
export function unregisterSecret(value: string): void {
  if (registeredSecrets.delete(value)) registeredMatcher = undefined;
}

/** Replaces every registered secret in the text. */
export function scrubRegisteredSecrets(text: string): string {
  if (registeredSecrets.size === 0) return text;
  registeredMatcher ??= new SecretMatcher(registeredSecrets);
  return registeredMatcher.replace(text, REDACTED);
}

/** Replaces each of the given secrets (and its JSON-escaped and percent-encoded forms) in the text. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  const long = secrets.filter((s) => typeof s === 'string' && s.length >= MIN_REGISTERED_SECRET_LENGTH);
  let result = new SecretMatcher(long).replace(text, REDACTED);
  // Short secrets are still replaced when asked for explicitly, just without the prefix index.
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length >= MIN_REGISTERED_SECRET_LENGTH) continue;
    for (const form of encodedForms(secret)) result = result.split(form).join(REDACTED);
  }
  return result;
}

const SECRET_PARAMETER_NAMES =
  'client_secret|client_assertion|assertion|refresh_token|access_token|id_token|password|code_verifier|device_code|' +
  'token|tempauth|api_key|apikey';
/** Too common as words to replace in free text: only replaced as query or form parameters. */
const SECRET_QUERY_ONLY_PARAMETER_NAMES = 'code|sig|key';

const CREDENTIAL_PATTERNS: Array<[RegExp, string]> = [
  // name=value in URLs, form bodies and free text
  [new RegExp(`(^|[?&\\s"'(,;])(${SECRET_PARAMETER_NAMES})=([^&\\s"'\\\\,;)]+)`, 'gi'), `$1$2=${REDACTED}`],
  [new RegExp(`([?&])(${SECRET_QUERY_ONLY_PARAMETER_NAMES})=([^&\\s"'\\\\,;)#]+)`, 'gi'), `$1$2=${REDACTED}`],
  // "name":"value" inside a JSON text that was logged as a string (quotes escaped in the line) or as JSON
  [
    /((?:\\?")(?:client_?secret|clientSecret|client_assertion|refresh_?token|refreshToken|access_?token|accessToken|id_?token|idToken|password|private_?key|privateKey)\\?"\s*:\s*\\?")((?:[^"\\]|\\(?!"))*)/gi,
    `$1${REDACTED}`,
  ],
  // Authorization header values
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9._~+/-]{16,}=*/g, `$1$2${REDACTED}`],
  // JWTs (access tokens, id tokens, client assertions)
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, REDACTED],
  // tenantlink's own secrets: webhook signing secrets and API keys. No word boundary before them: percent-encoding
  // (`%20tlk_…`) puts a letter or digit there. `tlk_` with fewer than 8 characters is kept: the first 6 are an API
  // key's listed, non-secret prefix.
  [/whsec_[A-Za-z0-9_-]+/g, `whsec_${REDACTED}`],
  [/tlk_[A-Za-z0-9_-]{8,}/g, `tlk_${REDACTED}`],
  // PEM private keys, with real or JSON-escaped newlines
  [
    /-----BEGIN ([A-Z ]*)PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
    `-----BEGIN $1PRIVATE KEY-----${REDACTED}-----END $1PRIVATE KEY-----`,
  ],
];

/** Replaces text shaped like a credential: Bearer/Basic values, JWTs, private keys, `client_secret=...` and the like. */
export function scrubCredentialPatterns(text: string): string {
  let result = text;
  for (const [pattern, replacement] of CREDENTIAL_PATTERNS) result = result.replace(pattern, replacement);
  return result;
}

/** The last layer, applied to each finished log line. */
export function scrubLogLine(line: string): string {
  return scrubCredentialPatterns(scrubRegisteredSecrets(line));
}

// ---------------------------------------------------------------------------------------------------------------
// The logger

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface CreateLoggerOptions {
  /** Default 'info'. */
  level?: LogLevel;
  /** A stream (anything with write(string)), a file path, or a file descriptor. Default: standard output. */
  destination?: pino.DestinationStream | string | number;
  /** Fields on every line, e.g. `{ service: 'tenantlink' }`. Sanitized like everything else. */
  base?: Record<string, unknown>;
}

export type Logger = pino.Logger;

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination =
    options.destination === undefined
      ? pino.destination({ dest: 1, sync: false })
      : typeof options.destination === 'string'
        ? pino.destination({ dest: options.destination, mkdir: true, sync: false, mode: 0o600 })
        : typeof options.destination === 'number'
          ? pino.destination({ dest: options.destination, sync: false })
          : options.destination;
  const passThrough = (value: unknown) => value;
  return pino(
    {
      level: options.level ?? 'info',
      ...(options.base === undefined ? {} : { base: sanitizeValue(options.base) as Record<string, unknown> }),
      formatters: {
        log: (record) => {
          const clean = sanitizeValue(record);
          return typeof clean === 'object' && clean !== null && !Array.isArray(clean)
            ? (clean as Record<string, unknown>)
            : { value: clean };
        },
        bindings: (bindings) => sanitizeValue(bindings) as pino.Bindings,
      },
      // Errors are already reduced to code/message/status/request-id by the log formatter.
      serializers: { err: passThrough, error: passThrough },
      redact: { paths: redactPaths(), censor: REDACTED },
      hooks: { streamWrite: scrubLogLine },
    },
    destination,
  );
}
