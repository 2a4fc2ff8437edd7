import type { FastifyInstance } from 'fastify';
import type { Tenant, User } from '../../tenant/model.js';
import type { GraphCall, GraphContext, GraphResult } from '../context.js';
import { badRequest, GraphError, notFound } from '../errors.js';
import { type FilterNode, ODataFilterError, parseFilter } from '../odata/filter/index.js';
import { graphRoute } from '../route.js';
import { PRESENCE_LIMIT } from '../traffic/throttling.js';
import { PRESENCE_PERMISSIONS as P } from './permissions.js';
import {
  type Activity,
  type Availability,
  type PresenceState,
  presenceFingerprint,
  presenceJson,
  presenceOf,
  type UserPresence,
  unknownPresenceJson,
} from './state.js';

/** getPresencesByUserId (and the `id in (...)` list) take at most 650 user IDs per request. */
export const MAX_PRESENCE_IDS = 650;

const MINUTE = 60_000;

/** The availability/activity pairs setPresence accepts (presence-setpresence.md). */
const SESSION_PAIRS = [
  'Available/Available',
  'Busy/InACall',
  'Busy/InAConferenceCall',
  'Away/Away',
  'DoNotDisturb/Presenting',
];

/** The pairs setUserPreferredPresence accepts (presence-setuserpreferredpresence.md). */
const PREFERRED_PAIRS = [
  'Available/Available',
  'Busy/Busy',
  'DoNotDisturb/DoNotDisturb',
  'BeRightBack/BeRightBack',
  'Away/Away',
  'Offline/OffWork',
];

const denied = () => new GraphError(403, 'Forbidden', 'Insufficient privileges to complete the operation.');

function quota(call: GraphCall) {
  return { scope: `presence/${call.caller.appId}/${call.tenant.id}`, ...PRESENCE_LIMIT };
}

function findUser(call: GraphCall, idOrUpn: string): User {
  const user = call.ctx.directory.findUser(call.tenant, idOrUpn);
  if (!user) throw notFound(idOrUpn);
  return user;
}

function holds(call: GraphCall, permission: string): boolean {
  const held = call.caller.kind === 'app' ? call.caller.roles : call.caller.scopes;
  return held.some((p) => p.toLowerCase() === permission.toLowerCase());
}

/** Delegated Presence.Read and Presence.ReadWrite cover the signed-in user only; the .All permissions anyone. */
function assertMayTouch(call: GraphCall, user: User, allPermission: string): void {
  if (call.caller.kind === 'user' && call.caller.user?.id !== user.id && !holds(call, allPermission)) throw denied();
}

function entityContext(call: GraphCall, context: string) {
  return { '@odata.context': `${call.origin}/v1.0/$metadata#${context}/$entity` };
}

function readPresence(call: GraphCall, user: User, context: string) {
  assertMayTouch(call, user, 'Presence.Read.All');
  return { ...entityContext(call, context), ...presenceJson(presenceOf(call.tenant, user), call.ctx.clock.now()) };
}

/** The presence JSON for each requested ID, in order, without duplicates; unknown IDs read as PresenceUnknown. */
function presencesFor(call: GraphCall, ids: string[]): Record<string, unknown>[] {
  const now = call.ctx.clock.now();
  const seen = new Set<string>();
  const out: Record<string, unknown>[] = [];
  for (const id of ids) {
    const key = id.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const user = call.tenant.users.get(key);
    out.push(user ? presenceJson(presenceOf(call.tenant, user), now) : unknownPresenceJson(id));
  }
  return out;
}

function assertIdCount(count: number): void {
  if (count > MAX_PRESENCE_IDS) {
    throw badRequest(`Maximum of ${MAX_PRESENCE_IDS} user IDs are supported per API request.`, 'BadRequest');
  }
}

function idsFromBody(body: unknown): string[] {
  const ids = (body as { ids?: unknown } | null)?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && id.length > 0)) {
    throw badRequest("The request body must contain a non-empty 'ids' array of user object IDs.", 'BadRequest');
  }
  return ids as string[];
}

/** `id eq '…'`, `id in ('…', …)` and `or` chains of them: the filter the presence list (and subscriptions) use. */
function idsFromFilter(node: FilterNode): string[] {
  const isId = (property: string) => property.toLowerCase() === 'id';
  if (node.kind === 'in' && isId(node.property)) return node.values.map(String);
  if (node.kind === 'compare' && node.op === 'eq' && isId(node.property)) return [String(node.value)];
  if (node.kind === 'or') return [...idsFromFilter(node.left), ...idsFromFilter(node.right)];
  throw badRequest("Only filtering by 'id' with 'eq' or 'in' is supported for presences.", 'BadRequest');
}

