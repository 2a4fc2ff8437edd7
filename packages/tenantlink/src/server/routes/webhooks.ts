import type { FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectionService } from '../../connections/service.js';
import { allDatasets } from '../../features/index.js';
import type { Logger } from '../../logging/index.js';
import type { OutboundPolicy } from '../../outbound/outbound-policy.js';
import type { Store } from '../../store/database.js';
import type { WebhookDelivery } from '../../store/webhook-deliveries-repository.js';
import type { WebhookDispatcher } from '../../webhooks/dispatcher.js';
import {
  MAX_KEEP_PREVIOUS_HOURS,
  type WebhookCursorView,
  WebhookEndpoints,
  type WebhookEndpointView,
} from '../../webhooks/endpoints.js';
import { pingResult } from '../../webhooks/post-webhook.js';
import { RATE_LIMITS } from '../rate-limits.js';
import { errorResponses } from '../schemas.js';

const cursorView = z.object({
  connectionId: z.string(),
  lastSeq: z.number().describe('the last sequence number delivered'),
  feedLastSeq: z.number().describe('the last sequence number of the connection\u2019s feed'),
  attempts: z.number().describe('failed attempts in a row'),
  failing: z.boolean().describe('the attempts ran out: retried on the next commit or a replay'),
  nextAttemptAt: z.string().nullable(),
  lastAttemptAt: z.string().nullable(),
  lastDeliveredAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
const eventsView = z
  .object({
    lastSeq: z.number().describe('the last event sequence number delivered (or passed over: not this endpoint\u2019s)'),
    eventsLastSeq: z.number().describe('the last event sequence number published'),
    attempts: z.number().describe('failed attempts in a row'),
    failing: z.boolean().describe('the attempts ran out: retried on the next event or a replay'),
    nextAttemptAt: z.string().nullable(),
    lastAttemptAt: z.string().nullable(),
    lastDeliveredAt: z.string().nullable(),
    lastError: z.string().nullable(),
  })
  .describe('where the endpoint stands in the lifecycle events (connection.created, connect.failed)');
const webhookView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  connectionId: z.string().nullable().describe('null: every connection'),
  models: z.array(z.string()).nullable().describe('null: every model'),
  enabled: z.boolean(),
  status: z.enum(['active', 'retrying', 'failing', 'disabled']),
  previousSecretExpiresAt: z
    .string()
    .nullable()
    .describe('after a secret rotation: until when deliveries are also signed with the old secret'),
  cursors: z.array(cursorView),
  events: eventsView,
  createdAt: z.string(),
  updatedAt: z.string(),
});
const deliveryView = z.object({
  id: z.string().describe('the attempt\u2019s own id'),
  deliveryId: z
    .string()
    .describe(
      'the tenantlink-delivery header: the same on every attempt of one batch or event (receivers deduplicate by it)',
    ),
  kind: z
    .enum(['feed', 'event'])
    .describe('`feed`: a batch of a connection\u2019s change feed; `event`: a lifecycle event'),
  connectionId: z
    .string()
    .describe(
      'the feed\u2019s connection, or the one the event is about; empty for an event about none (connect.failed)',
    ),
  fromSeq: z.number().describe('the first feed sequence number carried; for an event, its event sequence number'),
  toSeq: z.number(),
  entries: z.number().describe('feed entries carried; 1 for an event'),
  event: z
    .object({ id: z.string().describe('the body\u2019s `id`'), type: z.string() })
    .nullable()
    .describe('the event carried; null for a feed batch'),
  attempt: z.number(),
  status: z.enum(['succeeded', 'failed']),
  statusCode: z.number().nullable(),
  error: z.string().nullable(),
  durationMs: z.number(),
  nextAttemptAt: z.string().nullable(),
  attemptedAt: z.string(),
  deliveredAt: z.string().nullable(),
});
const idParams = z.object({ id: z.string().min(1).max(200) });
const url = z.string().min(1).max(2048);
const models = z.array(z.string().min(1).max(100)).max(50);
const description = z.string().max(200);

