import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type ErrorContext, type IdentityError, oauthErrorBody } from './aadsts.js';
import type { IdentityContext } from './context.js';

/** The sandbox's own https origin as the client reached it (host and port from the Host header). */
export function originOf(request: FastifyRequest): string {
  return `https://${request.host}`;
}

/** Flattens a parsed form (repeated fields become arrays) to first values. */
export function flattenForm(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') out[key] = first;
  }
  return out;
}

/** The correlation ID Entra echoes: the client's `client-request-id` (query, form or header), else a new one. */
export function correlationIdOf(request: FastifyRequest, form: Record<string, string> = {}): string {
  const query = request.query as Record<string, string | undefined>;
  const header = request.headers['client-request-id'];
  return (
    query['client-request-id'] ?? form['client-request-id'] ?? (typeof header === 'string' ? header : randomUUID())
  );
}

export function errorContext(ctx: IdentityContext, request: FastifyRequest, correlationId: string): ErrorContext {
  return { traceId: request.id, correlationId, nowMs: ctx.clock.now(), origin: originOf(request) };
}

/** Headers Entra puts on token-endpoint answers, success or error. */
export function setTokenHeaders(reply: FastifyReply, correlationId: string, traceId: string, code = 0): void {
  reply.header('cache-control', 'no-store, no-cache');
  reply.header('pragma', 'no-cache');
  reply.header('expires', '-1');
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-ms-request-id', traceId);
  reply.header('client-request-id', correlationId);
  reply.header('x-ms-clitelem', `1,${code},0,,`);
}

export function sendOAuthError(
  ctx: IdentityContext,
  request: FastifyRequest,
  reply: FastifyReply,
  err: IdentityError,
  correlationId: string,
) {
  setTokenHeaders(reply, correlationId, request.id, err.code);
  return reply
    .code(err.definition.status)
    .type('application/json; charset=utf-8')
    .send(oauthErrorBody(err, errorContext(ctx, request, correlationId)));
}
