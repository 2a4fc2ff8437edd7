import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Tenant } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { controlNotFound } from '../control-api.js';
import { GraphError } from '../errors.js';
import { assertDriveAccess, driveById, driveOfUser } from '../files/access.js';
import type { ResourceChange } from '../notifications/bus.js';
import { hasMailboxRight } from '../outlook/mail-rights.js';
import { mailboxErrors, resolveMailbox } from '../outlook/mailbox.js';
import type { EndpointPermissions } from '../permissions.js';
import { graphRoute } from '../route.js';
import type { Workload } from '../workload.js';
import { assertDeliverable, NotificationSender, validateEndpoint } from './delivery.js';
import { type ChangeType, matches, parseResource, type WatchedResource } from './resources.js';

interface Subscription {
  id: string;
  tenant: Tenant;
  applicationId: string;
  creatorId: string;
  resource: string;
  watched: WatchedResource;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  clientState: string | null;
  expirationDateTime: string;
  includeResourceData: boolean;
}

/** Any read permission of a watchable resource lets the call through; the resource's own list is checked after. */
const ANY_READ = [
  'User.Read.All',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
  'GroupMember.Read.All',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'Mail.ReadBasic.All',
  'Mail.ReadBasic',
  'Mail.Read',
  'Mail.ReadWrite',
  'Calendars.ReadBasic.All',
  'Calendars.ReadBasic',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'Presence.Read.All',
  'Presence.ReadWrite.All',
  'Files.Read',
  'Files.Read.All',
  'Files.ReadWrite',
  'Files.ReadWrite.All',
  'Sites.Read.All',
  'Sites.ReadWrite.All',
];

function row(id: string, method: string, path: string): EndpointPermissions {
  return { id, method, path, workload: 'subscriptions', application: ANY_READ, delegated: ANY_READ };
}

const PERMISSIONS = {
  create: row('createSubscription', 'POST', '/subscriptions'),
  list: row('listSubscriptions', 'GET', '/subscriptions'),
  get: row('getSubscription', 'GET', '/subscriptions/{id}'),
  update: row('updateSubscription', 'PATCH', '/subscriptions/{id}'),
  remove: row('deleteSubscription', 'DELETE', '/subscriptions/{id}'),
  reauthorize: row('reauthorizeSubscription', 'POST', '/subscriptions/{id}/reauthorize'),
};

const CHANGE_TYPES: ChangeType[] = ['created', 'updated', 'deleted'];

/** Graph names notification resources with capitalised collections for Outlook and the directory (`Users/{id}/Messages/{id}`). */
function notificationResource(resource: string): string {
  return resource.replace(
    /(^|\/)(users|groups|messages|events)(?=\/|$)/g,
    (_m, slash: string, word: string) => `${slash}${word[0]!.toUpperCase()}${word.slice(1)}`,
  );
}

/** One sandbox's subscriptions: creation with the validation handshake, expiry on the sandbox clock, delivery on change. */
class SubscriptionService {
  readonly subscriptions = new Map<string, Subscription>();
  readonly sender: NotificationSender;
  private queue = new Map<string, { subscriptionIds: Set<string>; value: Record<string, unknown>[] }>();
  private flushTimer: NodeJS.Timeout | undefined;
  private closed = false;

  /** Stops delivering: nothing more is queued, sent or retried once the sandbox closes. */
  close(): void {
    this.closed = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.queue.clear();
    this.sender.stop();
  }

  constructor(private readonly ctx: GraphContext) {
    this.sender = new NotificationSender(() => ctx.clock.iso());
    ctx.events.subscribe((change) => this.onChange(change));
  }

  json(s: Subscription) {
    return {
      id: s.id,
      resource: s.resource,
      applicationId: s.applicationId,
      changeType: s.changeTypes.join(','),
      clientState: s.clientState,
      notificationUrl: s.notificationUrl,
      notificationQueryOptions: null,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      expirationDateTime: s.expirationDateTime,
      creatorId: s.creatorId,
      includeResourceData: s.includeResourceData,
      latestSupportedTlsVersion: 'v1_2',
      encryptionCertificate: null,
      encryptionCertificateId: null,
      notificationUrlAppId: null,
    };
  }