const view = (e: WebhookEndpointView): z.infer<typeof webhookView> => ({
  id: e.id,
  url: e.url,
  description: e.description,
  connectionId: e.connectionId,
  models: e.models,
  enabled: e.enabled,
  status: e.status,
  previousSecretExpiresAt: e.previousSecretExpiresAt,
  cursors: e.cursors.map((c: WebhookCursorView) => ({ ...c })),
  events: { ...e.events },
  createdAt: e.createdAt,
  updatedAt: e.updatedAt,
});
const deliveryOf = ({ endpointId: _endpointId, ...d }: WebhookDelivery): z.infer<typeof deliveryView> => ({
  ...d,
  connectionId: d.connectionId ?? '',
});

export interface WebhookRoutesOptions {
  endpoints: WebhookEndpoints;
  /** Sends an endpoint a signed test event now. */
  ping: WebhookDispatcher['ping'];
}

/** Webhook endpoints: add (the secret is answered once), list, change, remove, the delivery log, replay. */
export const webhookRoutes: FastifyPluginAsyncZod<WebhookRoutesOptions> = async (app, { endpoints, ping }) => {
  app.get(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'List webhook endpoints with where each stands in each connection\u2019s feed (never their secrets)',
        response: { 200: z.object({ webhooks: z.array(webhookView) }) },
      },
    },
    async () => ({ webhooks: (await endpoints.list()).map(view) }),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Add a webhook endpoint: every committed batch of feed changes is POSTed to it, signed. The secret is in this answer only',
        body: z.object({
          url: url.describe('https://, or http://localhost for development'),
          connection: z.string().min(1).max(200).optional().describe('a connection id or name; absent for all'),
          models: models.optional().describe('only these models; absent for all'),
          description: description.optional(),
          enabled: z.boolean().optional(),
        }),
        response: {
          201: z.object({
            webhook: webhookView,
            secret: z.string().describe('the HMAC-SHA256 key of tenantlink-signature; shown only now'),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await endpoints.add(request.body);
      return reply.code(201).send({ webhook: view(endpoint), secret });
    },
  );

  app.get(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'A webhook endpoint with its cursors',
        params: idParams,
        response: { 200: z.object({ webhook: webhookView }), ...errorResponses(404) },
      },
    },
    async (request) => ({ webhook: view(await endpoints.show(request.params.id)) }),
  );

  app.patch(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Change a webhook endpoint\u2019s URL, models, description, or enable or disable it',
        params: idParams,
        body: z.object({
          url: url.optional(),
          models: models.nullable().optional().describe('null: every model'),
          description: description.nullable().optional(),
          enabled: z.boolean().optional(),
        }),
        response: { 200: z.object({ webhook: webhookView }), ...errorResponses(400, 404) },
      },
    },
    async (request) => ({ webhook: view(await endpoints.update(request.params.id, request.body)) }),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        tags: ['webhooks'],
        summary: 'Remove a webhook endpoint with its cursors and delivery log',
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await endpoints.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'The delivery log: each attempt (feed batches and lifecycle events) with what it carried, its answer and timing, newest first',
        params: idParams,
        querystring: z.object({
          connection: z.string().min(1).max(200).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ deliveries: z.array(deliveryView) }), ...errorResponses(404) },
      },
    },
    async (request) => ({
      deliveries: (await endpoints.deliveries(request.params.id, request.query)).map(deliveryOf),
    }),
  );

  app.post(
    '/webhooks/:id/rotate-secret',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'A new signing secret, in this answer only; deliveries are signed with the old one too for keepPreviousHours',
        params: idParams,
        body: z
          .object({
            keepPreviousHours: z
              .number()
              .int()
              .min(0)
              .max(MAX_KEEP_PREVIOUS_HOURS)
              .optional()
              .describe('how long the old secret still signs, beside the new one (default 24; 0: not at all)'),
          })
          .optional(),
        response: {
          200: z.object({ webhook: webhookView, secret: z.string().describe('the new secret; shown only now') }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { endpoint, secret } = await endpoints.rotateSecret(request.params.id, request.body ?? {});
      return { webhook: view(endpoint), secret };
    },
  );

  app.post(
    '/webhooks/:id/ping',
    {
      config: { rateLimit: RATE_LIMITS.ping },
      schema: {
        tags: ['webhooks'],
        summary:
          'Send the endpoint a signed `ping` event now (disabled ones too) and answer whether it was delivered; not ' +
          'logged or retried. A failure is named only by its class, never by the target\u2019s answer or error',
        params: idParams,
        response: {
          200: z.object({
            ok: z.boolean().describe('the endpoint answered 2xx'),
            result: z
              .string()
              .describe(
                '`delivered`, or `failed: 3xx|4xx|5xx`, `failed: timeout`, `failed: no connection`, `failed: refused by the outbound policy`',
              ),
            durationMs: z.number(),
            deliveryId: z.string().describe('the tenantlink-delivery header it was sent with'),
          }),
          ...errorResponses(404, 429),
        },
      },
    },
    async (request) => {
      const outcome = await ping(request.params.id);
      return {
        ok: outcome.ok,
        result: pingResult(outcome),
        durationMs: outcome.durationMs,
        deliveryId: outcome.deliveryId,
      };
    },
  );

  app.post(
    '/webhooks/:id/replay',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Deliver a connection\u2019s feed again from a sequence number (without `since`: retry now from where it stands)',
        params: idParams,
        body: z.object({
          connection: z.string().min(1).max(200),
          since: z.number().int().min(0).optional(),
        }),
        response: { 202: z.object({ cursor: cursorView }), ...errorResponses(400, 404, 410) },
      },
    },
    async (request, reply) => {
      const cursor = await endpoints.replay(request.params.id, request.body);
      return reply.code(202).send({ cursor });
    },
  );

  app.post(
    '/webhooks/:id/replay-events',
    {
      schema: {
        tags: ['webhooks'],
        summary:
          'Deliver the lifecycle events again from an event sequence number (without `since`: retry now from where it stands)',
        params: idParams,
        body: z.object({ since: z.number().int().min(0).optional() }).optional(),
        response: { 202: z.object({ events: eventsView }), ...errorResponses(400, 404, 410) },
      },
    },
    async (request, reply) => {
      const events = await endpoints.replayEvents(request.params.id, request.body ?? {});
      return reply.code(202).send({ events });
    },
  );
};

