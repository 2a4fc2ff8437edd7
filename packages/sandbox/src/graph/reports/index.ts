import type { Workload } from '../workload.js';

/** The reports workload (not yet served). */
export const reportsWorkload: Workload = {
  name: 'reports',
  routes() {},
  permissions: [],
};
