import type { Workload } from '../workload.js';

/** The presence workload (not yet served). */
export const presenceWorkload: Workload = {
  name: 'presence',
  routes() {},
  permissions: [],
};
