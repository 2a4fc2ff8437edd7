import type { FastifyInstance } from 'fastify';
import type { Tenant } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import {
  intervalTooBig,
  invalidMergedInterval,
  invalidTimeInterval,
  missingBodyParameter,
  tooManySchedules,
  unreadableBody,
} from './errors.js';
import { onBoth, targetMailbox } from './events.js';
import { eventTime } from './json.js';
import { answer } from './listing.js';
import { CALENDAR_PERMISSIONS as P, SHARED_READ } from './permissions.js';
import { calendarState, type Instance, mailboxOf, type ShowAs, userByAddress, viewOf } from './store.js';
import {
  DAY_MS,
  dateTimeTimeZone,
  parseDuration,
  preferences,
  readDateTimeTimeZone,
  type Zone,
  zoneNotSupported,
} from './time.js';

/**
 * Free/busy: calendar/getSchedule and findMeetingTimes, computed from the targets' calendars. Every mailbox works
 * Monday–Friday 08:00–17:00 UTC (Exchange's default hours; the sandbox keeps mailboxes in UTC).
 */

const WORK_START_HOUR = 8;
const WORK_END_HOUR = 17;
const HOUR_MS = 3_600_000;
const MAX_SCHEDULES = 100;
const MAX_RANGE_DAYS = 62;

/** How strongly a status blocks a slot, and its availabilityView digit. */
const STATUS: Record<ShowAs, { rank: number; digit: string }> = {
  free: { rank: 0, digit: '0' },
  unknown: { rank: 0, digit: '0' },
  workingElsewhere: { rank: 1, digit: '4' },
  tentative: { rank: 2, digit: '1' },
  busy: { rank: 3, digit: '2' },
  oof: { rank: 4, digit: '3' },
};

function strongest(instances: Instance[], from: number, to: number): ShowAs {
  let status: ShowAs = 'free';
  for (const i of instances) {
    if (i.start < to && i.end > from && STATUS[i.event.showAs].rank > STATUS[status].rank) status = i.event.showAs;
  }
  return status;
}

function isWorkday(instant: number): boolean {
  const weekday = new Date(instant).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

function readTime(value: unknown, name: string): number {
  const read = readDateTimeTimeZone(value);
  if (read === 'zone') throw zoneNotSupported((value as { timeZone?: unknown }).timeZone);
  if (read === 'invalid') throw missingBodyParameter(name);
  return read.instant;
}

function asObject(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw unreadableBody();
  return body as Record<string, unknown>;
}

/** Graph's samples send booleans and numbers as strings too ("false", "100"). */
function looseBool(value: unknown, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw unreadableBody();
}

function looseNumber(value: unknown, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || Number.isNaN(n)) throw unreadableBody();
  return n;
}

const WORKING_HOURS = {
  daysOfWeek: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'],
  startTime: '08:00:00.0000000',
  endTime: '17:00:00.0000000',
  timeZone: { name: 'UTC' },
};

// ---------------------------------------------------------------------------------------------------------------
// getSchedule
// ---------------------------------------------------------------------------------------------------------------

/**
 * The request counts against the anchor mailbox (the one in the URL), and only the anchor goes through the mailbox
 * checks (access policy, `.Shared` for a delegated caller). Targets are read as the organisation's free/busy
 * sharing allows — subject and location of non-private items — whatever policies scope the app: the sandbox's
 * choice, as Microsoft does not document how access policies treat getSchedule targets.
 */
function getSchedule(call: GraphCall) {
  targetMailbox(call, SHARED_READ);
  const body = asObject(call.body);
  const schedules = body.schedules;
  if (!Array.isArray(schedules) || schedules.length === 0 || !schedules.every((s) => typeof s === 'string')) {
    throw missingBodyParameter('Schedules');
  }
  // Documented as 20 per request; Exchange enforces 100 (microsoft-graph-docs-contrib#5895).
  if (schedules.length > MAX_SCHEDULES) throw tooManySchedules(schedules.length);
  const start = readTime(body.startTime, 'StartTime');
  const end = readTime(body.endTime, 'EndTime');
  if (end <= start) throw invalidTimeInterval();
  if (end - start > MAX_RANGE_DAYS * DAY_MS) throw intervalTooBig(Math.ceil((end - start) / DAY_MS));
  const interval = looseNumber(body.availabilityViewInterval, 30);
  if (!Number.isInteger(interval) || interval < 5 || interval > 1440) throw invalidMergedInterval();
  const prefs = preferences(call);
  const value = (schedules as string[]).map((address) =>
    scheduleOf(call.tenant, call.ctx.clock.now(), address, start, end, interval * 60_000, prefs.zone),
  );
  return answer(
    { '@odata.context': `${call.origin}/v1.0/$metadata#Collection(microsoft.graph.scheduleInformation)`, value },
    prefs,
  );
}

