import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { User } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { GraphError } from '../errors.js';
import { hasMailboxRight } from '../outlook/mail-rights.js';
import { mailboxErrors, resolveMailbox } from '../outlook/mailbox.js';
import type { EndpointPermissions } from '../permissions.js';
import { graphRoute } from '../route.js';
import { malformedId, notOrganizer, organizerCannotRespond, unreadableBody } from './errors.js';
import { applyEventInput, asBody } from './input.js';
import { CALENDAR_PROPERTIES, calendarJson, eventJson, readsBodies, selectEvent } from './json.js';
import { answer, assertEventSelect, listInstances } from './listing.js';
import { CALENDAR_PERMISSIONS as P, SHARED_READ, SHARED_WRITE } from './permissions.js';
import {
  calendarState,
  cancelOccurrence,
  createEvent,
  deleteEvent,
  findInstance,
  type Instance,
  isEventId,
  type Mailbox,
  mailboxOf,
  makeId,
  newEvent,
  respondToMeeting,
  type StoredEvent,
  updateEvent,
  userByAddress,
  type Writer,
} from './store.js';
import { preferences } from './time.js';

/** The user a `/users/{id|upn}` segment names, found through the calendar's address index (no directory scan). */
function userOfSegment(call: GraphCall): User | undefined {
  const id = call.params.id;
  if (id === undefined) return call.caller.user;
  return (
    call.tenant.users.get(id.toLowerCase()) ??
    userByAddress(calendarState(call.tenant, call.ctx.clock.now()), call.tenant, id)
  );
}

/** The throttling key of a calendar request: the target mailbox's user id. */
export function mailboxKey(call: GraphCall): string {
  return userOfSegment(call)?.id ?? (call.params.id ?? 'me').toLowerCase();
}

export interface Target {
  user: User;
  mailbox: Mailbox;
}

/** The mailbox a request targets, after Exchange's checks (see resolveMailbox), seeded on first use. */
export function targetMailbox(call: GraphCall, sharedScopes: string[]): Target {
  const found = userOfSegment(call);
  const user = resolveMailbox(
    call,
    call.params.id === undefined ? undefined : (found?.id ?? call.params.id),
    sharedScopes,
  );
  // A delegate in someone else's calendar needs a right on that mailbox too, as in Exchange (the scope alone is not enough).
  const signedIn = call.caller.user;
  if (
    call.caller.kind === 'user' &&
    signedIn &&
    signedIn.id !== user.id &&
    !hasMailboxRight(call.tenant, user.id, signedIn.id, 'FullAccess')
  ) {
    throw mailboxErrors.accessDenied();
  }
  const mailbox = mailboxOf(call.tenant, user, call.ctx.clock.now());
  // `/calendars/{id}/…` paths name the calendar: only the default one exists.
  const calendarId = call.params.calendarId;
  if (calendarId !== undefined && calendarId !== mailbox.calendarId) {
    throw isEventId(calendarId) ? mailboxErrors.itemNotFound() : malformedId();
  }
  return { user, mailbox };
}

export function writer(call: GraphCall): Writer {
  return { tenant: call.tenant, bus: call.ctx.events, now: call.ctx.clock.now() };
}

export function eventOf(mailbox: Mailbox, id: string): Instance {
  if (!isEventId(id)) throw malformedId();
  const instance = findInstance(mailbox, id);
  if (!instance) throw mailboxErrors.itemNotFound();
  return instance;
}

function userContext(call: GraphCall, user: User, tail: string): string {
  return `users('${encodeURIComponent(call.params.id ?? user.id)}')/${tail}`;
}

/** Registers a route under `/users/:id` and under `/me`, each with its own permission row. */
export type Pair = { users: EndpointPermissions; me: EndpointPermissions };

