import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GraphContext } from '../context.js';
import { ControlError, controlLookups } from '../control-api.js';
import { eventJson } from './json.js';
import {
  calendarState,
  createEvent,
  findInstance,
  mailboxOf,
  makeId,
  newEvent,
  personOf,
  SHOW_AS,
  type ShowAs,
  userByAddress,
} from './store.js';
import { DAY_MS, parseInstant, readDateTimeTimeZone, UTC } from './time.js';

interface NewEventBody {
  subject: string;
  start: string | { dateTime: string; timeZone: string };
  end: string | { dateTime: string; timeZone: string };
  showAs?: ShowAs;
  attendees?: string[];
  isAllDay?: boolean;
}

const when = { anyOf: [{ type: 'string', minLength: 1 }, { type: 'object' }] } as const;

function instantOf(value: NewEventBody['start'], name: string): number {
  const instant =
    typeof value === 'string'
      ? parseInstant(value)
      : (() => {
          const read = readDateTimeTimeZone(value);
          return typeof read === 'object' ? read.instant : undefined;
        })();
  if (instant === undefined) throw new ControlError(400, 'BadRequest', `${name} is not an ISO 8601 date-time`);
  return instant;
}

/**
 * `POST /_sandbox/tenants/{tid}/users/{user}/events`: puts an event (a meeting when attendees are given) into a
 * mailbox, as if its owner had created it in Outlook, for free/busy and delta scenarios. Times without an offset are
 * UTC. Publishes 'created' for the organizer's event and each attendee copy.
 */
export function registerCalendarControl(control: FastifyInstance, ctx: GraphContext): void {
  const { tenantOf, userOf } = controlLookups(ctx.directory);
  control.post<{ Params: { tid: string; user: string }; Body: NewEventBody }>(
    '/tenants/:tid/users/:user/events',
    {
      schema: {
        body: {
          type: 'object',
          required: ['subject', 'start', 'end'],
          additionalProperties: false,
          properties: {
            subject: { type: 'string' },
            start: when,
            end: when,
            showAs: { type: 'string', enum: SHOW_AS },
            attendees: { type: 'array', items: { type: 'string', minLength: 3 }, maxItems: 500 },
            isAllDay: { type: 'boolean' },
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const owner = userOf(tenant, request.params.user);
      if (!owner.mailboxEnabled)
        throw new ControlError(400, 'BadRequest', `user '${owner.userPrincipalName}' has no mailbox`);
      const now = ctx.clock.now();
      const body = request.body;
      let start = instantOf(body.start, 'start');
      let end = instantOf(body.end, 'end');
      if (body.isAllDay) {
        start = Math.floor(start / DAY_MS) * DAY_MS;
        end = Math.max(start + DAY_MS, Math.ceil(end / DAY_MS) * DAY_MS);
      }
      if (end < start) throw new ControlError(400, 'BadRequest', 'end is before start');
      const state = calendarState(tenant, now);
      const attendees = (body.attendees ?? []).map((address) => {
        const user = userByAddress(state, tenant, address);
        const person = user ? personOf(user) : { name: address, address: address.toLowerCase() };
        return { ...person, type: 'required' as const, response: 'none' as const };
      });
      const mailbox = mailboxOf(tenant, owner, now);
      const event = newEvent(owner, makeId(owner.id, `control|${now}|${randomUUID()}`), now, {
        subject: body.subject,
        start,
        end,
        isAllDay: body.isAllDay ?? false,
        showAs: body.showAs ?? 'busy',
        attendees: attendees.filter((a) => a.address !== personOf(owner).address),
      });
      createEvent({ tenant, bus: ctx.events, now }, mailbox, event);
      return reply.code(201).send(eventJson(findInstance(mailbox, event.id)!, UTC, true));
    },
  );
}
