import type { Workload } from '../workload.js';

/** The subscriptions workload (not yet served). */
export const subscriptionsWorkload: Workload = {
  name: 'subscriptions',
  routes() {},
  permissions: [],
};
