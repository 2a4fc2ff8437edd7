import type { Feature } from '../connections/model.js';
import type { TenantlinkError } from '../errors.js';
import type { GraphClient } from '../graph/client.js';
import type { Finding } from './doctor.js';

export interface ProbeContext {
  graph: GraphClient;
  /** The user whose mailbox, calendar and presence the probes read (`--test-user`). */
  testUser: string | undefined;
}

/** A least-cost live call for one feature; it throws a TenantlinkError when the tenant refuses. */
export interface Probe {
  feature: Feature;
  name: string;
  needsTestUser: boolean;
  run(ctx: ProbeContext & { testUser: string }): Promise<void>;
}

const user = (upn: string) => `/users/${encodeURIComponent(upn)}`;

export const PROBES: readonly Probe[] = [
  {
    feature: 'directory',
    name: 'Read one user',
    needsTestUser: false,
    run: async ({ graph }) => {
      await graph.get('/users', { select: ['id'], query: { $top: 1 }, permission: 'User.Read.All' });
    },
  },
  {
    feature: 'directory',
    name: 'Find the test user',
    needsTestUser: true,
    run: async ({ graph, testUser }) => {
      await graph.get(user(testUser), { select: ['id'], permission: 'User.Read.All' });
    },
  },
  {
    feature: 'mail',
    name: "Read the test user's mailbox",
    needsTestUser: true,
    run: async ({ graph, testUser }) => {
      await graph.get(`${user(testUser)}/mailFolders/inbox/messages`, {
        select: ['id'],
        query: { $top: 1 },
        permission: 'Mail.Read',
      });
    },
  },
  {
    feature: 'calendar',
    name: "Read the test user's free/busy",
    needsTestUser: true,
    run: async ({ graph, testUser }) => {
      const start = new Date();
      const end = new Date(start.getTime() + 3600_000);
      await graph.post(
        `${user(testUser)}/calendar/getSchedule`,
        {
          schedules: [testUser],
          startTime: { dateTime: start.toISOString().slice(0, 19), timeZone: 'UTC' },
          endTime: { dateTime: end.toISOString().slice(0, 19), timeZone: 'UTC' },
          availabilityViewInterval: 60,
        },
        { permission: 'Calendars.Read' },
      );
    },
  },
  {
    feature: 'scan',
    name: 'Read one sign-in log row',
    needsTestUser: false,
    run: async ({ graph }) => {
      await graph.get('/auditLogs/signIns', { query: { $top: 1 }, permission: 'AuditLog.Read.All' });
    },
  },
  {
    feature: 'scan',
    name: 'Read the tenant sharing setting',
    needsTestUser: false,
    run: async ({ graph }) => {
      await graph.get('/admin/sharepoint/settings', {
        select: ['sharingCapability'],
        permission: 'SharePointTenantSettings.Read.All',
      });
    },
  },
];

/** Graph failures a probe can meet, under the codes the doctor documents. */
const PROBE_FINDINGS: Record<string, string> = {
  MAILBOX_NOT_FOUND: 'MAILBOX_NOT_FOUND',
  MAILBOX_ACCESS_DENIED_BY_POLICY: 'MAILBOX_ACCESS_DENIED_BY_POLICY',
  PREMIUM_LICENSE_REQUIRED: 'PREMIUM_LICENSE_REQUIRED',
  ONEDRIVE_NOT_PROVISIONED: 'ONEDRIVE_NOT_PROVISIONED',
  SHARING_DISABLED: 'SHARING_DISABLED',
  PERMISSION_MISSING: 'PERMISSION_MISSING',
  CONSENT_MISSING: 'PERMISSION_MISSING',
  NETWORK_ERROR: 'NETWORK_UNREACHABLE',
};

/** The finding for a probe that failed. A user-addressed probe answered 404 means the test user does not exist. */
export function probeFinding(probe: Probe, err: TenantlinkError, testUser: string | undefined): Finding {
  const code =
    err.code === 'NOT_FOUND' && probe.needsTestUser ? 'USER_NOT_FOUND' : (PROBE_FINDINGS[err.code] ?? 'PROBE_FAILED');
  if (code === 'USER_NOT_FOUND')
    return {
      code,
      severity: 'error',
      feature: probe.feature,
      message: `The test user ${testUser} does not exist in this tenant.`,
      fix: 'Give the user principal name of an existing, licensed user (Users > All users in the Microsoft Entra admin center).',
    };
  const microsoft = err.microsoftCode
    ? ` Microsoft says: ${err.microsoftCode}${err.microsoftMessage ? ` ${err.microsoftMessage}` : ''}`
    : '';
  return {
    code,
    severity: 'error',
    feature: probe.feature,
    message: `${probe.name} failed: ${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft.',
  };
}
