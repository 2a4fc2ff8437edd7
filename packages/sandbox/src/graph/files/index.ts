import type { Workload } from '../workload.js';

/** The files workload (not yet served). */
export const filesWorkload: Workload = {
  name: 'files',
  routes() {},
  permissions: [],
};
