import type { Workload } from '../workload.js';
import { registerAuditLogRoutes } from './audit-logs.js';
import { REPORTS_PERMISSIONS } from './permissions.js';
import { registerReportDownloads, registerUsageReportRoutes } from './usage.js';

export { assertPremiumTenant, signInActivityOf } from './audit-logs.js';

/** Microsoft 365 usage reports (CSV through a pre-authenticated download) and Entra ID sign-in and audit logs. */
export const reportsWorkload: Workload = {
  name: 'reports',
  routes(app, ctx) {
    registerUsageReportRoutes(app, ctx);
    registerAuditLogRoutes(app, ctx);
  },
  rootRoutes: registerReportDownloads,
  permissions: Object.values(REPORTS_PERMISSIONS),
};
