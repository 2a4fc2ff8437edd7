import { sanitizeHeaders, sanitizeUrl } from '../../logging/index.js';
import type { PipelinePolicy } from '../pipeline.js';

// The pipeline logs through the process's one sanitizer; its functions stay importable from here, where they were.

/** Pino-shaped: `logger.debug({fields}, 'message')`. */
export interface GraphLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  warn?(fields: Record<string, unknown>, message: string): void;
}

/**
 * Logs each attempt by allow-list: method, the URL as its route template with allow-listed query values, status,
 * duration, allow-listed response headers. Never bodies. The logger may be any pino-shaped one, so the fields are
 * sanitized here rather than left to a createLogger formatter.
 */
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
            headers: sanitizeHeaders(response.headers),
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
