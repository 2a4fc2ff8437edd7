import { defineFeature, need } from '../feature.js';
import { userPath } from '../graph-paths.js';

const readCalendars = (...shared: string[]) =>
  need('Calendars.Read', 'read free/busy and events, and sync calendars with delta', 'Calendars.ReadWrite', ...shared);

/** Free/busy of people, reading and syncing their calendars. */
export const calendar = defineFeature({
  name: 'calendar',
  title: 'Calendar: free/busy, read and sync',
  guide: "reads people's free/busy times and calendar events, and keeps calendars in sync",
  permissions: {
    application: [readCalendars()],
    delegated: [readCalendars('Calendars.Read.Shared', 'Calendars.ReadWrite.Shared')],
  },
  graphRoutes: [
    // getSchedule is a POST that only reads.
    { path: '{user}/calendar/getSchedule', methods: ['POST'], permission: 'Calendars.Read' },
    { path: '{user}/calendar', permission: 'Calendars.Read' },
    { path: '{user}/calendars', permission: 'Calendars.Read' },
    { path: '{user}/events', permission: 'Calendars.Read' },
    { path: '{user}/calendarView', permission: 'Calendars.Read' },
  ],
  probes: [
    {
      name: "Read the test user's free/busy",
      needs: 'testUser',
      call: { method: 'POST', route: '/users/{id}/calendar/getSchedule', permission: 'Calendars.Read' },
      run: async ({ graph, who, permission }) => {
        const start = new Date();
        const end = new Date(start.getTime() + 3600_000);
        await graph.post(
          `${userPath(who)}/calendar/getSchedule`,
          {
            schedules: [who],
            startTime: { dateTime: start.toISOString().slice(0, 19), timeZone: 'UTC' },
            endTime: { dateTime: end.toISOString().slice(0, 19), timeZone: 'UTC' },
            availabilityViewInterval: 60,
          },
          { permission },
        );
        return undefined;
      },
    },
  ],
});
