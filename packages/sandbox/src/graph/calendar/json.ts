import { createHash } from 'node:crypto';
import type { User } from '../../tenant/model.js';
import type { Caller } from '../auth.js';
import { project } from '../odata/query.js';
import { dateOfDay } from './recurrence.js';
import { type Instance, type Mailbox, makeId, occurrenceICalUId, personOf, type StoredEvent } from './store.js';
import { DAY_MS, dateTimeTimeZone, formatWall, type Zone } from './time.js';

/** The JSON Graph returns for events and calendars (microsoft.graph.event, microsoft.graph.calendar). */

export const EVENT_PROPERTIES = [
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'changeKey',
  'categories',
  'transactionId',
  'originalStartTimeZone',
  'originalEndTimeZone',
  'iCalUId',
  'reminderMinutesBeforeStart',
  'isReminderOn',
  'hasAttachments',
  'subject',
  'bodyPreview',
  'importance',
  'sensitivity',
  'isAllDay',
  'isCancelled',
  'isOrganizer',
  'responseRequested',
  'seriesMasterId',
  'showAs',
  'type',
  'webLink',
  'onlineMeetingUrl',
  'isOnlineMeeting',
  'onlineMeetingProvider',
  'allowNewTimeProposals',
  'occurrenceId',
  'isDraft',
  'hideAttendees',
  'responseStatus',
  'body',
  'start',
  'end',
  'location',
  'locations',
  'recurrence',
  'attendees',
  'organizer',
  'onlineMeeting',
] as const;

/** Calendars.ReadBasic(.All) reads events "except for properties such as body, attachments, and extensions". */
const READ_FULL = ['calendars.read', 'calendars.readwrite', 'calendars.read.shared', 'calendars.readwrite.shared'];

export function readsBodies(caller: Caller): boolean {
  const held = (caller.kind === 'app' ? caller.roles : caller.scopes).map((p) => p.toLowerCase());
  return held.some((p) => READ_FULL.includes(p));
}

function changeKey(event: StoredEvent): string {
  return `DwAAABYAAAA${createHash('sha256').update(`${event.id}|${event.version}`).digest('base64').slice(0, 32)}`;
}

function preview(html: string): string {
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 23)}0000Z`;
}

/** A start or end as Graph shows it in the response zone. */
export function eventTime(instant: number, event: StoredEvent, zone: Zone) {
  // All-day events float: midnight of their date in whatever zone the response uses.
  if (event.isAllDay) return { dateTime: formatWall(Math.floor(instant / DAY_MS) * DAY_MS), timeZone: zone.name };
  return dateTimeTimeZone(instant, zone);
}

function locationJson(name: string) {
  if (!name) {
    return { displayName: '', locationType: 'default', uniqueIdType: 'unknown', address: {}, coordinates: {} };
  }
  return { displayName: name, locationType: 'default', uniqueId: name, uniqueIdType: 'private' };
}

function joinUrl(event: StoredEvent): string {
  const thread = createHash('sha256').update(event.iCalUId).digest('hex').slice(0, 40);
  return `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0`;
}

const NEVER = '0001-01-01T00:00:00Z';

/** An event or occurrence as Graph shows it, with times in the response zone. */
export function eventJson(instance: Instance, zone: Zone, withBody: boolean): Record<string, unknown> {
  const { event } = instance;
  const occurrence = instance.type === 'occurrence';
  const key = changeKey(event);
  const json: Record<string, unknown> = {
    '@odata.etag': `W/"${key}"`,
    id: instance.id,
    createdDateTime: isoSeconds(event.created),
    lastModifiedDateTime: isoSeconds(event.modified),
    changeKey: key,
    categories: event.categories,
    transactionId: null,
    originalStartTimeZone: event.startZone,
    originalEndTimeZone: event.endZone,
    iCalUId: occurrence ? occurrenceICalUId(event.iCalUId, instance.day!) : event.iCalUId,
    reminderMinutesBeforeStart: event.reminderMinutesBeforeStart,
    isReminderOn: event.isReminderOn,
    hasAttachments: false,
    subject: event.subject,
    bodyPreview: preview(event.body.content),
    importance: event.importance,
    sensitivity: event.sensitivity,
    isAllDay: event.isAllDay,
    isCancelled: false,
    isOrganizer: event.isOrganizer,
    responseRequested: true,
    seriesMasterId: occurrence ? event.id : null,
    showAs: event.showAs,
    type: instance.type,
    webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(instance.id)}&exvsurl=1&path=/calendar/item`,
    onlineMeetingUrl: null,
    isOnlineMeeting: event.isOnlineMeeting,
    onlineMeetingProvider: event.isOnlineMeeting ? 'teamsForBusiness' : 'unknown',
    allowNewTimeProposals: true,
    occurrenceId: occurrence ? `OID.${event.id}.${dateOfDay(instance.day!)}` : null,
    isDraft: false,
    hideAttendees: false,
    responseStatus: { response: event.response, time: NEVER },
    body: event.body,
    start: eventTime(instance.start, event, zone),
    end: eventTime(instance.end, event, zone),
    location: locationJson(event.location),
    locations: event.location ? [locationJson(event.location)] : [],
    recurrence: occurrence ? null : event.recurrence,
    attendees: event.attendees.map((a) => ({
      type: a.type,
      status: { response: a.response, time: NEVER },
      emailAddress: { name: a.name, address: a.address },
    })),
    organizer: { emailAddress: { name: event.organizer.name, address: event.organizer.address } },
    onlineMeeting: event.isOnlineMeeting ? { joinUrl: joinUrl(event) } : null,
  };
  if (!withBody) {
    delete json.body;
    delete json.bodyPreview;
  }
  return json;
}

/** `$select` keeps `@odata.etag` and `id`, as Outlook does. */
export function selectEvent(json: Record<string, unknown>, select: string[] | null): Record<string, unknown> {
  if (!select) return json;
  return { '@odata.etag': json['@odata.etag'], id: json.id, ...project(json, select) };
}

export const CALENDAR_PROPERTIES = [
  'id',
  'name',
  'color',
  'hexColor',
  'isDefaultCalendar',
  'changeKey',
  'canShare',
  'canViewPrivateItems',
  'canEdit',
  'allowedOnlineMeetingProviders',
  'defaultOnlineMeetingProvider',
  'isTallyingResponses',
  'isRemovable',
  'owner',
] as const;

export function calendarJson(mailbox: Mailbox, owner: User): Record<string, unknown> {
  const key = `DwAAABYAAAA${makeId(mailbox.userId, 'calendar-key').slice(5, 37)}`;
  const person = personOf(owner);
  return {
    '@odata.etag': `W/"${key}"`,
    id: mailbox.calendarId,
    name: 'Calendar',
    color: 'auto',
    hexColor: '',
    isDefaultCalendar: true,
    changeKey: key,
    canShare: true,
    canViewPrivateItems: true,
    canEdit: true,
    allowedOnlineMeetingProviders: ['teamsForBusiness'],
    defaultOnlineMeetingProvider: 'teamsForBusiness',
    isTallyingResponses: true,
    isRemovable: false,
    owner: { name: person.name, address: person.address },
  };
}
