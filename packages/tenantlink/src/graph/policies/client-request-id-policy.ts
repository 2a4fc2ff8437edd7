import { randomUUID } from 'node:crypto';
import type { PipelinePolicy } from '../pipeline.js';

/**
 * Gives every request a `client-request-id` (kept across its retries), which Graph echoes and logs: the ID to quote
 * to Microsoft support together with the `request-id` of the answer.
 */
export function clientRequestIdPolicy(): PipelinePolicy {
  return {
    name: 'clientRequestIdPolicy',
    sendRequest(request, next) {
      request.headers['client-request-id'] ??= randomUUID();
      return next(request);
    },
  };
}
