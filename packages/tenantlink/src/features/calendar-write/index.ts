import { defineFeature, need } from '../feature.js';

const writeCalendars = need('Calendars.ReadWrite', 'create, update and cancel events');
const WRITES = ['POST', 'PATCH', 'PUT', 'DELETE'];

/** Creating, updating and cancelling events and meetings. */
export const calendarWrite = defineFeature({
  name: 'calendar.write',
  title: 'Calendar: write events',
  guide: 'creates, updates and cancels events and meetings in calendars',
  permissions: { application: [writeCalendars], delegated: [writeCalendars] },
  graphRoutes: [
    { path: '{user}/calendar', methods: WRITES, permission: 'Calendars.ReadWrite' },
    { path: '{user}/calendars', methods: WRITES, permission: 'Calendars.ReadWrite' },
    { path: '{user}/events', methods: WRITES, permission: 'Calendars.ReadWrite' },
  ],
  probes: [],
  notProbedBecause: 'writing an event would change a calendar',
});