  /** Drops subscriptions past their expiration on the sandbox clock. */
  expire(): void {
    const now = this.ctx.clock.now();
    for (const [id, s] of this.subscriptions)
      if (Date.parse(s.expirationDateTime) <= now) this.subscriptions.delete(id);
  }

  private onChange(change: ResourceChange): void {
    if (this.closed) return;
    this.expire();
    for (const s of this.subscriptions.values()) {
      if (s.tenant !== change.tenant || !s.changeTypes.includes(change.changeType)) continue;
      if (!matches(s.watched.prefixes, change.resource)) continue;
      const item: Record<string, unknown> = {
        id: randomUUID(),
        subscriptionId: s.id,
        subscriptionExpirationDateTime: s.expirationDateTime,
        clientState: s.clientState,
        changeType: change.changeType,
        resource: s.watched.kind === 'driveItems' ? s.resource : notificationResource(change.resource),
        tenantId: change.tenant.id,
      };
      if (s.watched.kind !== 'driveItems') {
        item.resourceData = {
          '@odata.type': change.odataType,
          '@odata.id': notificationResource(change.resource),
          id: change.id,
        };
      }
      const entry = this.queue.get(s.notificationUrl) ?? { subscriptionIds: new Set<string>(), value: [] };
      entry.subscriptionIds.add(s.id);
      entry.value.push(item);
      this.queue.set(s.notificationUrl, entry);
    }
    // Changes made together (a batch, a churn) arrive together, as Graph groups notifications.
    if (this.queue.size > 0 && !this.flushTimer) {
      this.flushTimer = setTimeout(() => this.flush(), 25);
      this.flushTimer.unref();
    }
  }

  private flush(): void {
    this.flushTimer = undefined;
    const queue = this.queue;
    this.queue = new Map();
    for (const [url, entry] of queue) this.sender.send(url, entry.value, [...entry.subscriptionIds]);
  }

  /** Sends a lifecycle notification (reauthorizationRequired, subscriptionRemoved, missed). */
  lifecycle(s: Subscription, event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed'): void {
    if (!s.lifecycleNotificationUrl)
      throw new GraphError(400, 'BadRequest', 'The subscription has no lifecycleNotificationUrl.');
    this.sender.send(
      s.lifecycleNotificationUrl,
      [
        {
          subscriptionId: s.id,
          subscriptionExpirationDateTime: s.expirationDateTime,
          tenantId: s.tenant.id,
          clientState: s.clientState,
          lifecycleEvent: event,
        },
      ],
      [s.id],
    );
    if (event === 'subscriptionRemoved') this.subscriptions.delete(s.id);
  }
}

const services = new WeakMap<GraphContext, SubscriptionService>();

export function subscriptionService(ctx: GraphContext): SubscriptionService {
  let service = services.get(ctx);
  if (!service) {
    service = new SubscriptionService(ctx);
    services.set(ctx, service);
  }
  return service;
}

/**
 * A subscription may watch only what its caller may read: the same mailbox checks as reading the messages or events
 * (access policies, `.Shared` scopes and Full Access for another user's mailbox), the same drive checks as reading the
 * drive. A refusal answers as Graph's subscription service does, 403 ExtensionError.
 */
function assertMayWatch(call: GraphCall, watched: WatchedResource): void {
  const owner = watched.prefixes[0]!.split('/');
  try {
    if (watched.kind === 'messages' || watched.kind === 'events') {
      const shared =
        watched.kind === 'messages'
          ? ['Mail.Read.Shared', 'Mail.ReadWrite.Shared']
          : ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'];
      const mailboxOwner = resolveMailbox(call, owner[1]!, shared);
      const signedIn = call.caller.user;
      if (
        call.caller.kind === 'user' &&
        signedIn &&
        signedIn.id !== mailboxOwner.id &&
        !hasMailboxRight(call.tenant, mailboxOwner.id, signedIn.id, 'FullAccess')
      ) {
        throw mailboxErrors.accessDenied();
      }
    } else if (watched.kind === 'driveItems') {
      const drive = owner[0] === 'drives' ? driveById(call, owner[1]!) : driveOfUser(call, owner[1]!);
      assertDriveAccess(call, drive);
    }
  } catch (err) {
    if (err instanceof GraphError && err.status === 403) {
      throw new GraphError(
        403,
        'ExtensionError',
        `Operation: Create; Exception: [Status Code: Forbidden; Reason: ${err.message}]`,
      );
    }
    throw err;
  }
}

