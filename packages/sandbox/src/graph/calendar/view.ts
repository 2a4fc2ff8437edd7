import type { FastifyInstance } from 'fastify';
import type { GraphCall, GraphContext } from '../context.js';
import { openToken, sealToken } from '../odata/tokens.js';
import { deltaQueryOptions, deltaTop, invalidDeltaToken, invalidParameter, missingWindow } from './errors.js';
import { eventOf, onBoth, targetMailbox } from './events.js';
import { eventJson, readsBodies } from './json.js';
import { answer, listInstances, MAX_PAGE } from './listing.js';
import { CALENDAR_PERMISSIONS as P, SHARED_READ } from './permissions.js';
import { changesSince, deltaPosition, type Instance, instancesOf, type Mailbox, viewOf } from './store.js';
import { parseInstant, preferences } from './time.js';

/** calendarView (recurring series expanded into occurrences) and calendarView/delta. */

function queryValue(call: GraphCall, name: string): string | undefined {
  const query = call.request.query as Record<string, unknown>;
  const key = Object.keys(query).find((k) => k.toLowerCase() === name.toLowerCase());
  const value = key === undefined ? undefined : query[key];
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/** The required time window; values without an offset are UTC (Prefer: outlook.timezone does not apply to them). */
function windowOf(call: GraphCall): { from: number; to: number } {
  const start = queryValue(call, 'startDateTime');
  const end = queryValue(call, 'endDateTime');
  if (!start || !end) throw missingWindow();
  const from = parseInstant(start);
  if (from === undefined) throw invalidParameter('StartDateTime', start);
  const to = parseInstant(end);
  if (to === undefined) throw invalidParameter('EndDateTime', end);
  return { from, to };
}

function calendarView(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_READ);
  const { from, to } = windowOf(call);
  const context = `users('${encodeURIComponent(call.params.id ?? user.id)}')/calendarView`;
  return listInstances(call, viewOf(mailbox, from, to), preferences(call), context);
}

/** The occurrences of a series in the window (`GET /events/{id}/instances`); a single event has none. */
function eventInstances(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_READ);
  const { event, type } = eventOf(mailbox, call.params.eventId!);
  const { from, to } = windowOf(call);
  const occurrences = type === 'seriesMaster' ? instancesOf(mailbox, event, from, to) : [];
  const context = `users('${encodeURIComponent(call.params.id ?? user.id)}')/events('${event.id}')/instances`;
  return listInstances(call, occurrences, preferences(call), context);
}

// ---------------------------------------------------------------------------------------------------------------
// Delta
// ---------------------------------------------------------------------------------------------------------------

/** A delta round's state, sealed into the links: tenant, mailbox and window it was issued for. */
interface DeltaState {
  t: string;
  m: string;
  s: number;
  e: number;
  /** Changes after this log position (-1: the initial round, which lists the window's events). */
  p: number;
  /** The log position this round reports up to; the deltaLink continues from it. */
  u: number;
  /** The key of the last item already sent (nextLinks only). */
  k?: string;
}

type DeltaItem = { key: string; instance?: Instance; removedId?: string };

const keyOf = (i: Instance) => `${String(i.start).padStart(15, '0')}|${i.id}`;

/**
 * What changed in the window since position `p`: the current instances of every changed event, and `@removed` for
 * instances that left the window or were deleted. Like Exchange, a changed event that has no instance in the
 * window (before or after) is reported as removed too, so clients must filter by their own range.
 */
