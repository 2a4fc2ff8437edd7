import type { Workload } from '../workload.js';

/** The mail workload (not yet served). */
export const mailWorkload: Workload = {
  name: 'mail',
  routes() {},
  permissions: [],
};
