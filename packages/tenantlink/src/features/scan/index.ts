import { defineFeature, need } from '../feature.js';

const scanNeeds = [
  need('Directory.Read.All', 'read users, groups, roles, applications and domains', 'Directory.ReadWrite.All'),
  need('AuditLog.Read.All', 'read sign-in logs'),
  need('Reports.Read.All', 'read usage reports'),
  need('Policy.Read.All', 'read conditional access and authorization policies'),
  need(
    'SharePointTenantSettings.Read.All',
    'read the tenant sharing settings',
    'SharePointTenantSettings.ReadWrite.All',
  ),
];

/** The read-only governance scan of a tenant. */
export const scan = defineFeature({
  name: 'scan',
  title: 'Tenant scan (read-only)',
  guide:
    "reads your tenant's configuration, policies, roles and sign-in logs to report on its security posture, changing nothing",
  permissions: { application: scanNeeds, delegated: scanNeeds },
  graphRoutes: [
    { path: '/auditLogs', permission: 'AuditLog.Read.All' },
    { path: '/reports', permission: 'Reports.Read.All' },
    { path: '/admin/sharepoint/settings', permission: 'SharePointTenantSettings.Read.All' },
    { path: '/policies', permission: 'Policy.Read.All' },
    { path: '/identity/conditionalAccess', permission: 'Policy.Read.All' },
    { path: '/roleManagement', permission: 'Directory.Read.All' },
    { path: '/directoryRoles', permission: 'Directory.Read.All' },
    { path: '/applications', permission: 'Directory.Read.All' },
    { path: '/servicePrincipals', permission: 'Directory.Read.All' },
    { path: '/domains', permission: 'Directory.Read.All' },
    { path: '/organization', permission: 'Directory.Read.All' },
  ],
  probes: [
    {
      name: 'Read one sign-in log row',
      call: { method: 'GET', route: '/auditLogs/signIns', permission: 'AuditLog.Read.All' },
      run: async ({ graph, permission }) => {
        await graph.get('/auditLogs/signIns', { query: { $top: 1 }, permission });
        return undefined;
      },
    },
    {
      name: 'Read the tenant sharing setting',
      call: { method: 'GET', route: '/admin/sharepoint/settings', permission: 'SharePointTenantSettings.Read.All' },
      run: async ({ graph, permission }) => {
        await graph.get('/admin/sharepoint/settings', { select: ['sharingCapability'], permission });
        return undefined;
      },
    },
  ],
});