export function onBoth(
  app: FastifyInstance,
  ctx: GraphContext,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  paths: string[],
  permissions: Pair,
  handler: (call: GraphCall) => ReturnType<Parameters<typeof graphRoute>[2]['handler']>,
): void {
  for (const path of paths) {
    for (const [prefix, row] of [
      ['/users/:id', permissions.users],
      ['/me', permissions.me],
    ] as const) {
      graphRoute(app, ctx, { method, url: `${prefix}${path}`, permissions: row, mailbox: mailboxKey, handler });
    }
  }
}

function readEvent(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_READ);
  const instance = eventOf(mailbox, call.params.eventId!);
  assertEventSelect(call.query.select);
  const prefs = preferences(call);
  const json = selectEvent(eventJson(instance, prefs.zone, readsBodies(call.caller)), call.query.select);
  const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
  return answer(
    {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'events')}${selected}/$entity`,
      ...json,
    },
    prefs,
  );
}

function listEvents(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_READ);
  const instances: Instance[] = [...mailbox.events.values()].map((event) => ({
    event,
    id: event.id,
    start: event.start,
    end: event.end,
    type: event.recurrence ? 'seriesMaster' : 'singleInstance',
  }));
  // Newest first unless the client sorts.
  instances.sort((a, b) => b.event.created - a.event.created || (a.id < b.id ? -1 : 1));
  return listInstances(call, instances, preferences(call), userContext(call, user, 'events'));
}

function postEvent(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_WRITE);
  const body = asBody(call.body);
  const now = call.ctx.clock.now();
  const draft = newEvent(user, makeId(user.id, `created|${now}|${randomUUID()}`), now, {});
  applyEventInput(call.tenant, now, draft, body, true);
  draft.attendees = draft.attendees.filter((a) => a.address !== draft.organizer.address);
  createEvent(writer(call), mailbox, draft);
  const prefs = preferences(call);
  const instance = findInstance(mailbox, draft.id)!;
  return answer(
    {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'events')}/$entity`,
      ...eventJson(instance, prefs.zone, true),
    },
    prefs,
    201,
  );
}

