import { type EndpointPermissions, permissionRow } from '../permissions.js';

/**
 * Calendar endpoints and their permissions (least privileged first), from the v1.0 permission includes
 * (user-list-events, user-list-calendars, event-delta, calendar-getschedule, user-findmeetingtimes) and Graph's
 * permission map (microsoft-graph-devx-content permissions.json).
 *
 * - The docs name the application form of ReadBasic "Calendars.ReadBasic"; the app role's value is
 *   Calendars.ReadBasic.All (8ba4a692-bc31-4128-9094-475872af8a53), which is what a token's `roles` carries.
 * - The `.Shared` delegated permissions are listed last: they include the user's own calendar, and are what reaching
 *   another user's calendar needs (checked per request, see resolveMailbox).
 */

const READ_APP = ['Calendars.ReadBasic.All', 'Calendars.Read', 'Calendars.ReadWrite'];
const READ_DELEGATED = [
  'Calendars.ReadBasic',
  'Calendars.Read',
  'Calendars.ReadWrite',
  'Calendars.Read.Shared',
  'Calendars.ReadWrite.Shared',
];
const WRITE_APP = ['Calendars.ReadWrite'];
const WRITE_DELEGATED = ['Calendars.ReadWrite', 'Calendars.ReadWrite.Shared'];

/** Delegated access to someone else's calendar needs one of these (in addition to the row's permission). */
export const SHARED_READ = ['Calendars.Read.Shared', 'Calendars.ReadWrite.Shared'];
export const SHARED_WRITE = ['Calendars.ReadWrite.Shared'];

const row = (id: string, method: string, path: string, application: string[] | null, delegated: string[] | null) =>
  permissionRow('outlook', id, method, path, application, delegated);

/** The meeting actions (accept, tentativelyAccept, decline, cancel) need write access, like PATCH. */
function actionRows<A extends string>(action: A) {
  const name = `${action}Event` as const;
  const mine = `${action}MyEvent` as const;
  return {
    [name]: row(`calendar.${name}`, 'POST', `/users/{id}/events/{id}/${action}`, WRITE_APP, WRITE_DELEGATED),
    [mine]: row(`calendar.${mine}`, 'POST', `/me/events/{id}/${action}`, null, WRITE_DELEGATED),
  } as Record<`${A}Event` | `${A}MyEvent`, EndpointPermissions>;
}

export const CALENDAR_PERMISSIONS = {
  listEvents: row('calendar.listEvents', 'GET', '/users/{id}/events', READ_APP, READ_DELEGATED),
  myEvents: row('calendar.myEvents', 'GET', '/me/events', null, READ_DELEGATED),
  getEvent: row('calendar.getEvent', 'GET', '/users/{id}/events/{id}', READ_APP, READ_DELEGATED),
  myEvent: row('calendar.myEvent', 'GET', '/me/events/{id}', null, READ_DELEGATED),
  createEvent: row('calendar.createEvent', 'POST', '/users/{id}/events', WRITE_APP, WRITE_DELEGATED),
  createMyEvent: row('calendar.createMyEvent', 'POST', '/me/events', null, WRITE_DELEGATED),
  updateEvent: row('calendar.updateEvent', 'PATCH', '/users/{id}/events/{id}', WRITE_APP, WRITE_DELEGATED),
  updateMyEvent: row('calendar.updateMyEvent', 'PATCH', '/me/events/{id}', null, WRITE_DELEGATED),
  deleteEvent: row('calendar.deleteEvent', 'DELETE', '/users/{id}/events/{id}', WRITE_APP, WRITE_DELEGATED),
  deleteMyEvent: row('calendar.deleteMyEvent', 'DELETE', '/me/events/{id}', null, WRITE_DELEGATED),
  ...actionRows('accept'),
  ...actionRows('tentativelyAccept'),
  ...actionRows('decline'),
  ...actionRows('cancel'),
  eventInstances: row('calendar.eventInstances', 'GET', '/users/{id}/events/{id}/instances', READ_APP, READ_DELEGATED),
  myEventInstances: row('calendar.myEventInstances', 'GET', '/me/events/{id}/instances', null, READ_DELEGATED),
  listCalendars: row('calendar.listCalendars', 'GET', '/users/{id}/calendars', READ_APP, READ_DELEGATED),
  myCalendars: row('calendar.myCalendars', 'GET', '/me/calendars', null, READ_DELEGATED),
  getCalendar: row('calendar.getCalendar', 'GET', '/users/{id}/calendar', READ_APP, READ_DELEGATED),
  myCalendar: row('calendar.myCalendar', 'GET', '/me/calendar', null, READ_DELEGATED),
  calendarView: row('calendar.calendarView', 'GET', '/users/{id}/calendarView', READ_APP, READ_DELEGATED),
  myCalendarView: row('calendar.myCalendarView', 'GET', '/me/calendarView', null, READ_DELEGATED),
  // event-delta-permissions.md lists Calendars.Read first and ReadBasic among the higher ones.
  calendarViewDelta: row(
    'calendar.calendarViewDelta',
    'GET',
    '/users/{id}/calendarView/delta',
    ['Calendars.Read', 'Calendars.ReadBasic.All', 'Calendars.ReadWrite'],
    [
      'Calendars.Read',
      'Calendars.ReadBasic',
      'Calendars.ReadWrite',
      'Calendars.Read.Shared',
      'Calendars.ReadWrite.Shared',
    ],
  ),
  myCalendarViewDelta: row('calendar.myCalendarViewDelta', 'GET', '/me/calendarView/delta', null, [
    'Calendars.Read',
    'Calendars.ReadBasic',
    'Calendars.ReadWrite',
    'Calendars.Read.Shared',
    'Calendars.ReadWrite.Shared',
  ]),
  getSchedule: row('calendar.getSchedule', 'POST', '/users/{id}/calendar/getSchedule', READ_APP, [
    'Calendars.ReadBasic',
    'Calendars.Read',
    'Calendars.ReadWrite',
    'Calendars.Read.Shared',
    'Calendars.ReadWrite.Shared',
  ]),
  myGetSchedule: row('calendar.myGetSchedule', 'POST', '/me/calendar/getSchedule', null, [
    'Calendars.ReadBasic',
    'Calendars.Read',
    'Calendars.ReadWrite',
    'Calendars.Read.Shared',
    'Calendars.ReadWrite.Shared',
  ]),
  // user-findmeetingtimes-permissions.md: delegated Calendars.Read (higher Calendars.ReadWrite); the permission map
  // adds the .Shared pair. Application: not supported.
  findMeetingTimes: row('calendar.findMeetingTimes', 'POST', '/users/{id}/findMeetingTimes', null, [
    'Calendars.Read',
    'Calendars.ReadWrite',
    'Calendars.Read.Shared',
    'Calendars.ReadWrite.Shared',
  ]),
  myFindMeetingTimes: row('calendar.myFindMeetingTimes', 'POST', '/me/findMeetingTimes', null, [
    'Calendars.Read',
    'Calendars.ReadWrite',
    'Calendars.Read.Shared',
    'Calendars.ReadWrite.Shared',
  ]),
} satisfies Record<string, EndpointPermissions>;
