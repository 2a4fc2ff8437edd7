import { createHash, randomUUID } from 'node:crypto';
import { en, Faker } from '@faker-js/faker';
import type { Tenant, User } from '../../tenant/model.js';
import type { ChangeBus } from '../notifications/bus.js';
import { dateOfDay, occurrenceDays, type Recurrence } from './recurrence.js';
import { DAY_MS, findZone, fromWall, toWall, UTC, type Zone } from './time.js';

/**
 * Calendars of one tenant: a default calendar per mailbox, seeded lazily and deterministically the first time the
 * mailbox is touched, with a change log per mailbox for calendarView/delta. Meetings live once per participant
 * (organizer's event and one copy per attendee mailbox), tied together by the same iCalUId.
 *
 * The sandbox keeps every mailbox in UTC: seeded events sit in 09:00–17:00 UTC on weekdays, and working hours
 * (getSchedule, findMeetingTimes) are Monday–Friday 08:00–17:00 UTC, Exchange's default hours.
 */

export type ShowAs = 'free' | 'tentative' | 'busy' | 'oof' | 'workingElsewhere' | 'unknown';
export type Sensitivity = 'normal' | 'personal' | 'private' | 'confidential';
export type ResponseType = 'none' | 'organizer' | 'tentativelyAccepted' | 'accepted' | 'declined' | 'notResponded';
export type AttendeeType = 'required' | 'optional' | 'resource';

export const SHOW_AS: ShowAs[] = ['free', 'tentative', 'busy', 'oof', 'workingElsewhere', 'unknown'];
export const SENSITIVITIES: Sensitivity[] = ['normal', 'personal', 'private', 'confidential'];

export interface Person {
  name: string;
  address: string;
}

export interface Attendee extends Person {
  type: AttendeeType;
  response: ResponseType;
}

export interface StoredEvent {
  id: string;
  iCalUId: string;
  ownerId: string;
  isOrganizer: boolean;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  /** UTC instants. All-day events run from UTC midnight to UTC midnight. */
  start: number;
  end: number;
  /** The zone names the client gave (originalStartTimeZone / originalEndTimeZone). */
  startZone: string;
  endZone: string;
  isAllDay: boolean;
  showAs: ShowAs;
  sensitivity: Sensitivity;
  importance: 'low' | 'normal' | 'high';
  isOnlineMeeting: boolean;
  location: string;
  organizer: Person;
  attendees: Attendee[];
  response: ResponseType;
  recurrence: Recurrence | null;
  /** Occurrence days removed from the series. */
  cancelledDays: number[];
  categories: string[];
  isReminderOn: boolean;
  reminderMinutesBeforeStart: number;
  created: number;
  modified: number;
  version: number;
}

/** One entry of a calendar view: a single event, or one occurrence of a series. */
export interface Instance {
  event: StoredEvent;
  id: string;
  start: number;
  end: number;
  type: 'singleInstance' | 'occurrence' | 'seriesMaster';
  day?: number;
}

interface LogEntry {
  seq: number;
  eventId: string;
  /** The event as it was before this change (null: it did not exist). */
  before: StoredEvent | null;
}

export interface Mailbox {
  userId: string;
  calendarId: string;
  events: Map<string, StoredEvent>;
  byUid: Map<string, string>;
  /** Occurrence ids handed out, so GET /events/{occurrenceId} can find the series. */
  occurrences: Map<string, { masterId: string; day: number }>;
  log: LogEntry[];
}

interface CalendarState {
  /** Seeded events are placed around this day (the sandbox clock's day when the tenant's calendars were first used). */
  anchorDay: number;
  mailboxes: Map<string, Mailbox>;
  reports?: { size: number; byManager: Map<string, string[]> };
  addresses?: { size: number; byAddress: Map<string, string> };
}

const states = new WeakMap<Tenant, CalendarState>();

