import type { Tenant } from '../../tenant/model.js';
import { badRequestValidation, unknownProperty, unreadableBody } from './errors.js';
import { normaliseRecurrence } from './recurrence.js';
import {
  type Attendee,
  type AttendeeType,
  calendarState,
  SENSITIVITIES,
  SHOW_AS,
  type StoredEvent,
  userByAddress,
} from './store.js';
import { DAY_MS, dateOfWall, readDateTimeTimeZone, toWall, zoneNotSupported } from './time.js';

/** Reading an event body (POST and PATCH) into stored fields, with Outlook's validation. */

const WRITABLE = new Set([
  'subject',
  'body',
  'start',
  'end',
  'isAllDay',
  'showAs',
  'sensitivity',
  'importance',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'location',
  'locations',
  'attendees',
  'recurrence',
  'categories',
  'isReminderOn',
  'reminderMinutesBeforeStart',
  'responseRequested',
  'allowNewTimeProposals',
  'hideAttendees',
  'transactionId',
  'isDraft',
]);

export function asBody(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw unreadableBody();
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!key.startsWith('@') && !key.includes('@odata') && !WRITABLE.has(key)) throw unknownProperty(key);
  }
  return record;
}

function enumValue<T extends string>(value: unknown, allowed: readonly T[]): T {
  const found = allowed.find((a) => typeof value === 'string' && a.toLowerCase() === value.toLowerCase());
  if (!found) throw unreadableBody();
  return found;
}

function bool(value: unknown): boolean {
  if (typeof value !== 'boolean') throw unreadableBody();
  return value;
}

function when(value: unknown): { instant: number; zoneName: string; wall: number } {
  const read = readDateTimeTimeZone(value);
  if (read === 'zone') throw zoneNotSupported((value as { timeZone?: unknown }).timeZone);
  if (read === 'invalid') throw badRequestValidation();
  return { instant: read.instant, zoneName: read.zone.name, wall: toWall(read.instant, read.zone) };
}

function attendees(tenant: Tenant, now: number, value: unknown, existing: Attendee[]): Attendee[] {
  if (!Array.isArray(value)) throw unreadableBody();
  const state = calendarState(tenant, now);
  return value.map((a) => {
    const email = (a as { emailAddress?: { address?: unknown; name?: unknown } })?.emailAddress;
    if (typeof email?.address !== 'string' || !email.address.includes('@')) throw badRequestValidation();
    const address = email.address.trim().toLowerCase();
    const user = userByAddress(state, tenant, address);
    const type = (a as { type?: unknown }).type ?? 'required';
    const before = existing.find((x) => x.address === address);
    return {
      name: typeof email.name === 'string' && email.name ? email.name : (user?.displayName ?? address),
      address,
      type: enumValue<AttendeeType>(type, ['required', 'optional', 'resource']),
      response: before?.response ?? 'none',
    };
  });
}

/**
 * Applies a client's event JSON to a draft of the event; `create` requires start and end. Validation happens on the
 * draft, so nothing is stored when any value is refused.
 */
export function applyEventInput(
  tenant: Tenant,
  now: number,
  draft: StoredEvent,
  body: Record<string, unknown>,
  create: boolean,
): void {
  if (create && (body.start === undefined || body.end === undefined)) throw badRequestValidation();
  if (body.subject !== undefined) draft.subject = body.subject === null ? '' : String(body.subject);
  if (body.body !== undefined) {
    const b = body.body as { contentType?: unknown; content?: unknown } | null;
    if (!b || typeof b !== 'object') throw unreadableBody();
    draft.body = {
      contentType: b.contentType === undefined ? 'text' : enumValue(b.contentType, ['text', 'html'] as const),
      content: typeof b.content === 'string' ? b.content : '',
    };
  }
  let startWall: number | undefined;
  let endWall: number | undefined;
  if (body.start !== undefined) {
    const s = when(body.start);
    draft.start = s.instant;
    draft.startZone = s.zoneName;
    startWall = s.wall;
  }
  if (body.end !== undefined) {
    const e = when(body.end);
    draft.end = e.instant;
    draft.endZone = e.zoneName;
    endWall = e.wall;
  }
  if (body.isAllDay !== undefined) draft.isAllDay = bool(body.isAllDay);
  if (draft.isAllDay && (startWall !== undefined || endWall !== undefined || body.isAllDay !== undefined)) {
    // All-day events start and end at midnight (in the zone given) and are stored as floating UTC dates.
    const s = startWall ?? draft.start;
    const e = endWall ?? draft.end;
    if (s % DAY_MS !== 0 || e % DAY_MS !== 0 || e <= s) throw badRequestValidation();
    draft.start = s;
    draft.end = e;
  }
  if (draft.end < draft.start) throw badRequestValidation();
  if (body.showAs !== undefined) draft.showAs = enumValue(body.showAs, SHOW_AS);
  if (body.sensitivity !== undefined) draft.sensitivity = enumValue(body.sensitivity, SENSITIVITIES);
  if (body.importance !== undefined) draft.importance = enumValue(body.importance, ['low', 'normal', 'high'] as const);
  if (body.isOnlineMeeting !== undefined) draft.isOnlineMeeting = bool(body.isOnlineMeeting);
  if (body.isReminderOn !== undefined) draft.isReminderOn = bool(body.isReminderOn);
  if (body.reminderMinutesBeforeStart !== undefined) {
    const minutes = body.reminderMinutesBeforeStart;
    if (typeof minutes !== 'number' || !Number.isInteger(minutes)) throw unreadableBody();
    draft.reminderMinutesBeforeStart = minutes;
  }
  if (body.location !== undefined) {
    const l = body.location as { displayName?: unknown } | null;
    draft.location = l && typeof l.displayName === 'string' ? l.displayName : '';
  }
  if (body.categories !== undefined) {
    if (!Array.isArray(body.categories) || !body.categories.every((c) => typeof c === 'string')) {
      throw unreadableBody();
    }
    draft.categories = body.categories as string[];
  }
  if (body.attendees !== undefined) {
    draft.attendees = body.attendees === null ? [] : attendees(tenant, now, body.attendees, draft.attendees);
  }
  if (body.recurrence !== undefined) {
    const startDate = dateOfWall(draft.isAllDay ? draft.start : (startWall ?? draft.start));
    draft.recurrence = normaliseRecurrence(body.recurrence, startDate, draft.startZone);
  }
}