function parseIdFilter(text: string | null): string[] {
  if (text === null) {
    throw badRequest("The presences collection needs a $filter on 'id', e.g. id in ('…').", 'BadRequest');
  }
  try {
    return idsFromFilter(parseFilter(text));
  } catch (err) {
    if (err instanceof ODataFilterError) throw new GraphError(400, err.code, err.message);
    throw err;
  }
}

/** ISO 8601 durations as Graph takes them: PT5M, PT1H30M, P1D, P1DT2H. */
export function parseDuration(text: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(text);
  if (!match || text.toUpperCase() === 'P' || text.toUpperCase().endsWith('T')) return undefined;
  const [, d = '0', h = '0', m = '0', s = '0'] = match;
  return ((Number(d) * 24 + Number(h)) * 60 + Number(m)) * MINUTE + Number(s) * 1000;
}

function stringField(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value.length === 0) {
    throw badRequest(`The parameter '${name}' is required and must be a string.`, 'BadRequest');
  }
  return value;
}

function presencePair(body: unknown, allowed: string[], operation: string): PresenceState {
  const availability = stringField(body, 'availability');
  const activity = stringField(body, 'activity');
  const pair = allowed.find((p) => p.toLowerCase() === `${availability}/${activity}`.toLowerCase());
  if (!pair) {
    throw badRequest(
      `The availability '${availability}' and activity '${activity}' combination is not supported by ${operation}.`,
      'BadRequest',
    );
  }
  const [a, b] = pair.split('/') as [Availability, Activity];
  return { availability: a, activity: b };
}

function expiration(body: unknown, fallbackMs: number, range?: [number, number]): number {
  const text = (body as Record<string, unknown> | null)?.expirationDuration;
  if (text === undefined || text === null) return fallbackMs;
  const ms = typeof text === 'string' ? parseDuration(text) : undefined;
  if (ms === undefined) throw badRequest(`The expirationDuration '${String(text)}' is not a valid ISO 8601 duration.`);
  if (range && (ms < range[0] || ms > range[1])) {
    throw badRequest('The expirationDuration must be between PT5M and PT4H.', 'BadRequest');
  }
  return ms;
}

/** The app's presence session is named by its client ID (setPresence docs: "Provide the ID of the application"). */
function sessionIdOf(call: GraphCall): string {
  const sessionId = stringField(call.body, 'sessionId');
  if (sessionId.toLowerCase() !== call.caller.appId.toLowerCase()) {
    throw badRequest(`The sessionId '${sessionId}' must be the ID of the calling application.`, 'BadRequest');
  }
  return sessionId.toLowerCase();
}

/** Publishes `communications/presences/{userId}` when what Graph shows for the user has changed. */
export function publishIfChanged(ctx: GraphContext, tenant: Tenant, presence: UserPresence, before: string): void {
  if (presenceFingerprint(presence, ctx.clock.now()) === before) return;
  ctx.events.publish({
    tenant,
    resource: `communications/presences/${presence.id}`,
    changeType: 'updated',
    odataType: '#microsoft.graph.presence',
    id: presence.id,
  });
}

/** Runs a presence write on the target user and answers 200 with no body, as Graph does. */
function writePresence(call: GraphCall, change: (presence: UserPresence, now: number) => void): GraphResult {
  const user = findUser(call, call.params.id!);
  assertMayTouch(call, user, 'Presence.ReadWrite.All');
  const presence = presenceOf(call.tenant, user);
  const now = call.ctx.clock.now();
  const before = presenceFingerprint(presence, now);
  change(presence, now);
  publishIfChanged(call.ctx, call.tenant, presence, before);
  return { status: 200 };
}

