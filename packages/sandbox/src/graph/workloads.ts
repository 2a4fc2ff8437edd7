import { calendarWorkload } from './calendar/index.js';
import { filesWorkload } from './files/index.js';
import { mailWorkload } from './mail/index.js';
import { presenceWorkload } from './presence/index.js';
import { reportsWorkload } from './reports/index.js';
import { subscriptionsWorkload } from './subscriptions/index.js';
import type { Workload } from './workload.js';

/** Every Graph workload beyond the directory, in registration order. */
export const WORKLOADS: Workload[] = [
  mailWorkload,
  calendarWorkload,
  presenceWorkload,
  filesWorkload,
  reportsWorkload,
  subscriptionsWorkload,
];
