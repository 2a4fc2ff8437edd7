import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BATCH_ITEM_HEADER, BATCH_ITEM_SECRET, registerBatch } from './batch.js';
import type { GraphContext } from './context.js';
import { registerAppRegistrationRoutes } from './directory/app-registrations.js';
import { registerGroupRoutes } from './directory/groups.js';
import { registerTenantInfoRoutes } from './directory/tenant-info.js';
import { registerUserRoutes } from './directory/users.js';
import { GraphError, graphErrorBody } from './errors.js';
import { tooManyRequests } from './traffic/throttling.js';
import { WORKLOADS } from './workloads.js';

export type { GraphContext, GraphSettings } from './context.js';
export { DEFAULT_GRAPH_SETTINGS } from './context.js';

const FAULT_CODES: Record<number, [string, string]> = {
  400: ['BadRequest', 'The request was injected to fail.'],
  401: ['InvalidAuthenticationToken', 'Access token validation failure.'],
  403: ['Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'],
  404: [
    'Request_ResourceNotFound',
    'Resource does not exist or one of its queried reference-property objects are not present.',
  ],
  500: ['generalException', 'General exception while processing.'],
  502: ['badGateway', 'The service is temporarily unavailable.'],
  503: ['serviceNotAvailable', 'The service is temporarily unavailable. Please retry.'],
  504: ['gatewayTimeout', 'The request timed out.'],
};

function clientRequestId(request: FastifyRequest): string {
  const header = request.headers['client-request-id'];
  return typeof header === 'string' && header ? header : request.id;
}

function sendError(ctx: GraphContext, request: FastifyRequest, reply: FastifyReply, err: GraphError) {
  reply.headers(err.headers);
  return reply
    .code(err.status)
    .type('application/json')
    .send(
      graphErrorBody(err, { requestId: request.id, clientRequestId: clientRequestId(request), nowMs: ctx.clock.now() }),
    );
}

/**
 * Microsoft Graph v1.0 at `/v1.0`: every response carries `request-id`, the echoed `client-request-id` and `Date`;
 * latency and faults injected through the control API apply before routing; errors use Graph's envelope.
 */
export function registerGraph(app: FastifyInstance, ctx: GraphContext): void {
  for (const workload of WORKLOADS) workload.rootRoutes?.(app, ctx);
  app.register(
    async (graph) => {
      graph.addHook('onRequest', async (request, reply) => {
        ctx.stats.started();
        reply.header('request-id', request.id);
        // The server's time is the sandbox clock's, so a client can follow it (subscriptions expire by it).
        reply.header('date', new Date(ctx.clock.now()).toUTCString());
        reply.header('client-request-id', clientRequestId(request));
        reply.header('strict-transport-security', 'max-age=31536000');
        reply.header(
          'x-ms-ags-diagnostic',
          JSON.stringify({
            ServerInfo: { DataCenter: 'Sandbox', Slice: 'E', Ring: '1', ScaleUnit: '000', RoleInstance: 'sandbox' },
          }),
        );
        const isBatchItem = request.headers[BATCH_ITEM_HEADER] === BATCH_ITEM_SECRET;
        const { ms, jitterMs } = ctx.latency;
        if (!isBatchItem && (ms > 0 || jitterMs > 0)) {
          await new Promise((r) => setTimeout(r, ms + Math.random() * jitterMs));
        }
        const path = request.url.split('?')[0]!;
        const fault = ctx.faults.match(request.method, path);
        if (fault) {
          const [code, message] = FAULT_CODES[fault.status] ?? [
            'generalException',
            'The request was injected to fail.',
          ];
          const err =
            fault.status === 429
              ? tooManyRequests(fault.retryAfterSeconds ?? 1)
              : new GraphError(
                  fault.status,
                  code,
                  message,
                  fault.retryAfterSeconds !== null ? { 'retry-after': String(fault.retryAfterSeconds) } : {},
                );
          if (fault.body !== undefined) {
            reply.headers(err.headers);
            return reply.code(fault.status).type('application/json').send(fault.body);
          }
          return sendError(ctx, request, reply, err);
        }
      });
      graph.addHook('onResponse', async (request, reply) => {
        ctx.stats.finished(
          `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
          reply.statusCode,
        );
      });
      graph.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
        if (error instanceof GraphError) return sendError(ctx, request, reply, error);
        if (error.statusCode && error.statusCode < 500) {
          const message = error.code?.startsWith('FST_ERR_CTP')
            ? 'Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.'
            : error.message;
          return sendError(ctx, request, reply, new GraphError(error.statusCode, 'BadRequest', message));
        }
        request.log.error(error);
        return sendError(
          ctx,
          request,
          reply,
          new GraphError(500, 'generalException', 'General exception while processing.'),
        );
      });
      graph.setNotFoundHandler((request, reply) => {
        const segments = request.url.split('?')[0]!.split('/').filter(Boolean).slice(1);
        const segment = segments[0] ?? '';
        return sendError(
          ctx,
          request,
          reply,
          new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`),
        );
      });
      registerUserRoutes(graph, ctx);
      registerGroupRoutes(graph, ctx);
      registerTenantInfoRoutes(graph, ctx);
      registerAppRegistrationRoutes(graph, ctx);
      for (const workload of WORKLOADS) workload.routes(graph, ctx);
      registerBatch(graph, ctx);
    },
    { prefix: '/v1.0' },
  );
}
