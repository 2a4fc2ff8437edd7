/**
 * What may be logged as it is. These lists serve every log line: the server's, the CLI's and the Graph pipeline's.
 * Anything not listed keeps its name and loses its value. A name goes on a list only when its value can never carry
 * a credential, a person's data or state that grants access.
 */

/** Protocol, caching, correlation and throttling headers. Not listed: authorization, cookies, API keys, anything new. */
export const SAFE_HEADERS: ReadonlySet<string> = new Set([
  'accept',
  'accept-encoding',
  'accept-language',
  'cache-control',
  'client-request-id',
  'connection',
  'consistencylevel',
  'content-length',
  'content-location',
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

/** Safe headers whose value is a URL: it is sanitized like any URL (upload-session URLs carry `tempauth`). */
export const URL_HEADERS: ReadonlySet<string> = new Set(['location', 'content-location']);

/**
 * OData shape and OAuth protocol words. Not listed, so REDACTED: `$filter` and `$search` (names, addresses),
 * `$skiptoken` and `$deltatoken` (cursors), `code`, `state`, `login_hint`, and `redirect_uri` (a URL that can carry
 * a query of its own).
 */
export const SAFE_QUERY_PARAMETERS: ReadonlySet<string> = new Set([
  'api-version',
  '$count',
  '$expand',
  '$format',
  '$orderby',
  '$select',
  '$skip',
  '$top',
  'admin_consent',
  'client_id',
  'error',
  'error_subcode',
  'grant_type',
  'prompt',
  'response_mode',
  'response_type',
  'scope',
  'tenant',
]);

/** Fields of a logged request object (`req`, `request`); the others are REDACTED and bodies are never logged. */
export const SAFE_REQUEST_FIELDS: ReadonlySet<string> = new Set([
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

/** Fields of a logged response object (`res`, `response`). */
export const SAFE_RESPONSE_FIELDS: ReadonlySet<string> = new Set([
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