function scheduleOf(
  tenant: Tenant,
  now: number,
  address: string,
  start: number,
  end: number,
  slot: number,
  zone: Zone,
) {
  const user = userByAddress(calendarState(tenant, now), tenant, address);
  if (!user?.mailboxEnabled) {
    return {
      scheduleId: address,
      error: {
        message: `Unable to resolve e-mail address <>SMTP:${address} to an Active Directory object.`,
        responseCode: 'ErrorMailRecipientNotFound',
      },
    };
  }
  const instances = viewOf(mailboxOf(tenant, user, now), start, end);
  let view = '';
  for (let at = start; at < end; at += slot) view += STATUS[strongest(instances, at, Math.min(at + slot, end))].digit;
  return {
    scheduleId: address,
    availabilityView: view,
    scheduleItems: instances.map((i) => {
      const isPrivate = i.event.sensitivity === 'private' || i.event.sensitivity === 'confidential';
      return {
        isPrivate,
        status: i.event.showAs,
        ...(isPrivate ? {} : { subject: i.event.subject, location: i.event.location }),
        start: eventTime(i.start, i.event, zone),
        end: eventTime(i.end, i.event, zone),
      };
    }),
    workingHours: WORKING_HOURS,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// findMeetingTimes
// ---------------------------------------------------------------------------------------------------------------

type ActivityDomain = 'work' | 'personal' | 'unrestricted';

interface Participant {
  type: string;
  name: string | undefined;
  address: string;
  /** Undefined: not a mailbox of this tenant, so its availability is unknown. */
  instances: Instance[] | undefined;
}

/** Attendance chance per status (the docs give free 100, unknown 49, busy 0; tentative is the sandbox's choice). */
const CHANCE: Record<string, number> = {
  free: 100,
  workingElsewhere: 100,
  tentative: 50,
  busy: 0,
  oof: 0,
  unknown: 49,
};

function fitsHours(start: number, end: number, domain: ActivityDomain): boolean {
  if (domain === 'unrestricted') return true;
  const day = Math.floor(start / DAY_MS) * DAY_MS;
  if (domain === 'work' && !isWorkday(start)) return false;
  return start >= day + WORK_START_HOUR * HOUR_MS && end <= day + WORK_END_HOUR * HOUR_MS;
}

/** With no time constraint: from now to the end of the next two working days (the sandbox's choice). */
function defaultSlots(now: number): { start: number; end: number }[] {
  let day = Math.floor(now / DAY_MS);
  let workdays = 0;
  while (workdays < 2) {
    day++;
    if (isWorkday(day * DAY_MS)) workdays++;
  }
  return [{ start: now, end: (day + 1) * DAY_MS }];
}

function readSlots(constraint: Record<string, unknown> | undefined, now: number) {
  const slots = constraint?.timeSlots ?? constraint?.timeslots;
  if (slots === undefined || slots === null) return defaultSlots(now);
  if (!Array.isArray(slots)) throw unreadableBody();
  return slots.map((s: { start?: unknown; end?: unknown }) => {
    const start = readTime(s?.start, 'TimeSlot.Start');
    const end = readTime(s?.end, 'TimeSlot.End');
    if (end <= start) throw invalidTimeInterval();
    return { start, end };
  });
}

function participants(tenant: Tenant, now: number, value: unknown, from: number, to: number): Participant[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unreadableBody();
  const state = calendarState(tenant, now);
  return value.map((a: { type?: unknown; emailAddress?: { address?: unknown; name?: unknown } }) => {
    const address = a?.emailAddress?.address;
    if (typeof address !== 'string') throw unreadableBody();
    const user = userByAddress(state, tenant, address);
    return {
      type: typeof a.type === 'string' ? a.type.toLowerCase() : 'required',
      name: typeof a.emailAddress?.name === 'string' ? a.emailAddress.name : undefined,
      address,
      instances: user?.mailboxEnabled ? viewOf(mailboxOf(tenant, user, now), from, to) : undefined,
    };
  });
}

const SLOT_STEP = 30 * 60_000;
const MAX_CANDIDATES_SCANNED = 5000;

function findMeetingTimes(call: GraphCall) {
  const { user: organizer, mailbox } = targetMailbox(call, SHARED_READ);
  const body = asObject(call.body ?? {});
  const now = call.ctx.clock.now();
  const duration = parseDuration(body.meetingDuration ?? 'PT30M');
  if (duration === undefined || duration <= 0) throw unreadableBody();
  const constraint = body.timeConstraint as Record<string, unknown> | undefined;
  const domainText = String(constraint?.activityDomain ?? 'work').toLowerCase();
  const domain: ActivityDomain = domainText === 'personal' || domainText === 'unrestricted' ? domainText : 'work';
  const slots = readSlots(constraint, now);
  if (slots.length === 0) throw unreadableBody();
  let from = Number.POSITIVE_INFINITY;
  let to = Number.NEGATIVE_INFINITY;
  for (const slot of slots) {
    from = Math.min(from, slot.start);
    to = Math.max(to, slot.end);
  }
  const people = participants(call.tenant, now, body.attendees, from, to).filter(
    (p) => p.address.toLowerCase() !== (organizer.mail ?? organizer.userPrincipalName).toLowerCase(),
  );
  const own = viewOf(mailbox, from, to);
  const organizerOptional = looseBool(body.isOrganizerOptional, false);
  const minimum = looseNumber(body.minimumAttendeePercentage, 50);
  const maxCandidates = looseNumber(body.maxCandidates, 5);
  const reasons = looseBool(body.returnSuggestionReasons, false);
  const requested = (body.locationConstraint as { locations?: unknown } | undefined)?.locations;
  const locations = (Array.isArray(requested) ? requested : [])
    .map((l) => (l as { displayName?: unknown })?.displayName)
    .filter((n): n is string => typeof n === 'string')
    .map((displayName) => ({ displayName }));

  const suggestions: { start: number; confidence: number; organizer: ShowAs; attendees: string[] }[] = [];
  let candidates = 0;
  let organizerBlocked = 0;
  for (const slot of slots) {
    for (let at = Math.ceil(slot.start / SLOT_STEP) * SLOT_STEP; at + duration <= slot.end; at += SLOT_STEP) {
      if (!fitsHours(at, at + duration, domain)) continue;
      if (++candidates > MAX_CANDIDATES_SCANNED) break;
      const organizerStatus = strongest(own, at, at + duration);
      if (!organizerOptional && (organizerStatus === 'busy' || organizerStatus === 'oof')) {
        organizerBlocked++;
        continue;
      }
      const statuses = people.map((p) => (p.instances ? strongest(p.instances, at, at + duration) : 'unknown'));
      const confidence =
        statuses.length === 0 ? 100 : statuses.reduce((sum, s) => sum + CHANCE[s]!, 0) / statuses.length;
      if (confidence >= minimum)
        suggestions.push({ start: at, confidence, organizer: organizerStatus, attendees: statuses });
    }
  }
  suggestions.sort((a, b) => b.confidence - a.confidence || a.start - b.start);
  const chosen = suggestions.slice(0, Math.max(0, maxCandidates));
  const prefs = preferences(call);
  let emptyReason = '';
  if (chosen.length === 0) {
    if (candidates > 0 && organizerBlocked === candidates) emptyReason = 'organizerUnavailable';
    else if (people.some((p) => !p.instances)) emptyReason = 'attendeesUnavailableOrUnknown';
    else emptyReason = 'attendeesUnavailable';
  }
  return answer(
    {
      '@odata.context': `${call.origin}/v1.0/$metadata#microsoft.graph.meetingTimeSuggestionsResult`,
      emptySuggestionsReason: emptyReason,
      meetingTimeSuggestions: chosen.map((s, index) => ({
        confidence: s.confidence,
        order: index + 1,
        organizerAvailability: s.organizer,
        ...(reasons
          ? {
              suggestionReason:
                s.confidence === 100
                  ? 'Suggested because it is one of the nearest times when all attendees are available.'
                  : 'Suggested because it is one of the nearest times when most attendees are available.',
            }
          : {}),
        attendeeAvailability: people.map((p, i) => ({
          availability: s.attendees[i],
          attendee: { type: p.type, emailAddress: { ...(p.name ? { name: p.name } : {}), address: p.address } },
        })),
        locations,
        meetingTimeSlot: {
          start: dateTimeTimeZone(s.start, prefs.zone),
          end: dateTimeTimeZone(s.start + duration, prefs.zone),
        },
      })),
    },
    prefs,
  );
}

export function registerScheduleRoutes(app: FastifyInstance, ctx: GraphContext): void {
  onBoth(
    app,
    ctx,
    'POST',
    ['/calendar/getSchedule', '/calendar/getschedule'],
    { users: P.getSchedule, me: P.myGetSchedule },
    getSchedule,
  );
  onBoth(
    app,
    ctx,
    'POST',
    ['/findMeetingTimes', '/findmeetingtimes'],
    { users: P.findMeetingTimes, me: P.myFindMeetingTimes },
    findMeetingTimes,
  );
}
