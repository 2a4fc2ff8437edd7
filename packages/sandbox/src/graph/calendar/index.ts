import type { Workload } from '../workload.js';

/** The calendar workload (not yet served). */
export const calendarWorkload: Workload = {
  name: 'calendar',
  routes() {},
  permissions: [],
};