function statusMessageFrom(body: unknown, now: number): UserPresence['statusMessage'] {
  const status = (body as { statusMessage?: unknown } | null)?.statusMessage as
    | { message?: { content?: unknown; contentType?: unknown }; expiryDateTime?: { dateTime?: unknown } | null }
    | null
    | undefined;
  if (!status || typeof status !== 'object') {
    throw badRequest("The parameter 'statusMessage' is required.", 'BadRequest');
  }
  const content = status.message?.content;
  if (typeof content !== 'string') throw badRequest("The parameter 'statusMessage.message' is required.", 'BadRequest');
  if (content === '') return null;
  const expiry = status.expiryDateTime?.dateTime;
  // expiryDateTime is a dateTimeTimeZone; the sandbox reads it as UTC.
  const expiresAt = typeof expiry === 'string' ? Date.parse(expiry.endsWith('Z') ? expiry : `${expiry}Z`) : null;
  if (expiresAt !== null && Number.isNaN(expiresAt)) throw badRequest('The expiryDateTime is not a valid date.');
  return {
    message: { content, contentType: status.message?.contentType === 'html' ? 'html' : 'text' },
    publishedDateTime: new Date(now).toISOString(),
    expiresAt,
  };
}

export function registerPresenceRoutes(app: FastifyInstance, ctx: GraphContext): void {
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/users/:id/presence',
    permissions: P.getUserPresence,
    quota,
    handler: (call) => {
      const user = findUser(call, call.params.id!);
      return readPresence(call, user, `users('${user.id}')/presence`);
    },
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/me/presence',
    permissions: P.getMyPresence,
    quota,
    handler: (call) => readPresence(call, call.caller.user!, 'users/presence'),
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/communications/presences/:id',
    permissions: P.getPresence,
    quota,
    handler: (call) => readPresence(call, findUser(call, call.params.id!), 'communications/presences'),
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/communications/presences',
    permissions: P.listPresences,
    quota,
    handler: (call) => {
      const ids = parseIdFilter(call.query.filter);
      assertIdCount(ids.length);
      return {
        '@odata.context': `${call.origin}/v1.0/$metadata#communications/presences`,
        value: presencesFor(call, ids),
      };
    },
  });
  graphRoute(app, ctx, {
    method: 'POST',
    url: '/communications/getPresencesByUserId',
    permissions: P.getPresencesByUserId,
    quota,
    handler: (call) => {
      const ids = idsFromBody(call.body);
      assertIdCount(ids.length);
      return {
        '@odata.context': `${call.origin}/v1.0/$metadata#Collection(microsoft.graph.presence)`,
        value: presencesFor(call, ids),
      };
    },
  });

  graphRoute(app, ctx, {
    method: 'POST',
    url: '/users/:id/presence/setPresence',
    permissions: P.setPresence,
    quota,
    handler: (call) => {
      const sessionId = sessionIdOf(call);
      const state = presencePair(call.body, SESSION_PAIRS, 'setPresence');
      const lifetime = expiration(call.body, 5 * MINUTE, [5 * MINUTE, 240 * MINUTE]);
      return writePresence(call, (presence, now) => {
        presence.sessions.set(sessionId, { ...state, expiresAt: now + lifetime });
      });
    },
  });
  graphRoute(app, ctx, {
    method: 'POST',
    url: '/users/:id/presence/clearPresence',
    permissions: P.clearPresence,
    quota,
    handler: (call) => {
      const sessionId = sessionIdOf(call);
      return writePresence(call, (presence) => {
        presence.sessions.delete(sessionId);
      });
    },
  });
  graphRoute(app, ctx, {
    method: 'POST',
    url: '/users/:id/presence/setUserPreferredPresence',
    permissions: P.setUserPreferredPresence,
    quota,
    handler: (call) => {
      const state = presencePair(call.body, PREFERRED_PAIRS, 'setUserPreferredPresence');
      // Defaults (docs): one day for DoNotDisturb and Busy, seven days otherwise.
      const day = 24 * 60 * MINUTE;
      const lifetime = expiration(call.body, ['DoNotDisturb', 'Busy'].includes(state.availability) ? day : 7 * day);
      return writePresence(call, (presence, now) => {
        presence.preferred = { ...state, expiresAt: now + lifetime };
      });
    },
  });
  graphRoute(app, ctx, {
    method: 'POST',
    url: '/users/:id/presence/clearUserPreferredPresence',
    permissions: P.clearUserPreferredPresence,
    quota,
    handler: (call) =>
      writePresence(call, (presence) => {
        presence.preferred = null;
      }),
  });
  graphRoute(app, ctx, {
    method: 'POST',
    url: '/users/:id/presence/setStatusMessage',
    permissions: P.setStatusMessage,
    quota,
    handler: (call) => {
      const status = statusMessageFrom(call.body, call.ctx.clock.now());
      return writePresence(call, (presence) => {
        presence.statusMessage = status;
      });
    },
  });
}
