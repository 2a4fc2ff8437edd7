import { randomUUID } from 'node:crypto';
import type { Feature } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import type { GraphClient } from '../graph/client.js';
import type { DoctorRun, Finding } from './findings.js';

export interface ProbeContext {
  graph: GraphClient;
  features: readonly Feature[];
  /** The user whose mailbox, calendar and presence the probes read (`--test-user`). */
  testUser: string | undefined;
  /** The user whose OneDrive the files probe writes its test file to (`--service-account`). */
  serviceAccount: string | undefined;
  /** User IDs already known by lower-cased UPN (a delegated token names its own user). */
  knownUserIds: Record<string, string>;
}

type Who = 'testUser' | 'serviceAccount';

/** What one probe run can use: the context, the user it addresses, and what earlier probes of its feature learnt. */
interface ProbeCall extends ProbeContext {
  who: string;
  state: Map<string, string>;
}

/**
 * A least-cost live call for one feature; it throws a TenantlinkError when the tenant refuses, and may return
 * findings that do not make it fail (a warning).
 */
export interface Probe {
  feature: Feature;
  name: string;
  /** The user the probe addresses, when it needs one. */
  needs?: Who;
  run(call: ProbeCall): Promise<Finding[] | undefined>;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const user = (upn: string) => `/users/${encodeURIComponent(upn)}`;
const FILES = 'Files.ReadWrite.All';

/** Presence is addressed by user ID only (Graph does not take a UPN there), so a UPN is looked up first. */
async function userId(call: ProbeCall): Promise<string> {
  if (GUID.test(call.who)) return call.who;
  const known = call.knownUserIds[call.who.toLowerCase()];
  if (known) return known;
  try {
    const found = await call.graph.get<{ id: string }>(user(call.who), {
      select: ['id'],
      permission: 'User.ReadBasic.All',
    });
    return found.id;
  } catch (err) {
    if (err instanceof TenantlinkError && err.code === 'PERMISSION_MISSING')
      throw new TenantlinkError('TEST_USER_ID_NEEDED', 'The test user could not be looked up by name.', {
        diagnosis: {
          meaning:
            'Presence is read by user ID, and this app may not look users up by their name (no directory permission).',
          fix: "Give the test user's Object ID (Users > the user > Overview) as --test-user, or enable the directory feature.",
        },
      });
    throw err;
  }
}

export const PROBES: readonly Probe[] = [
  {
    feature: 'directory',
    name: 'Read one user',
    run: async ({ graph }) => {
      await graph.get('/users', { select: ['id'], query: { $top: 1 }, permission: 'User.Read.All' });
      return undefined;
    },
  },
  {
    feature: 'directory',
    name: 'Find the test user',
    needs: 'testUser',
    run: async ({ graph, who }) => {
      await graph.get(user(who), { select: ['id'], permission: 'User.Read.All' });
      return undefined;
    },
  },
  {
    feature: 'mail',
    name: "Read the test user's mailbox",
    needs: 'testUser',
    run: async ({ graph, who }) => {
      await graph.get(`${user(who)}/mailFolders/inbox/messages`, {
        select: ['id'],
        query: { $top: 1 },
        permission: 'Mail.Read',
      });
      return undefined;
    },
  },
  {
    feature: 'calendar',
    name: "Read the test user's free/busy",
    needs: 'testUser',
    run: async ({ graph, who }) => {
      const start = new Date();
      const end = new Date(start.getTime() + 3600_000);
      await graph.post(
        `${user(who)}/calendar/getSchedule`,
        {
          schedules: [who],
          startTime: { dateTime: start.toISOString().slice(0, 19), timeZone: 'UTC' },
          endTime: { dateTime: end.toISOString().slice(0, 19), timeZone: 'UTC' },
          availabilityViewInterval: 60,
        },
        { permission: 'Calendars.Read' },
      );
      return undefined;
    },
  },
  {
    feature: 'presence',
    name: "Read the test user's presence",
    needs: 'testUser',
    run: async (call) => {
      await call.graph.get(`/users/${await userId(call)}/presence`, { permission: 'Presence.Read.All' });
      return undefined;
    },
  },
  {
    feature: 'files',
    name: "Open the service account's OneDrive",
    needs: 'serviceAccount',
    run: async ({ graph, who, state }) => {
      const drive = await graph.get<{ id: string }>(`${user(who)}/drive`, { select: ['id'], permission: FILES });
      state.set('driveId', drive.id);
      return undefined;
    },
  },
  {
    feature: 'files',
    name: 'Create a test file and sharing links, then delete it',
    needs: 'serviceAccount',
    run: async ({ graph, state }) => shareTestFile(graph, state.get('driveId')!),
  },
  {
    feature: 'scan',
    name: 'Read one sign-in log row',
    run: async ({ graph }) => {
      await graph.get('/auditLogs/signIns', { query: { $top: 1 }, permission: 'AuditLog.Read.All' });
      return undefined;
    },
  },
  {
    feature: 'scan',
    name: 'Read the tenant sharing setting',
    run: async ({ graph }) => {
      await graph.get('/admin/sharepoint/settings', {
        select: ['sharingCapability'],
        permission: 'SharePointTenantSettings.Read.All',
      });
      return undefined;
    },
  },
];

/**
 * The one change the doctor makes: a small text file in the service account's OneDrive, shared with the organisation
 * and then with anyone, and deleted again whatever happened. Organisation links failing is an error; "Anyone" links
 * being turned off only narrows who can open the links tenantlink creates, so it is a warning.
 */
async function shareTestFile(graph: GraphClient, driveId: string): Promise<Finding[]> {
  const name = `tenantlink-doctor-${randomUUID()}.txt`;
  const drive = `/drives/${encodeURIComponent(driveId)}`;
  const item = await graph.put<{ id: string }>(
    `${drive}/root:/${name}:/content`,
    'A test file from the tenantlink doctor. It deletes it right away; if it is still here, it is safe to delete.',
    { headers: { 'content-type': 'text/plain' }, permission: FILES },
  );
  const findings: Finding[] = [];
  try {
    const link = (scope: string) =>
      graph.post(`${drive}/items/${item.id}/createLink`, { type: 'view', scope }, { permission: FILES });
    await link('organization');
    try {
      await link('anonymous');
    } catch (err) {
      if (!(err instanceof TenantlinkError && err.code === 'SHARING_DISABLED')) throw err;
      findings.push({
        code: 'SHARING_DISABLED',
        severity: 'warning',
        feature: 'files',
        message:
          'The tenant does not allow "Anyone" links: links tenantlink creates open only for people in the organisation.',
        fix: 'If people outside the organisation must open shared files, in the SharePoint admin center open Policies > Sharing and set OneDrive to "Anyone"; otherwise nothing to do.',
      });
    }
  } finally {
    const left = await deleteTestFile(graph, `${drive}/items/${item.id}`, name);
    if (left) findings.push(left);
  }
  return findings;
}

/** Deletes the test file; a warning naming it when that fails, so nobody wonders where it came from. */
async function deleteTestFile(graph: GraphClient, path: string, name: string): Promise<Finding | undefined> {
  try {
    await graph.delete(path, { permission: FILES });
    return undefined;
  } catch (err) {
    if (!(err instanceof TenantlinkError)) throw err;
    return {
      code: 'TEST_FILE_LEFT',
      severity: 'warning',
      feature: 'files',
      message: `The doctor could not delete its test file ${name} from the service account's OneDrive.`,
      fix: `Delete ${name} from the root of the service account's OneDrive.`,
    };
  }
}

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
  TEST_USER_ID_NEEDED: 'TEST_USER_ID_NEEDED',
};
const WARNINGS = new Set(['TEST_USER_ID_NEEDED']);

