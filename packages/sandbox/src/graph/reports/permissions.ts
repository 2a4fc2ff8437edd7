import type { EndpointPermissions } from '../permissions.js';

/**
 * Reports and audit-log endpoints with the permissions Microsoft lists (least privileged first).
 * Usage reports: Reports.Read.All (reportroot-getoffice365activeuserdetail.md, reportroot-getmailboxusagedetail.md).
 * Sign-ins: includes/permissions/signin-list-permissions.md lists AuditLog.Read.All and, as "higher",
 * Directory.Read.All; Graph refuses Directory.Read.All alone ("Calling principal does not have required MSGraph
 * permissions AuditLog.Read.All", microsoftgraph/microsoft-graph-docs-contrib#3196, #8997), so only AuditLog.Read.All
 * is listed. Directory audits: directoryaudit-list-permissions.md says "AuditLog.Read.All and Directory.Read.All";
 * AuditLog.Read.All is what Graph checks, so the sandbox asks for it alone.
 */
function entry(
  id: string,
  method: string,
  path: string,
  application: string[] | null,
  delegated: string[] | null,
): EndpointPermissions {
  const workload = path.startsWith('/auditLogs') ? 'auditLogs' : 'reports';
  return { id, method, path, workload, application, delegated };
}

const REPORTS = ['Reports.Read.All'];
const AUDIT = ['AuditLog.Read.All'];

export const REPORTS_PERMISSIONS = {
  office365ActiveUserDetail: entry(
    'getOffice365ActiveUserDetail',
    'GET',
    "/reports/getOffice365ActiveUserDetail(period='{period_value}')",
    REPORTS,
    REPORTS,
  ),
  office365ActiveUserDetailByDate: entry(
    'getOffice365ActiveUserDetailByDate',
    'GET',
    '/reports/getOffice365ActiveUserDetail(date={date_value})',
    REPORTS,
    REPORTS,
  ),
  mailboxUsageDetail: entry(
    'getMailboxUsageDetail',
    'GET',
    "/reports/getMailboxUsageDetail(period='{period_value}')",
    REPORTS,
    REPORTS,
  ),
  signIns: entry('listSignIns', 'GET', '/auditLogs/signIns', AUDIT, AUDIT),
  directoryAudits: entry('listDirectoryAudits', 'GET', '/auditLogs/directoryAudits', AUDIT, AUDIT),
} satisfies Record<string, EndpointPermissions>;
