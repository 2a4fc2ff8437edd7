import type { PipelinePolicy } from '../pipeline.js';

/** Pino-shaped: `logger.debug({fields}, 'message')`. */
export interface GraphLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
}

/** Headers safe to log. Anything else, `authorization` included, is never logged. */
const SAFE_HEADERS = new Set([
  'client-request-id',
  'request-id',
  'retry-after',
  'content-type',
  'content-length',
  'consistencylevel',
  'prefer',
  'preference-applied',
  'x-ms-ags-diagnostic',
  'x-ms-resource-unit',
  'x-ms-throttle-limit-percentage',
  'x-ms-throttle-scope',
  'x-ms-throttle-information',
  'location',
]);

/** Query parameters safe to log; `$filter`, `$search` (names, addresses) and tokens become REDACTED. */
const SAFE_QUERY = new Set(['$select', '$top', '$expand', '$count', '$orderby', 'api-version']);

/** A URL fit for logs: path as a route template (no IDs or UPNs), query values outside the allow-list redacted. */
export function sanitizeUrl(url: string, routeTemplate: string): string {
  let search = '';
  try {
    const parsed = new URL(url);
    const parts: string[] = [];
    for (const [key, value] of parsed.searchParams) parts.push(`${key}=${SAFE_QUERY.has(key) ? value : 'REDACTED'}`);
    search = parts.length ? `?${parts.join('&')}` : '';
  } catch {
    // not a URL: log the template alone
  }
  return `${routeTemplate}${search}`;
}

export function sanitizeHeaders(headers: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of headers) out[name] = SAFE_HEADERS.has(name.toLowerCase()) ? value : 'REDACTED';
  return out;
}

/** Logs each attempt by allow-list: method, sanitized URL, status, duration, safe headers. Never bodies. */
export function logPolicy(logger: GraphLogger): PipelinePolicy {
  return {
    name: 'logPolicy',
    async sendRequest(request, next) {
      const started = performance.now();
      const url = sanitizeUrl(request.url, request.routeTemplate);
      try {
        const response = await next(request);
        logger.debug(
          {
            method: request.method,
            url,
            attempt: request.attempt,
            status: response.status,
            ms: Math.round(performance.now() - started),
            headers: sanitizeHeaders(response.headers as unknown as Iterable<[string, string]>),
          },
          'graph request',
        );
        return response;
      } catch (err) {
        logger.debug(
          { method: request.method, url, attempt: request.attempt, error: (err as Error)?.name },
          'graph request failed',
        );
        throw err;
      }
    },
  };
}