function changedItems(mailbox: Mailbox, state: DeltaState): DeltaItem[] {
  if (state.p < 0) return viewOf(mailbox, state.s, state.e).map((instance) => ({ key: keyOf(instance), instance }));
  const items: DeltaItem[] = [];
  for (const [eventId, before] of changesSince(mailbox, state.p, state.u)) {
    const current = mailbox.events.get(eventId);
    const now = current ? instancesOf(mailbox, current, state.s, state.e) : [];
    const earlier = before ? instancesOf(mailbox, before, state.s, state.e).map((i) => i.id) : [];
    const kept = new Set(now.map((i) => i.id));
    for (const instance of now) items.push({ key: keyOf(instance), instance });
    for (const id of earlier) if (!kept.has(id)) items.push({ key: `~${id}`, removedId: id });
    if (now.length === 0 && earlier.length === 0) items.push({ key: `~${eventId}`, removedId: eventId });
  }
  const unique = new Map(items.map((item) => [item.key, item]));
  return [...unique.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

function readToken(call: GraphCall, mailbox: Mailbox, raw: string, kind: 'delta' | 'skip'): DeltaState {
  const state = openToken<DeltaState>(call.ctx.tokenKey, raw);
  if (!state || state.t !== call.tenant.id || state.m !== mailbox.userId || typeof state.p !== 'number') {
    throw kind === 'delta' ? invalidDeltaToken(raw) : invalidParameter('$skipToken', raw);
  }
  return state;
}

const DELTA_PAGE = 10;

function calendarViewDelta(call: GraphCall) {
  const q = call.query;
  if (q.top !== null) throw deltaTop();
  if (q.select || q.filter !== null || q.orderby || q.expand || q.search !== null) throw deltaQueryOptions();
  const { mailbox } = targetMailbox(call, SHARED_READ);
  let state: DeltaState;
  if (q.skipToken !== null) state = readToken(call, mailbox, q.skipToken, 'skip');
  else if (q.deltaToken !== null) {
    const link = readToken(call, mailbox, q.deltaToken, 'delta');
    state = { ...link, p: link.u, u: deltaPosition(mailbox), k: undefined };
  } else {
    const { from, to } = windowOf(call);
    state = { t: call.tenant.id, m: mailbox.userId, s: from, e: to, p: -1, u: deltaPosition(mailbox) };
  }
  const prefs = preferences(call);
  const size = Math.min(prefs.maxPageSize ?? DELTA_PAGE, MAX_PAGE);
  if (prefs.maxPageSize !== null) prefs.applied.push(`odata.maxpagesize=${size}`);
  const items = changedItems(mailbox, state).filter((item) => state.k === undefined || item.key > state.k);
  const page = items.slice(0, size);
  const withBody = readsBodies(call.caller);
  const path = call.request.url.split('?')[0];
  const body: Record<string, unknown> = { '@odata.context': `${call.origin}/v1.0/$metadata#Collection(event)` };
  body.value = page.map((item) =>
    item.instance
      ? eventJson(item.instance, prefs.zone, withBody)
      : { '@odata.type': '#microsoft.graph.event', id: item.removedId, '@removed': { reason: 'deleted' } },
  );
  if (items.length > size) {
    const next = sealToken(call.ctx.tokenKey, { ...state, k: page[page.length - 1]!.key });
    body['@odata.nextLink'] = `${call.origin}${path}?$skiptoken=${next}`;
  } else {
    const { k: _, ...rest } = state;
    const link = sealToken(call.ctx.tokenKey, { ...rest, p: rest.u });
    body['@odata.deltaLink'] = `${call.origin}${path}?$deltatoken=${link}`;
  }
  return answer(body, prefs);
}

export function registerViewRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const views = ['', '/calendar', '/calendars/:calendarId'].flatMap((c) => [`${c}/calendarView`, `${c}/calendarview`]);
  onBoth(
    app,
    ctx,
    'GET',
    ['', '/calendar', '/calendars/:calendarId'].map((c) => `${c}/events/:eventId/instances`),
    { users: P.eventInstances, me: P.myEventInstances },
    eventInstances,
  );
  onBoth(app, ctx, 'GET', views, { users: P.calendarView, me: P.myCalendarView }, calendarView);
  onBoth(
    app,
    ctx,
    'GET',
    views.map((v) => `${v}/delta`),
    { users: P.calendarViewDelta, me: P.myCalendarViewDelta },
    calendarViewDelta,
  );
}