function patchEvent(call: GraphCall) {
  const { user, mailbox } = targetMailbox(call, SHARED_WRITE);
  const instance = eventOf(mailbox, call.params.eventId!);
  const body = asBody(call.body);
  if (instance.type === 'occurrence') {
    // Exchange turns an edited occurrence into an exception; the sandbox does not model exceptions.
    throw new GraphError(400, 'ErrorInvalidRequest', 'Editing a single occurrence of a series is not supported.');
  }
  const now = call.ctx.clock.now();
  const draft: StoredEvent = structuredClone(instance.event);
  applyEventInput(call.tenant, now, draft, body, false);
  draft.attendees = draft.attendees.filter((a) => a.address !== draft.organizer.address);
  updateEvent(writer(call), mailbox, instance.event, (e) => Object.assign(e, draft));
  const prefs = preferences(call);
  return answer(
    {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'events')}/$entity`,
      ...eventJson(findInstance(mailbox, instance.id)!, prefs.zone, true),
    },
    prefs,
  );
}

function removeEvent(call: GraphCall) {
  const { mailbox } = targetMailbox(call, SHARED_WRITE);
  const instance = eventOf(mailbox, call.params.eventId!);
  if (instance.type === 'occurrence') cancelOccurrence(writer(call), mailbox, instance.event, instance.day!);
  else deleteEvent(writer(call), mailbox, instance.event);
  return undefined;
}

function calendarBody(call: GraphCall, user: User, mailbox: Mailbox) {
  assertCalendarSelect(call.query.select);
  const json = calendarJson(mailbox, user);
  if (!call.query.select) return json;
  const out: Record<string, unknown> = { '@odata.etag': json['@odata.etag'], id: json.id };
  for (const name of call.query.select) {
    const key = CALENDAR_PROPERTIES.find((p) => p.toLowerCase() === name.toLowerCase())!;
    out[key] = json[key];
  }
  return out;
}

function assertCalendarSelect(select: string[] | null) {
  for (const name of select ?? []) {
    if (!CALENDAR_PROPERTIES.some((p) => p.toLowerCase() === name.toLowerCase())) {
      throw new GraphError(
        400,
        'RequestBroker--ParseUri',
        `Could not find a property named '${name}' on type 'microsoft.graph.calendar'.`,
      );
    }
  }
}

type MeetingResponse = 'accepted' | 'tentativelyAccepted' | 'declined';

/** accept, tentativelyAccept, decline (an attendee's answer) and cancel (the organizer's): 202 with no body. */
function meetingAction(action: MeetingResponse | 'cancelled') {
  return (call: GraphCall) => {
    if (call.body !== undefined && call.body !== null && (typeof call.body !== 'object' || Array.isArray(call.body))) {
      throw unreadableBody();
    }
    const { mailbox } = targetMailbox(call, SHARED_WRITE);
    const instance = eventOf(mailbox, call.params.eventId!);
    const event = instance.event;
    if (action === 'cancelled') {
      if (!event.isOrganizer) throw notOrganizer();
      deleteEvent(writer(call), mailbox, event);
    } else {
      if (event.isOrganizer) throw organizerCannotRespond();
      respondToMeeting(writer(call), mailbox, event, action);
    }
    return { status: 202 };
  };
}

export function registerEventRoutes(app: FastifyInstance, ctx: GraphContext): void {
  const events = ['/events', '/calendar/events', '/calendars/:calendarId/events'];
  const event = events.map((path) => `${path}/:eventId`);
  onBoth(app, ctx, 'GET', events, { users: P.listEvents, me: P.myEvents }, listEvents);
  onBoth(app, ctx, 'GET', event, { users: P.getEvent, me: P.myEvent }, readEvent);
  onBoth(app, ctx, 'POST', events, { users: P.createEvent, me: P.createMyEvent }, postEvent);
  onBoth(app, ctx, 'PATCH', event, { users: P.updateEvent, me: P.updateMyEvent }, patchEvent);
  onBoth(app, ctx, 'DELETE', event, { users: P.deleteEvent, me: P.deleteMyEvent }, removeEvent);
  const actions = [
    ['accept', 'accepted', P.acceptEvent, P.acceptMyEvent],
    ['tentativelyAccept', 'tentativelyAccepted', P.tentativelyAcceptEvent, P.tentativelyAcceptMyEvent],
    ['decline', 'declined', P.declineEvent, P.declineMyEvent],
    ['cancel', 'cancelled', P.cancelEvent, P.cancelMyEvent],
  ] as const;
  for (const [name, outcome, users, me] of actions) {
    onBoth(
      app,
      ctx,
      'POST',
      event.map((path) => `${path}/${name}`),
      { users, me },
      meetingAction(outcome),
    );
  }

  onBoth(app, ctx, 'GET', ['/calendar'], { users: P.getCalendar, me: P.myCalendar }, (call) => {
    const { user, mailbox } = targetMailbox(call, SHARED_READ);
    const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
    return {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'calendar')}${selected}/$entity`,
      ...calendarBody(call, user, mailbox),
    };
  });
  onBoth(app, ctx, 'GET', ['/calendars'], { users: P.listCalendars, me: P.myCalendars }, (call) => {
    const { user, mailbox } = targetMailbox(call, SHARED_READ);
    const selected = call.query.select ? `(${call.query.select.join(',')})` : '';
    return {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'calendars')}${selected}`,
      value: [calendarBody(call, user, mailbox)],
    };
  });
  onBoth(app, ctx, 'GET', ['/calendars/:calendarId'], { users: P.getCalendar, me: P.myCalendar }, (call) => {
    const { user, mailbox } = targetMailbox(call, SHARED_READ);
    return {
      '@odata.context': `${call.origin}/v1.0/$metadata#${userContext(call, user, 'calendars')}/$entity`,
      ...calendarBody(call, user, mailbox),
    };
  });
}
