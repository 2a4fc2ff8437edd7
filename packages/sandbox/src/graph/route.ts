import type { FastifyInstance } from 'fastify';
import type { GraphCall, GraphContext, GraphResult } from './context.js';
import { isGraphResult } from './context.js';
import { readQuery } from './odata/query.js';
import { assertPermitted, type EndpointPermissions } from './permissions.js';

export interface GraphRoute {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** Fastify path under /v1.0, e.g. `/users/:id`. */
  url: string;
  permissions: EndpointPermissions;
  /** Directory resource units before query modifiers (Microsoft's table; 1 when unlisted). */
  cost?: number;
  /**
   * Outlook routes name the mailbox they touch: the request then counts against that mailbox's limits (10,000 per
   * 10 minutes, 4 in flight per app) and its peak concurrency is recorded.
   */
  mailbox?: (call: GraphCall) => string;
  /** Other workloads' request-count quotas: a scope key (per app and tenant) with its limit. */
  quota?: (call: GraphCall) => { scope: string; requests: number; windowMs: number };
  handler: (call: GraphCall) => Promise<GraphResult | object | undefined> | GraphResult | object | undefined;
}

/** Resource units of a directory request: base cost, −1 for $select, +1 for $expand, −1 for $top < 20, at least 1. */
export function resourceUnits(base: number, call: Pick<GraphCall, 'query'>): number {
  let cost = base;
  if (call.query.select) cost -= 1;
  if (call.query.expand) cost += 1;
  if (call.query.top !== null && call.query.top < 20) cost -= 1;
  return Math.max(1, cost);
}

/**
 * Registers a Graph endpoint: authenticate the bearer token, check the endpoint's permissions, charge throttling,
 * then run the handler and send its answer.
 */
export function graphRoute(app: FastifyInstance, ctx: GraphContext, route: GraphRoute): void {
  app.route({
    method: route.method,
    url: route.url,
    handler: async (request, reply) => {
      const caller = await ctx.auth.authenticate(request.headers.authorization);
      assertPermitted(caller, route.permissions);
      const call: GraphCall = {
        ctx,
        request,
        reply,
        caller,
        tenant: caller.tenant,
        params: request.params as Record<string, string>,
        query: readQuery(request.query as Record<string, unknown>, request.headers),
        origin: `https://${request.host}`,
        body: request.body,
      };
      if (route.permissions.workload === 'directory') {
        const headers = ctx.throttling.chargeDirectory({
          appId: caller.appId,
          tenantId: caller.tenant.id,
          tenantUsers: caller.tenant.users.size,
          cost: resourceUnits(route.cost ?? 1, call),
          write: route.method !== 'GET',
        });
        reply.headers(headers);
      }
      let release: (() => void) | undefined;
      if (route.mailbox) {
        const mailbox = route.mailbox(call);
        release = ctx.throttling.acquireMailbox(caller.appId, mailbox);
        ctx.stats.mailboxStarted(mailbox);
        const done = release;
        release = () => {
          done();
          ctx.stats.mailboxFinished(mailbox);
        };
      }
      if (route.quota) {
        const q = route.quota(call);
        ctx.throttling.chargeRequests(q.scope, q.requests, q.windowMs);
      }
      let result: Awaited<ReturnType<GraphRoute['handler']>>;
      try {
        // A mailbox store is never instant: holding the slot a moment lets concurrent requests to one mailbox overlap
        // (as they do against Exchange), so the 4-in-flight limit can bite.
        if (route.mailbox) await new Promise((r) => setTimeout(r, 1));
        result = await route.handler(call);
      } finally {
        release?.();
      }
      if (result === undefined) return reply.code(204).send();
      if (isGraphResult(result)) {
        if (result.headers) reply.headers(result.headers);
        if (result.contentType) reply.type(result.contentType);
        return reply.code(result.status).send(result.body ?? '');
      }
      return reply
        .code(200)
        .type('application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8')
        .send(result);
    },
  });
}