export function calendarState(tenant: Tenant, now: number): CalendarState {
  let state = states.get(tenant);
  if (!state) {
    state = { anchorDay: Math.floor(now / DAY_MS), mailboxes: new Map() };
    states.set(tenant, state);
  }
  return state;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Outlook-looking opaque ids, stable for a given owner and key. */
export function makeId(ownerId: string, key: string): string {
  return `AAMkA${digest(`${ownerId}|${key}`).toString('base64url').slice(0, 43)}=`;
}

export const isEventId = (id: string) => /^AAMkA[A-Za-z0-9_-]{10,}=*$/.test(id);

const GLOBAL_OBJECT_CLASS = '040000008200E00074C5B7101A82E008';

/** Exchange's GlobalObjectId form; occurrences carry their date in bytes 17–20, as Exchange does. */
export function makeICalUId(key: string): string {
  const hex = digest(key).toString('hex').toUpperCase();
  return `${GLOBAL_OBJECT_CLASS}00000000${hex.slice(0, 16)}000000000000000010000000${hex.slice(16, 48)}`;
}

export function occurrenceICalUId(uid: string, day: number): string {
  const d = new Date(day * DAY_MS);
  const date =
    d.getUTCFullYear().toString(16).padStart(4, '0') +
    (d.getUTCMonth() + 1).toString(16).padStart(2, '0') +
    d.getUTCDate().toString(16).padStart(2, '0');
  return `${uid.slice(0, 32)}${date.toUpperCase()}${uid.slice(40)}`;
}

export function personOf(user: User): Person {
  return { name: user.displayName, address: (user.mail ?? user.userPrincipalName).toLowerCase() };
}

// ---------------------------------------------------------------------------------------------------------------
// Lookups
// ---------------------------------------------------------------------------------------------------------------

/** A tenant user by SMTP address (mail or UPN), through an index rebuilt when the user count changes. */
export function userByAddress(state: CalendarState, tenant: Tenant, address: string): User | undefined {
  const key = address.trim().toLowerCase();
  if (!state.addresses || state.addresses.size !== tenant.users.size) {
    const byAddress = new Map<string, string>();
    for (const u of tenant.users.values()) {
      byAddress.set(u.userPrincipalName.toLowerCase(), u.id);
      if (u.mail) byAddress.set(u.mail.toLowerCase(), u.id);
    }
    state.addresses = { size: tenant.users.size, byAddress };
  }
  const id = state.addresses.byAddress.get(key);
  const user = id ? tenant.users.get(id) : undefined;
  if (user && [user.mail, user.userPrincipalName].some((a) => a?.toLowerCase() === key)) return user;
  // Renamed since the index was built: look the slow way, but only for the tenant's own domains.
  const domain = key.slice(key.lastIndexOf('@') + 1);
  if (!tenant.verifiedDomains.some((d) => d.name.toLowerCase() === domain)) return undefined;
  for (const u of tenant.users.values()) {
    if (u.mail?.toLowerCase() === key || u.userPrincipalName.toLowerCase() === key) return u;
  }
  return undefined;
}

/** Mailbox-enabled direct reports of a manager, first ten by id: the team that meets weekly. */
function teamOf(state: CalendarState, tenant: Tenant, managerId: string): string[] {
  if (!state.reports || state.reports.size !== tenant.users.size) {
    const byManager = new Map<string, string[]>();
    for (const u of tenant.users.values()) {
      if (!u.managerId) continue;
      const list = byManager.get(u.managerId) ?? [];
      list.push(u.id);
      byManager.set(u.managerId, list);
    }
    for (const list of byManager.values()) list.sort();
    state.reports = { size: tenant.users.size, byManager };
  }
  return (state.reports.byManager.get(managerId) ?? [])
    .filter((id) => tenant.users.get(id)?.mailboxEnabled && tenant.users.get(id)?.managerId === managerId)
    .slice(0, 10);
}

/** The mailbox of a user, seeded on first use. */
export function mailboxOf(tenant: Tenant, user: User, now: number): Mailbox {
  const state = calendarState(tenant, now);
  let mailbox = state.mailboxes.get(user.id);
  if (!mailbox) {
    mailbox = {
      userId: user.id,
      calendarId: makeId(user.id, 'calendar'),
      events: new Map(),
      byUid: new Map(),
      occurrences: new Map(),
      log: [],
    };
    state.mailboxes.set(user.id, mailbox);
    seedMailbox(state, tenant, user, mailbox);
  }
  return mailbox;
}

export function deltaPosition(mailbox: Mailbox): number {
  return mailbox.log.length;
}

/** For each event changed after `seq`: how it was at `seq` (null if it did not exist yet). */
export function changesSince(mailbox: Mailbox, seq: number, upTo: number): Map<string, StoredEvent | null> {
  const changed = new Map<string, StoredEvent | null>();
  for (const entry of mailbox.log.slice(seq, upTo)) {
    if (!changed.has(entry.eventId)) changed.set(entry.eventId, entry.before);
  }
  return changed;
}

// ---------------------------------------------------------------------------------------------------------------
// Instances
// ---------------------------------------------------------------------------------------------------------------

export function recurrenceZone(event: StoredEvent): Zone {
  if (event.isAllDay) return UTC;
  return findZone(event.recurrence?.range.recurrenceTimeZone) ?? findZone(event.startZone) ?? UTC;
}

function overlaps(start: number, end: number, from: number, to: number): boolean {
  if (start === end) return start >= from && start < to;
  return start < to && end > from;
}

/** Occurrence of a series on a day: the series' wall-clock start on that day, in the recurrence zone. */
export function occurrenceOn(mailbox: Mailbox, event: StoredEvent, day: number): Instance {
  const zone = recurrenceZone(event);
  const wallStart = toWall(event.start, zone);
  const timeOfDay = wallStart - Math.floor(wallStart / DAY_MS) * DAY_MS;
  const start = fromWall(day * DAY_MS + timeOfDay, zone);
  const id = makeId(event.id, `occurrence|${day}`);
  mailbox.occurrences.set(id, { masterId: event.id, day });
  return { event, id, start, end: start + (event.end - event.start), type: 'occurrence', day };
}

/** What a calendar view shows of an event between two instants: itself, or its occurrences. */
export function instancesOf(mailbox: Mailbox, event: StoredEvent, from: number, to: number): Instance[] {
  if (!event.recurrence) {
    return overlaps(event.start, event.end, from, to)
      ? [{ event, id: event.id, start: event.start, end: event.end, type: 'singleInstance' }]
      : [];
  }
  const zone = recurrenceZone(event);
  const duration = event.end - event.start;
  const firstDay = Math.floor((toWall(from - duration, zone) - DAY_MS) / DAY_MS);
  const lastDay = Math.floor((toWall(to, zone) + DAY_MS) / DAY_MS);
  return occurrenceDays(event.recurrence, firstDay, lastDay)
    .filter((day) => !event.cancelledDays.includes(day))
    .map((day) => occurrenceOn(mailbox, event, day))
    .filter((i) => overlaps(i.start, i.end, from, to));
}

export function viewOf(mailbox: Mailbox, from: number, to: number): Instance[] {
  const out: Instance[] = [];
  // A loop, not push(...): a long series over a long window can have more occurrences than a call takes arguments.
  for (const event of mailbox.events.values())
    for (const instance of instancesOf(mailbox, event, from, to)) out.push(instance);
  return out.sort((a, b) => a.start - b.start || (a.id < b.id ? -1 : 1));
}

/** An event or occurrence by id, as GET /events/{id} finds it. */
export function findInstance(mailbox: Mailbox, id: string): Instance | undefined {
  const event = mailbox.events.get(id);
  if (event) {
    return {
      event,
      id,
      start: event.start,
      end: event.end,
      type: event.recurrence ? 'seriesMaster' : 'singleInstance',
    };
  }
  const occurrence = mailbox.occurrences.get(id);
  const master = occurrence ? mailbox.events.get(occurrence.masterId) : undefined;
  if (!occurrence || !master || master.cancelledDays.includes(occurrence.day)) return undefined;
  return occurrenceOn(mailbox, master, occurrence.day);
}

// ---------------------------------------------------------------------------------------------------------------
// Writes: every change is logged (delta) and published (change notifications)
// ---------------------------------------------------------------------------------------------------------------

export interface Writer {
  tenant: Tenant;
  bus: ChangeBus;
  now: number;
}

function publish(w: Writer, mailbox: Mailbox, eventId: string, changeType: 'created' | 'updated' | 'deleted') {
  w.bus.publish({
    tenant: w.tenant,
    resource: `users/${mailbox.userId}/events/${eventId}`,
    changeType,
    odataType: '#microsoft.graph.event',
    id: eventId,
  });
}

function record(mailbox: Mailbox, eventId: string, before: StoredEvent | null) {
  mailbox.log.push({ seq: mailbox.log.length + 1, eventId, before: before ? structuredClone(before) : null });
}

function insert(w: Writer, mailbox: Mailbox, event: StoredEvent) {
  record(mailbox, event.id, null);
  mailbox.events.set(event.id, event);
  mailbox.byUid.set(event.iCalUId, event.id);
  publish(w, mailbox, event.id, 'created');
}

function remove(w: Writer, mailbox: Mailbox, event: StoredEvent) {
  record(mailbox, event.id, event);
  mailbox.events.delete(event.id);
  mailbox.byUid.delete(event.iCalUId);
  publish(w, mailbox, event.id, 'deleted');
}

function touch(w: Writer, mailbox: Mailbox, event: StoredEvent, change: (e: StoredEvent) => void) {
  record(mailbox, event.id, event);
  change(event);
  event.modified = w.now;
  event.version++;
  publish(w, mailbox, event.id, 'updated');
}

/** Fields an organizer's change carries to every attendee's copy. */
const MEETING_FIELDS = [
  'subject',
  'body',
  'start',
  'end',
  'startZone',
  'endZone',
  'isAllDay',
  'sensitivity',
  'importance',
  'isOnlineMeeting',
  'location',
  'organizer',
  'attendees',
  'recurrence',
  'cancelledDays',
] as const;

function copyMeetingFields(from: StoredEvent, to: StoredEvent) {
  for (const field of MEETING_FIELDS) (to as unknown as Record<string, unknown>)[field] = structuredClone(from[field]);
}

/** The mailbox users among a meeting's attendees (the organizer excluded). */
function attendeeUsers(tenant: Tenant, state: CalendarState, event: StoredEvent): User[] {
  const users = new Map<string, User>();
  for (const a of event.attendees) {
    const user = userByAddress(state, tenant, a.address);
    if (user?.mailboxEnabled && user.id !== event.ownerId) users.set(user.id, user);
  }
  return [...users.values()];
}

function attendeeCopy(organizerEvent: StoredEvent, owner: User, now: number): StoredEvent {
  const copy: StoredEvent = {
    ...structuredClone(organizerEvent),
    id: makeId(owner.id, `copy|${organizerEvent.iCalUId}|${randomUUID()}`),
    ownerId: owner.id,
    isOrganizer: false,
    response: 'notResponded',
    showAs: organizerEvent.showAs === 'free' ? 'free' : 'tentative',
    categories: [],
    created: now,
    modified: now,
    version: 1,
  };
  return copy;
}

/** Adds, updates or removes attendees' copies so they match the organizer's event (null: it was deleted). */
function syncCopies(w: Writer, organizerEvent: StoredEvent, before: StoredEvent | null, deleted: boolean) {
  const state = calendarState(w.tenant, w.now);
  const now = deleted ? [] : attendeeUsers(w.tenant, state, organizerEvent);
  const earlier = before ? attendeeUsers(w.tenant, state, before) : [];
  const keep = new Set(now.map((u) => u.id));
  for (const user of earlier) {
    if (keep.has(user.id)) continue;
    const mailbox = mailboxOf(w.tenant, user, w.now);
    const copyId = mailbox.byUid.get(organizerEvent.iCalUId);
    const copy = copyId ? mailbox.events.get(copyId) : undefined;
    if (copy) remove(w, mailbox, copy);
  }
  for (const user of now) {
    const mailbox = mailboxOf(w.tenant, user, w.now);
    const copyId = mailbox.byUid.get(organizerEvent.iCalUId);
    const copy = copyId ? mailbox.events.get(copyId) : undefined;
    if (copy) touch(w, mailbox, copy, (e) => copyMeetingFields(organizerEvent, e));
    else insert(w, mailbox, attendeeCopy(organizerEvent, user, w.now));
  }
}

export function createEvent(w: Writer, mailbox: Mailbox, event: StoredEvent): StoredEvent {
  insert(w, mailbox, event);
  if (event.isOrganizer) syncCopies(w, event, null, false);
  return event;
}

export function updateEvent(w: Writer, mailbox: Mailbox, event: StoredEvent, change: (e: StoredEvent) => void) {
  const before = structuredClone(event);
  touch(w, mailbox, event, change);
  if (event.isOrganizer) syncCopies(w, event, before, false);
}

export function deleteEvent(w: Writer, mailbox: Mailbox, event: StoredEvent) {
  remove(w, mailbox, event);
  if (event.isOrganizer) syncCopies(w, event, event, true);
}

/**
 * An attendee's answer: their copy shows the response (a declined meeting leaves the calendar, as Exchange moves it
 * to Deleted Items), and the organizer's event records it against the attendee.
 */
export function respondToMeeting(
  w: Writer,
  mailbox: Mailbox,
  event: StoredEvent,
  response: 'accepted' | 'tentativelyAccepted' | 'declined',
) {
  if (response === 'declined') remove(w, mailbox, event);
  else {
    touch(w, mailbox, event, (e) => {
      e.response = response;
      e.showAs = response === 'tentativelyAccepted' ? 'tentative' : 'busy';
    });
  }
  const owner = w.tenant.users.get(mailbox.userId);
  const organizer = userByAddress(calendarState(w.tenant, w.now), w.tenant, event.organizer.address);
  if (!owner || !organizer?.mailboxEnabled) return;
  const organizerMailbox = mailboxOf(w.tenant, organizer, w.now);
  const original = organizerMailbox.events.get(organizerMailbox.byUid.get(event.iCalUId) ?? '');
  const address = personOf(owner).address;
  if (!original?.attendees.some((a) => a.address === address)) return;
  touch(w, organizerMailbox, original, (e) => {
    e.attendees = e.attendees.map((a) => (a.address === address ? { ...a, response } : a));
  });
}

/** Removes one occurrence from a series (DELETE on an occurrence id). */
export function cancelOccurrence(w: Writer, mailbox: Mailbox, master: StoredEvent, day: number) {
  updateEvent(w, mailbox, master, (e) => {
    e.cancelledDays = [...e.cancelledDays, day];
  });
}

/** A new event with Outlook's defaults; the caller fills in what the client sent. */
export function newEvent(owner: User, id: string, now: number, fields: Partial<StoredEvent>): StoredEvent {
  return {
    id,
    iCalUId: makeICalUId(`${id}|${now}`),
    ownerId: owner.id,
    isOrganizer: true,
    subject: '',
    body: { contentType: 'html', content: '' },
    start: now,
    end: now,
    startZone: 'UTC',
    endZone: 'UTC',
    isAllDay: false,
    showAs: 'busy',
    sensitivity: 'normal',
    importance: 'normal',
    isOnlineMeeting: false,
    location: '',
    organizer: personOf(owner),
    attendees: [],
    response: 'organizer',
    recurrence: null,
    cancelledDays: [],
    categories: [],
    isReminderOn: true,
    reminderMinutesBeforeStart: 15,
    created: now,
    modified: now,
    version: 1,
    ...fields,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Seeding
// ---------------------------------------------------------------------------------------------------------------

const HOUR_MS = 3_600_000;

function seedOf(text: string): number[] {
  const d = digest(text);
  return [d.readUInt32BE(0), d.readUInt32BE(4)];
}

function isWeekday(day: number): boolean {
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday !== 0 && weekday !== 6;
}

/** The first weekday on or after the day. */
function weekdayFrom(day: number): number {
  let d = day;
  while (!isWeekday(d)) d++;
  return d;
}

interface MeetingPlan {
  key: string;
  organizer: User;
  attendees: User[];
  subject: string;
  start: number;
  end: number;
  recurrence: Recurrence | null;
  isOnlineMeeting: boolean;
  location: string;
}

const WEEKDAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];

function teamSync(state: CalendarState, tenant: Tenant, manager: User): MeetingPlan | undefined {
  if (!manager.mailboxEnabled) return undefined;
  const team = teamOf(state, tenant, manager.id)
    .map((id) => tenant.users.get(id))
    .filter((u): u is User => u !== undefined);
  if (team.length === 0) return undefined;
  const [pick = 0] = seedOf(`${tenant.id}|team|${manager.id}`);
  const weekday = pick % 5; // 0 = Monday
  // The series starts four weeks before the anchor, on its weekday.
  let first = state.anchorDay - 28;
  while ((((first + 4) % 7) + 7) % 7 !== weekday + 1) first++;
  return {
    key: `team|${manager.id}`,
    organizer: manager,
    attendees: team,
    subject: `${manager.department ?? 'Team'} weekly sync`,
    start: first * DAY_MS + 10 * HOUR_MS,
    end: first * DAY_MS + 10 * HOUR_MS + 30 * 60_000,
    recurrence: {
      pattern: {
        type: 'weekly',
        interval: 1,
        month: 0,
        dayOfMonth: 0,
        daysOfWeek: [WEEKDAY_NAMES[weekday]!],
        firstDayOfWeek: 'sunday',
        index: 'first',
      },
      range: {
        type: 'noEnd',
        startDate: dateOfDay(first),
        endDate: '0001-01-01',
        recurrenceTimeZone: 'UTC',
        numberOfOccurrences: 0,
      },
    },
    isOnlineMeeting: true,
    location: 'Microsoft Teams Meeting',
  };
}

function oneOnOne(state: CalendarState, tenant: Tenant, manager: User, report: User): MeetingPlan {
  const [a = 0, b = 0] = seedOf(`${tenant.id}|1:1|${manager.id}|${report.id}`);
  const day = weekdayFrom(state.anchorDay - 7 + (a % 21));
  const hour = 14 + (b % 3);
  return {
    key: `1:1|${manager.id}|${report.id}`,
    organizer: manager,
    attendees: [report],
    subject: `1:1 ${manager.givenName ?? manager.displayName} / ${report.givenName ?? report.displayName}`,
    start: day * DAY_MS + hour * HOUR_MS,
    end: day * DAY_MS + hour * HOUR_MS + 30 * 60_000,
    recurrence: null,
    isOnlineMeeting: true,
    location: 'Microsoft Teams Meeting',
  };
}

/**
 * The meetings a user takes part in with colleagues: their manager's weekly team sync and 1:1, and the same for
 * their own reports. Both sides compute the same plans, so every participant's copy agrees whoever is seeded first.
 */
function sharedMeetings(state: CalendarState, tenant: Tenant, user: User): MeetingPlan[] {
  const plans: MeetingPlan[] = [];
  const manager = user.managerId ? tenant.users.get(user.managerId) : undefined;
  if (manager && teamOf(state, tenant, manager.id).includes(user.id)) {
    const sync = teamSync(state, tenant, manager);
    if (sync) plans.push(sync, oneOnOne(state, tenant, manager, user));
  }
  const mine = teamSync(state, tenant, user);
  if (mine) {
    plans.push(mine);
    for (const report of mine.attendees) plans.push(oneOnOne(state, tenant, user, report));
  }
  return plans;
}

function seedMeeting(owner: User, plan: MeetingPlan, created: number): StoredEvent {
  const isOrganizer = plan.organizer.id === owner.id;
  return newEvent(owner, makeId(owner.id, plan.key), created, {
    iCalUId: makeICalUId(plan.key),
    isOrganizer,
    subject: plan.subject,
    // Every participant's copy carries the same body, as an invitation would.
    body: { contentType: 'html', content: `<html><body><p>Agenda: ${plan.subject}</p></body></html>` },
    start: plan.start,
    end: plan.end,
    showAs: 'busy',
    isOnlineMeeting: plan.isOnlineMeeting,
    location: plan.location,
    organizer: personOf(plan.organizer),
    attendees: plan.attendees.map((u) => ({ ...personOf(u), type: 'required', response: 'accepted' })),
    response: isOrganizer ? 'organizer' : 'accepted',
    recurrence: plan.recurrence,
  });
}

const MEETING_TOPICS = [
  'Project review',
  'Planning session',
  'Customer call',
  'Design review',
  'Budget check-in',
  'Hiring panel',
  'Quarterly business review',
  'Architecture discussion',
  'Vendor demo',
  'Retrospective',
];

const ROOMS = ['Conference Room A', 'Conference Room B', 'Board Room', 'Huddle Room 3', 'Cafeteria'];

/** About a dozen personal events from two weeks before the anchor to three weeks after, plus shared meetings. */
function seedMailbox(state: CalendarState, tenant: Tenant, user: User, mailbox: Mailbox) {
  const f = new Faker({ locale: [en] });
  f.seed(seedOf(`${tenant.id}|calendar|${user.id}`));
  const anchor = state.anchorDay;
  const created = (anchor - 30) * DAY_MS;
  const events: StoredEvent[] = [];
  const timed = (key: string, day: number, hour: number, minutes: number, fields: Partial<StoredEvent>) =>
    newEvent(user, makeId(user.id, key), created, {
      iCalUId: makeICalUId(`${user.id}|${key}`),
      start: day * DAY_MS + hour * HOUR_MS,
      end: day * DAY_MS + hour * HOUR_MS + minutes * 60_000,
      body: { contentType: 'html', content: `<html><body><p>${f.lorem.paragraph()}</p></body></html>` },
      ...fields,
    });

  for (let i = 0; i < 8; i++) {
    const day = weekdayFrom(anchor - 14 + f.number.int({ min: 0, max: 34 }));
    const minutes = f.helpers.arrayElement([30, 60, 60, 90]);
    const hour = f.number.int({ min: 9, max: 17 - Math.ceil(minutes / 60) });
    const online = f.datatype.boolean();
    events.push(
      timed(`seed|${i}`, day, hour, minutes, {
        subject: `${f.helpers.arrayElement(MEETING_TOPICS)}: ${f.company.catchPhrase()}`,
        showAs: f.helpers.weightedArrayElement([
          { weight: 6, value: 'busy' as const },
          { weight: 3, value: 'tentative' as const },
          { weight: 1, value: 'free' as const },
        ]),
        isOnlineMeeting: online,
        location: online ? 'Microsoft Teams Meeting' : f.helpers.arrayElement(ROOMS),
        categories: f.datatype.boolean() ? [f.helpers.arrayElement(['Blue category', 'Green category'])] : [],
      }),
    );
  }
  events.push(
    timed('seed|private', weekdayFrom(anchor + f.number.int({ min: -10, max: 15 })), 12, 60, {
      subject: 'Doctor appointment',
      sensitivity: 'private',
      location: f.location.streetAddress(),
    }),
    timed('seed|external', weekdayFrom(anchor + f.number.int({ min: 1, max: 20 })), 15, 60, {
      subject: `Call with ${f.company.name()}`,
      isOnlineMeeting: true,
      location: 'Microsoft Teams Meeting',
      attendees: [
        {
          name: f.person.fullName(),
          address: `${f.internet.username().toLowerCase()}@fabrikam.example`,
          type: 'required',
          response: 'none',
        },
      ],
    }),
  );
  const oofDay = weekdayFrom(anchor + f.number.int({ min: 5, max: 20 }));
  events.push(
    timed('seed|oof', oofDay, 0, 24 * 60, {
      subject: 'Out of office',
      isAllDay: true,
      showAs: 'oof',
      isReminderOn: false,
    }),
    timed('seed|remote', weekdayFrom(anchor + f.number.int({ min: -13, max: 4 })), 0, 24 * 60, {
      subject: 'Working from home',
      isAllDay: true,
      showAs: 'workingElsewhere',
      isReminderOn: false,
    }),
  );
  const focusStart = weekdayFrom(anchor - 21);
  events.push(
    timed('seed|focus', focusStart, 16, 60, {
      subject: 'Focus time',
      showAs: 'busy',
      recurrence: {
        pattern: {
          type: 'weekly',
          interval: 1,
          month: 0,
          dayOfMonth: 0,
          daysOfWeek: [WEEKDAY_NAMES[((((focusStart + 4) % 7) + 7) % 7) - 1]!],
          firstDayOfWeek: 'sunday',
          index: 'first',
        },
        range: {
          type: 'numbered',
          startDate: dateOfDay(focusStart),
          endDate: '0001-01-01',
          recurrenceTimeZone: 'UTC',
          numberOfOccurrences: 10,
        },
      },
    }),
  );
  for (const plan of sharedMeetings(state, tenant, user)) events.push(seedMeeting(user, plan, created));
  for (const event of events) {
    mailbox.events.set(event.id, event);
    mailbox.byUid.set(event.iCalUId, event.id);
  }
}