function parseExpiration(call: GraphCall, value: unknown, maxMinutes: number): string {
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    throw new GraphError(400, 'ValidationError', 'expirationDateTime is required and must be a date and time.');
  const now = call.ctx.clock.now();
  if (ms <= now) throw new GraphError(400, 'ValidationError', 'Subscription expiration must be in the future.');
  if (ms > now + maxMinutes * 60_000) {
    throw new GraphError(
      400,
      'ExtensionError',
      `Subscription expiration can only be ${maxMinutes} minutes in the future.`,
    );
  }
  return new Date(ms).toISOString();
}

function ownSubscription(call: GraphCall, service: SubscriptionService): Subscription {
  service.expire();
  const s = service.subscriptions.get(call.params.id ?? '');
  if (!s || s.tenant !== call.tenant || s.applicationId !== call.caller.appId) {
    throw new GraphError(404, 'ResourceNotFound', `The object was not found.`);
  }
  return s;
}

/**
 * Change notifications: `POST/GET/PATCH/DELETE /subscriptions` for users, groups, messages, events, presence and drive
 * items, the validation handshake, `clientState`, per-resource maximum lifetimes, lifecycle notifications, and
 * notifications posted when the tenant changes (through Graph or the control API).
 */
export const subscriptionsWorkload: Workload = {
  name: 'subscriptions',
  permissions: Object.values(PERMISSIONS),
  routes(app: FastifyInstance, ctx: GraphContext) {
    const service = subscriptionService(ctx);
    app.addHook('onClose', async () => service.close());
    const route = (r: Parameters<typeof graphRoute>[2]) => graphRoute(app, ctx, r);
    route({
      method: 'POST',
      url: '/subscriptions',
      permissions: PERMISSIONS.create,
      handler: async (call) => {
        const body = (call.body ?? {}) as Record<string, unknown>;
        if (typeof body.resource !== 'string' || !body.resource)
          throw new GraphError(400, 'BadRequest', 'resource is required.');
        if (typeof body.notificationUrl !== 'string')
          throw new GraphError(400, 'BadRequest', 'notificationUrl is required.');
        const watched = parseResource(body.resource, call.tenant, call.caller, ctx.directory);
        if (body.includeResourceData === true && !body.encryptionCertificate) {
          throw new GraphError(
            400,
            'ValidationError',
            'A subscription with includeResourceData needs an encryptionCertificate and encryptionCertificateId.',
          );
        }
        assertMayWatch(call, watched);
        const held = new Set(
          (call.caller.kind === 'app' ? call.caller.roles : call.caller.scopes).map((p) => p.toLowerCase()),
        );
        const accepted = call.caller.kind === 'app' ? watched.application : watched.delegated;
        if (!accepted.some((p) => held.has(p.toLowerCase()))) {
          throw new GraphError(
            403,
            'ExtensionError',
            'Operation: Create; Exception: [Status Code: Forbidden; Reason: Insufficient privileges to complete the operation.]',
          );
        }
        const changeTypes = String(body.changeType ?? '')
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean) as ChangeType[];
        if (changeTypes.length === 0 || changeTypes.some((c) => !CHANGE_TYPES.includes(c))) {
          throw new GraphError(
            400,
            'ValidationError',
            `Invalid changeType '${String(body.changeType)}'. Use created, updated or deleted.`,
          );
        }
        const unsupported = changeTypes.filter((c) => !watched.changeTypes.includes(c));
        if (unsupported.length > 0) {
          throw new GraphError(
            400,
            'ValidationError',
            `Change type '${unsupported.join(',')}' is not supported for resource '${body.resource}'.`,
          );
        }
        if (body.clientState !== undefined && (typeof body.clientState !== 'string' || body.clientState.length > 128)) {
          throw new GraphError(400, 'ValidationError', 'clientState must be a string of at most 128 characters.');
        }
        const expirationDateTime = parseExpiration(call, body.expirationDateTime, watched.maxMinutes);
        assertDeliverable(body.notificationUrl, 'notificationUrl');
        const lifecycleUrl = typeof body.lifecycleNotificationUrl === 'string' ? body.lifecycleNotificationUrl : null;
        if (lifecycleUrl) assertDeliverable(lifecycleUrl, 'lifecycleNotificationUrl');
        await validateEndpoint(body.notificationUrl);
        if (lifecycleUrl) await validateEndpoint(lifecycleUrl);
        const subscription: Subscription = {
          id: randomUUID(),
          tenant: call.tenant,
          applicationId: call.caller.appId,
          creatorId: call.caller.user?.id ?? call.caller.servicePrincipal?.id ?? call.caller.appId,
          resource: body.resource,
          watched,
          changeTypes,
          notificationUrl: body.notificationUrl,
          lifecycleNotificationUrl: lifecycleUrl,
          clientState: (body.clientState as string | undefined) ?? null,
          expirationDateTime,
          includeResourceData: body.includeResourceData === true,
        };
        service.subscriptions.set(subscription.id, subscription);
        return {
          status: 201,
          body: {
            '@odata.context': `${call.origin}/v1.0/$metadata#subscriptions/$entity`,
            ...service.json(subscription),
          },
        };
      },
    });
    route({
      method: 'GET',
      url: '/subscriptions',
      permissions: PERMISSIONS.list,
      handler: (call) => {
        service.expire();
        const mine = [...service.subscriptions.values()].filter(
          (s) => s.tenant === call.tenant && s.applicationId === call.caller.appId,
        );
        return {
          '@odata.context': `${call.origin}/v1.0/$metadata#subscriptions`,
          value: mine.map((s) => service.json(s)),
        };
      },
    });
    route({
      method: 'GET',
      url: '/subscriptions/:id',
      permissions: PERMISSIONS.get,
      handler: (call) => ({
        '@odata.context': `${call.origin}/v1.0/$metadata#subscriptions/$entity`,
        ...service.json(ownSubscription(call, service)),
      }),
    });
    route({
      method: 'PATCH',
      url: '/subscriptions/:id',
      permissions: PERMISSIONS.update,
      handler: (call) => {
        const s = ownSubscription(call, service);
        s.expirationDateTime = parseExpiration(
          call,
          (call.body as Record<string, unknown> | undefined)?.expirationDateTime,
          s.watched.maxMinutes,
        );
        return { '@odata.context': `${call.origin}/v1.0/$metadata#subscriptions/$entity`, ...service.json(s) };
      },
    });
    route({
      method: 'DELETE',
      url: '/subscriptions/:id',
      permissions: PERMISSIONS.remove,
      handler: (call) => {
        service.subscriptions.delete(ownSubscription(call, service).id);
        return undefined;
      },
    });
    route({
      method: 'POST',
      url: '/subscriptions/:id/reauthorize',
      permissions: PERMISSIONS.reauthorize,
      handler: (call) => {
        ownSubscription(call, service);
        return undefined;
      },
    });
  },
  control(control: FastifyInstance, ctx: GraphContext) {
    const service = subscriptionService(ctx);
    control.get('/subscriptions', async () => {
      service.expire();
      return [...service.subscriptions.values()].map((s) => ({ ...service.json(s), tenantId: s.tenant.id }));
    });
    control.get('/notifications', async () => service.sender.log);
    control.post<{
      Params: { id: string };
      Body: { event: 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed' };
    }>(
      '/subscriptions/:id/lifecycle',
      {
        schema: {
          body: {
            type: 'object',
            required: ['event'],
            additionalProperties: false,
            properties: {
              event: { type: 'string', enum: ['reauthorizationRequired', 'subscriptionRemoved', 'missed'] },
            },
          },
        },
      },
      async (request, reply) => {
        const s = service.subscriptions.get(request.params.id);
        if (!s) throw controlNotFound(`subscription '${request.params.id}' not found`);
        if (request.body.event === 'missed' && !['messages', 'events'].includes(s.watched.kind)) {
          return reply
            .code(400)
            .send({ error: { code: 'BadRequest', message: 'missed applies to Outlook resources only' } });
        }
        service.lifecycle(s, request.body.event);
        return reply.code(202).send({ sent: request.body.event });
      },
    );
  },
};
