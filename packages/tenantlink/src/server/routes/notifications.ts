import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Connection } from '../../connections/model.js';
import type { ConnectionService } from '../../connections/service.js';
import { featureDefinition } from '../../features/index.js';
import { ConnectionSchedules } from '../../jobs/connection-schedules.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../logging/index.js';
import { type NotificationReceiver, notificationBatch } from '../../notifications/receiver.js';
import {
  LIFECYCLE_PATH,
  MAINTAIN_EVERY_MS,
  NOTIFICATION_PATH,
  SUBSCRIPTIONS_JOB,
  type SubscriptionManager,
} from '../../notifications/subscription-manager.js';
import type { Store } from '../../store/database.js';
import { graphSubscriptionsRepository } from '../../store/graph-subscriptions-repository.js';
import { errorResponses } from '../schemas.js';

export interface NotificationRoutesOptions {
  store: Store;
  service: ConnectionService;
  receiver: NotificationReceiver;
  manager: SubscriptionManager;
  logger?: Logger | undefined;
}

/** Graph's validation token: opaque text it expects back as it was sent (URL-decoded). */
const validation = z.object({ validationToken: z.string().min(1).max(1024).optional() });

const subscriptionView = z.object({
  id: z.string(),
  feature: z.string(),
  resource: z.string().describe('what Microsoft Graph watches'),
  changeType: z.string(),
  state: z
    .enum(['pending', 'active', 'reauthorize', 'removed', 'failed'])
    .describe('`failed`: Graph refused it (see lastError); the feature is polled until it is made again'),
  expiresAt: z.string().nullable(),
  notifications: z.number().describe('notifications received'),
  lastNotificationAt: z.string().nullable(),
  lastError: z.string().nullable(),
});

/**
 * One `subscriptions.maintain` job per connection whose features keep notifications, every 15 minutes (at once when
 * started). The server starts it once it listens, so that its URL is known.
 */
export function subscriptionSchedules(
  runner: JobRunner,
  service: ConnectionService,
  logger?: Logger,
): ConnectionSchedules<Connection> {
  return new ConnectionSchedules<Connection>({
    runner,
    connections: service,
    name: 'subscriptions',
    logger,
    wanted: (connection) =>
      connection.features.some((f) => featureDefinition(f)?.notifications)
        ? [{ kind: SUBSCRIPTIONS_JOB, everyMs: MAINTAIN_EVERY_MS }]
        : [],
  });
}

/**
 * Change notifications: the public endpoints Microsoft Graph posts to (the validation handshake, changes, lifecycle
 * events) and each connection's subscriptions in the API.
 */
export const notificationRoutes: FastifyPluginAsyncZod<NotificationRoutesOptions> = async (app, options) => {
  const { receiver, manager, service } = options;
  for (const [path, summary] of [
    [NOTIFICATION_PATH, 'Microsoft Graph posts change notifications here (and its validation handshake)'],
    [LIFECYCLE_PATH, 'Microsoft Graph posts lifecycle notifications here (and its validation handshake)'],
  ] as const)
    app.post(
      path,
      {
        // Graph cannot authenticate: each notification is checked against its subscription's client state instead.
        config: { public: true, rateLimit: { max: 6000, timeWindow: '1 minute' } },
        bodyLimit: 1024 * 1024,
        schema: {
          tags: ['notifications'],
          summary,
          querystring: validation,
          response: { 200: z.string(), 202: z.null(), ...errorResponses(400, 429) },
        },
      },
      async (request, reply) => {
        const token = request.query.validationToken;
        if (token !== undefined) return reply.code(200).type('text/plain; charset=utf-8').send(token);
        const parsed = notificationBatch.safeParse(request.body);
        if (!parsed.success)
          return reply.code(400).send({
            error: {
              code: 'INVALID_INPUT',
              message: 'Expected a batch of Microsoft Graph notifications: {value: [...]}.',
            },
          });
        await receiver.receive(parsed.data);
        return reply.code(202).send(null);
      },
    );

  app.get(
    '/api/v1/connections/:id/subscriptions',
    {
      schema: {
        tags: ['notifications'],
        summary: 'The change-notification subscriptions a connection keeps, or why its features are polled instead',
        params: z.object({ id: z.string().min(1).max(200) }),
        response: {
          200: z.object({
            mode: z.enum(['notifications', 'polling']),
            reason: z.string().nullable().describe('why notifications are not used (polling)'),
            notificationUrl: z.string().nullable(),
            subscriptions: z.array(subscriptionView),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const { id } = await service.show(request.params.id);
      const mode = await manager.mode();
      const rows = await graphSubscriptionsRepository(options.store).list(id);
      return {
        mode: mode.mode,
        reason: mode.mode === 'polling' ? mode.reason : null,
        notificationUrl: mode.mode === 'notifications' ? `${mode.url}${NOTIFICATION_PATH}` : null,
        subscriptions: rows.map((r) => ({
          id: r.id,
          feature: r.feature,
          resource: r.resource,
          changeType: r.changeType,
          state: r.state,
          expiresAt: r.expiresAt,
          notifications: r.notifications,
          lastNotificationAt: r.lastNotificationAt,
          lastError: r.lastError,
        })),
      };
    },
  );
};