export interface WebhooksWiring {
  store: Store;
  service: ConnectionService;
  logger?: Logger | undefined;
  /** The dispatcher of this process's background work (replays and pings go through it). */
  dispatcher: WebhookDispatcher;
  /** Where webhook URLs may point. */
  outbound: OutboundPolicy;
}

/** Registers the webhook routes under /api/v1; stored URLs with a query string are sealed when the server is ready. */
export async function registerWebhooks(app: FastifyInstance, options: WebhooksWiring): Promise<void> {
  const { dispatcher } = options;
  const endpoints = new WebhookEndpoints({
    store: options.store,
    vault: options.service.vault,
    connections: options.service,
    models: allDatasets().flatMap((d) => d.models),
    onReplay: (endpointId, connectionId) => dispatcher.replayed(endpointId, connectionId),
    onEventsReplay: (endpointId) => dispatcher.eventsReplayed(endpointId),
    outbound: options.outbound,
  });
  app.addHook('onReady', async () => {
    const sealed = await endpoints.sealStoredUrls();
    if (sealed > 0) options.logger?.info({ sealed }, 'webhook URLs with a query string are now kept encrypted');
  });
  await app.register(webhookRoutes, { prefix: '/api/v1', endpoints, ping: (id) => dispatcher.ping(id) });
}