/** The finding for a probe that failed. A user-addressed probe answered 404 means that user does not exist. */
export function probeFinding(probe: Probe, err: TenantlinkError, who: string | undefined): Finding {
  const code =
    err.code === 'NOT_FOUND' && probe.needs ? 'USER_NOT_FOUND' : (PROBE_FINDINGS[err.code] ?? 'PROBE_FAILED');
  if (code === 'USER_NOT_FOUND')
    return {
      code,
      severity: 'error',
      feature: probe.feature,
      message: `The ${probe.needs === 'serviceAccount' ? 'service account' : 'test user'} ${who} does not exist in this tenant.`,
      fix: 'Give the user principal name of an existing, licensed user (Users > All users in the Microsoft Entra admin center).',
    };
  const microsoft = err.microsoftCode
    ? ` Microsoft says: ${err.microsoftCode}${err.microsoftMessage ? ` ${err.microsoftMessage}` : ''}`
    : '';
  return {
    code,
    severity: WARNINGS.has(code) ? 'warning' : 'error',
    feature: probe.feature,
    message: `${probe.name} failed: ${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft.',
  };
}

const MISSING_USER: Record<Who, { code: string; flag: string; what: string }> = {
  testUser: { code: 'TEST_USER_MISSING', flag: '--test-user', what: 'a real mailbox, calendar or presence' },
  serviceAccount: { code: 'SERVICE_ACCOUNT_MISSING', flag: '--service-account', what: "a real user's OneDrive" },
};

/**
 * One live call per enabled feature whose permissions are granted. A feature already failing on permissions is not
 * probed, and once one of a feature's probes fails its later probes are skipped (they depend on it).
 */
export async function runProbes(run: DoctorRun, ctx: ProbeContext): Promise<void> {
  const blocked = (feature: Feature) =>
    run.has(
      (f) =>
        f.code === 'CONSENT_MISSING' ||
        ((f.code === 'PERMISSION_MISSING' || f.code === 'WRONG_PERMISSION_TYPE') && f.feature === feature),
    );
  const failed = new Set<Feature>();
  const warned = new Set<string>();
  const state = new Map<string, string>();
  for (const probe of PROBES) {
    if (!ctx.features.includes(probe.feature)) continue;
    if (blocked(probe.feature) || failed.has(probe.feature)) {
      run.check(probe.name, 'skipped');
      continue;
    }
    const who = probe.needs ? ctx[probe.needs] : undefined;
    if (probe.needs && !who) {
      run.check(probe.name, 'skipped');
      // Only a feature that cannot be tried at all without that user is worth a warning.
      const triedWithout = PROBES.some((p) => p.feature === probe.feature && !p.needs);
      const missing = MISSING_USER[probe.needs];
      if (!triedWithout && !warned.has(probe.feature)) {
        warned.add(probe.feature);
        run.add({
          code: missing.code,
          severity: 'warning',
          feature: probe.feature,
          message: `${probe.feature} was not tried on ${missing.what}: no ${missing.flag.slice(2).replace('-', ' ')} was given.`,
          fix: `Run the doctor again with ${missing.flag} <user principal name of a licensed user>.`,
        });
      }
      continue;
    }
    try {
      const extra = await probe.run({ ...ctx, who: who ?? '', state });
      run.check(probe.name, 'pass');
      if (extra) run.add(...extra);
    } catch (err) {
      if (!(err instanceof TenantlinkError)) throw err;
      run.check(probe.name, 'fail');
      failed.add(probe.feature);
      run.add(probeFinding(probe, err, who));
    }
  }
}
