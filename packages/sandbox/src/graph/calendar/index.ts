import type { Workload } from '../workload.js';
import { registerCalendarControl } from './control.js';
import { registerEventRoutes } from './events.js';
import { CALENDAR_PERMISSIONS } from './permissions.js';
import { registerScheduleRoutes } from './schedule.js';
import { registerViewRoutes } from './view.js';

/**
 * Outlook calendar: events (CRUD, meetings copied to attendees' calendars), the default calendar, calendarView with
 * recurrence expansion and `Prefer: outlook.timezone`, calendarView/delta, getSchedule and findMeetingTimes.
 * Every route counts against the target mailbox's Outlook limits.
 */
export const calendarWorkload: Workload = {
  name: 'calendar',
  routes(app, ctx) {
    registerEventRoutes(app, ctx);
    registerViewRoutes(app, ctx);
    registerScheduleRoutes(app, ctx);
  },
  control: registerCalendarControl,
  permissions: Object.values(CALENDAR_PERMISSIONS),
};
