import type { FastifyInstance } from 'fastify';
import type { Tenant, User } from '../../tenant/model.js';
import type { GraphCall, GraphContext } from '../context.js';
import { GraphError } from '../errors.js';
import { type CollectionSpec, listCollection } from '../odata/collection.js';
import type { FilterCapabilities, FilterOperator, PropertyCapability } from '../odata/filter/index.js';
import { graphRoute } from '../route.js';
import { REPORTS_PERMISSIONS as P } from './permissions.js';
import { DAY_MS, pick, randomGuid, seededRandom } from './random.js';

/**
 * Entra ID activity logs: sign-ins (`/auditLogs/signIns`) and directory audits (`/auditLogs/directoryAudits`),
 * synthetic but deterministic per tenant and user, covering the 30 days before the tenant's logs were first read.
 * Sign-ins need Entra ID P1/P2 (tenant.settings.premiumLicense); without it directory audits keep 7 days.
 */

const RETENTION_DAYS = 30;
const FREE_AUDIT_RETENTION_DAYS = 7;
const PAGE_SIZE = 1_000;

// ---- premium and permission checks -----------------------------------------------------------------------------

/** Sign-in logs and users' signInActivity need an Entra ID P1/P2 tenant. */
export function assertPremiumTenant(tenant: Tenant): void {
  if (tenant.settings.premiumLicense === false) {
    throw new GraphError(
      403,
      'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
      "Neither tenant is B2C or tenant doesn't have premium license",
    );
  }
}

/**
 * AuditLog.Read.All itself is checked by the route (its denial names the permission, as Graph's does); a delegated
 * caller also needs a directory role that may read the logs.
 */
export function assertAuditLogReader(call: GraphCall): void {
  // Delegated callers also need a role that may read the logs (only Global Administrator is modelled).
  if (call.caller.kind === 'user' && !(call.caller.user && call.ctx.directory.isAdmin(call.caller.user))) {
    throw new GraphError(403, 'Authentication_RequestFromUnsupportedUserRole', 'User is not in the allowed roles');
  }
}

// ---- state -----------------------------------------------------------------------------------------------------

interface ClientApp {
  appId: string;
  displayName: string;
  clientAppUsed: string;
  resourceId: string;
  resourceDisplayName: string;
}

const GRAPH_RESOURCE = ['00000003-0000-0000-c000-000000000000', 'Microsoft Graph'] as const;
const EXCHANGE_RESOURCE = ['00000002-0000-0ff1-ce00-000000000000', 'Office 365 Exchange Online'] as const;
const SHAREPOINT_RESOURCE = ['00000003-0000-0ff1-ce00-000000000000', 'Office 365 SharePoint Online'] as const;

function clientApp(
  appId: string,
  displayName: string,
  clientAppUsed: string,
  [resourceId, resourceDisplayName]: readonly [string, string],
): ClientApp {
  return { appId, displayName, clientAppUsed, resourceId, resourceDisplayName };
}

const DESKTOP = 'Mobile Apps and Desktop clients';
const CLIENT_APPS: ClientApp[] = [
  clientApp('1fec8e78-bce4-4aaf-ab1b-5451cc387264', 'Microsoft Teams', DESKTOP, GRAPH_RESOURCE),
  clientApp('d3590ed6-52b3-4102-aeff-aad2292ab01c', 'Microsoft Office', DESKTOP, EXCHANGE_RESOURCE),
  clientApp('89bee1f7-5e6e-4d8a-9f3d-ecd601259da7', 'Office365 Shell WCSS-Client', 'Browser', GRAPH_RESOURCE),
  clientApp('ab9b8c07-8f02-4f72-87fa-80105867a763', 'OneDrive SyncEngine', DESKTOP, SHAREPOINT_RESOURCE),
  clientApp('29d9ed98-a469-4536-ade2-f981bc1d605e', 'Microsoft Authentication Broker', DESKTOP, GRAPH_RESOURCE),
  clientApp('c44b4083-3bb0-49c1-b47d-974e53cbdf3c', 'Azure Portal', 'Browser', [
    '797f4846-ba00-4fd7-ba43-dac1f8f63013',
    'Windows Azure Service Management API',
  ]),
];

const FAILURES: [number, string, string][] = [
  // [errorCode, failureReason, conditionalAccessStatus]
  [50126, 'Error validating credentials due to invalid username or password.', 'notApplied'],
  [50074, 'Strong Authentication is required.', 'notApplied'],
  [50140, "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.", 'notApplied'],
  [
    53003,
    'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
    'failure',
  ],
];
const DISABLED: [number, string, string] = [
  50057,
  'User account is disabled. The account has been disabled by an administrator.',
  'notApplied',
];

const DEVICES = [
  { operatingSystem: 'Windows10', browser: 'Edge 124.0.0' },
  { operatingSystem: 'Windows10', browser: 'Rich Client 5.2.0' },
  { operatingSystem: 'MacOs', browser: 'Safari 17.4' },
  { operatingSystem: 'Ios', browser: 'Mobile Safari' },
  { operatingSystem: 'Android', browser: 'Rich Client 4.0.1' },
];

const PLACES = [
  { city: 'London', state: 'London', countryOrRegion: 'GB', latitude: 51.5072, longitude: -0.1276 },
  { city: 'Seattle', state: 'Washington', countryOrRegion: 'US', latitude: 47.6062, longitude: -122.3321 },
  { city: 'Berlin', state: 'Berlin', countryOrRegion: 'DE', latitude: 52.52, longitude: 13.405 },
  { city: 'Amsterdam', state: 'Noord-Holland', countryOrRegion: 'NL', latitude: 52.3676, longitude: 4.9041 },
];

interface SignInRecord {
  id: string;
  at: number;
  userId: string;
  userPrincipalName: string;
  userDisplayName: string;
  app: ClientApp;
  interactive: boolean;
  status: [number, string, string] | null;
  ipAddress: string;
  correlationId: string;
  device: (typeof DEVICES)[number];
  place: (typeof PLACES)[number];
}

interface DirectoryAuditRecord {
  id: string;
  at: number;
  category: string;
  activityDisplayName: string;
  operationType: string;
  correlationId: string;
  initiatedBy: Record<string, unknown>;
  targetResources: Record<string, unknown>[];
}

interface AuditState {
  /** The logs end here: the first time this tenant's logs were read. */
  anchorMs: number;
  perUser: Map<string, SignInRecord[]>;
  signIns?: { users: number; records: SignInRecord[] };
  audits?: { users: number; records: DirectoryAuditRecord[] };
}

const states = new WeakMap<Tenant, AuditState>();

function stateOf(tenant: Tenant, nowMs: number): AuditState {
  let state = states.get(tenant);
  if (!state) {
    state = { anchorMs: nowMs, perUser: new Map() };
    states.set(tenant, state);
  }
  return state;
}

function generateSignIns(tenant: Tenant, user: User, anchorMs: number): SignInRecord[] {
  const random = seededRandom(`${tenant.id}/${user.id}/signins`);
  const created = Date.parse(user.createdDateTime);
  const count = user.accountEnabled ? Math.floor(random() * 6) : random() < 0.3 ? 1 : 0;
  const homeIp = `203.0.113.${1 + Math.floor(random() * 250)}`;
  const home = user.city ? PLACES.find((p) => p.city === user.city) : undefined;
  const records: SignInRecord[] = [];
  for (let i = 0; i < count; i++) {
    const at = Math.floor(anchorMs - random() * RETENTION_DAYS * DAY_MS);
    const roll = random();
    const status = !user.accountEnabled ? DISABLED : roll < 0.88 ? null : pick(random, FAILURES);
    const record: SignInRecord = {
      id: randomGuid(random),
      at,
      userId: user.id,
      userPrincipalName: user.userPrincipalName,
      userDisplayName: user.displayName,
      app: pick(random, CLIENT_APPS),
      interactive: random() < 0.65,
      status,
      ipAddress: random() < 0.7 ? homeIp : `198.51.100.${1 + Math.floor(random() * 250)}`,
      correlationId: randomGuid(random),
      device: pick(random, DEVICES),
      place: home ?? pick(random, PLACES),
    };
    if (at >= created) records.push(record);
  }
  return records.sort((a, b) => b.at - a.at);
}

function signInsOfUser(tenant: Tenant, user: User, nowMs: number): SignInRecord[] {
  const state = stateOf(tenant, nowMs);
  let records = state.perUser.get(user.id);
  if (!records) {
    records = generateSignIns(tenant, user, state.anchorMs);
    state.perUser.set(user.id, records);
  }
  return records;
}

/** Every user's sign-ins, newest first; rebuilt when users were added or removed. */
function allSignIns(tenant: Tenant, nowMs: number): SignInRecord[] {
  const state = stateOf(tenant, nowMs);
  if (state.signIns?.users !== tenant.users.size) {
    const records = [...tenant.users.values()].flatMap((user) => signInsOfUser(tenant, user, nowMs));
    records.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id));
    state.signIns = { users: tenant.users.size, records };
  }
  return state.signIns.records;
}

/** What `signInActivity` on a user shows, from the user's seeded sign-ins; null if they never signed in. */
export function signInActivityOf(
  tenant: Tenant,
  userId: string,
  nowMs: number = Date.now(),
): {
  lastSignInDateTime: string | null;
  lastSignInRequestId: string | null;
  lastNonInteractiveSignInDateTime: string | null;
  lastNonInteractiveSignInRequestId: string | null;
  lastSuccessfulSignInDateTime: string | null;
  lastSuccessfulSignInRequestId: string | null;
} | null {
  const user = tenant.users.get(userId.toLowerCase());
  const records = user ? signInsOfUser(tenant, user, nowMs) : [];
  if (records.length === 0) return null;
  // Records are newest first, so the first match is the latest.
  const interactive = records.find((r) => r.interactive);
  const nonInteractive = records.find((r) => !r.interactive);
  const successful = records.find((r) => r.status === null);
  const iso = (r: SignInRecord | undefined) => (r ? new Date(r.at).toISOString() : null);
  return {
    lastSignInDateTime: iso(interactive),
    lastSignInRequestId: interactive?.id ?? null,
    lastNonInteractiveSignInDateTime: iso(nonInteractive),
    lastNonInteractiveSignInRequestId: nonInteractive?.id ?? null,
    lastSuccessfulSignInDateTime: iso(successful),
    lastSuccessfulSignInRequestId: successful?.id ?? null,
  };
}

function signInJson(r: SignInRecord): Record<string, unknown> {
  const [errorCode, failureReason, conditionalAccessStatus] = r.status ?? [0, 'Other.', 'success'];
  return {
    id: r.id,
    createdDateTime: new Date(r.at).toISOString(),
    userDisplayName: r.userDisplayName,
    userPrincipalName: r.userPrincipalName,
    userId: r.userId,
    appId: r.app.appId,
    appDisplayName: r.app.displayName,
    ipAddress: r.ipAddress,
    clientAppUsed: r.app.clientAppUsed,
    correlationId: r.correlationId,
    conditionalAccessStatus,
    isInteractive: r.interactive,
    riskDetail: 'none',
    riskLevelAggregated: 'none',
    riskLevelDuringSignIn: 'none',
    riskState: 'none',
    riskEventTypes: [],
    riskEventTypes_v2: [],
    resourceDisplayName: r.app.resourceDisplayName,
    resourceId: r.app.resourceId,
    status: { errorCode, failureReason, additionalDetails: null },
    deviceDetail: {
      deviceId: '',
      displayName: '',
      operatingSystem: r.device.operatingSystem,
      browser: r.device.browser,
      isCompliant: false,
      isManaged: false,
      trustType: '',
    },
    location: {
      city: r.place.city,
      state: r.place.state,
      countryOrRegion: r.place.countryOrRegion,
      geoCoordinates: { altitude: null, latitude: r.place.latitude, longitude: r.place.longitude },
    },
    appliedConditionalAccessPolicies: [],
  };
}

// ---- directory audits ------------------------------------------------------------------------------------------

function auditId(random: () => number): string {
  const letters = Array.from({ length: 5 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(random() * 36)]);
  return `Directory_${letters.join('')}_${10_000_000 + Math.floor(random() * 89_999_999)}`;
}

function userTarget(user: User, modified: { displayName: string; oldValue: string | null; newValue: string }[]) {
  return {
    id: user.id,
    displayName: null,
    type: 'User',
    userPrincipalName: user.userPrincipalName,
    groupType: null,
    modifiedProperties: modified,
  };
}

function generateAudits(tenant: Tenant, anchorMs: number): DirectoryAuditRecord[] {
  const admin = [...tenant.users.values()].find((u) => u.directoryRoleIds.length > 0);
  const initiatedBy = admin
    ? {
        app: null,
        user: { id: admin.id, displayName: null, userPrincipalName: admin.userPrincipalName, ipAddress: '' },
      }
    : {
        app: { appId: null, displayName: 'Microsoft Substrate Management', servicePrincipalId: null },
        user: null,
      };
  const groups = [...tenant.groups.values()];
  const records: DirectoryAuditRecord[] = [];
  const since = anchorMs - RETENTION_DAYS * DAY_MS;
  for (const user of tenant.users.values()) {
    const random = seededRandom(`${tenant.id}/${user.id}/audits`);
    const created = Date.parse(user.createdDateTime);
    const at = () => Math.floor(Math.max(since, created) + random() * (anchorMs - Math.max(since, created)));
    const add = (category: string, activityDisplayName: string, operationType: string, targets: unknown[]) =>
      records.push({
        id: auditId(random),
        at: at(),
        category,
        activityDisplayName,
        operationType,
        correlationId: randomGuid(random),
        initiatedBy,
        targetResources: targets as Record<string, unknown>[],
      });
    if (created > anchorMs) continue;
    if (created >= since) {
      add('UserManagement', 'Add user', 'Add', [userTarget(user, [])]);
      records.at(-1)!.at = created;
    }
    if (random() < 0.25) {
      add('UserManagement', 'Update user', 'Update', [
        userTarget(user, [{ displayName: 'Included Updated Properties', oldValue: null, newValue: '"JobTitle"' }]),
      ]);
    }
    if (random() < 0.08) add('UserManagement', 'Reset user password', 'Update', [userTarget(user, [])]);
    const group = groups.length > 0 && random() < 0.15 ? pick(random, groups) : undefined;
    if (group) {
      add('GroupManagement', 'Add member to group', 'Assign', [
        userTarget(user, [{ displayName: 'Group.DisplayName', oldValue: null, newValue: `"${group.displayName}"` }]),
        { id: group.id, displayName: group.displayName, type: 'Group', groupType: null, modifiedProperties: [] },
      ]);
    }
  }
  return records.sort((a, b) => b.at - a.at || a.id.localeCompare(b.id));
}

function allAudits(tenant: Tenant, nowMs: number): DirectoryAuditRecord[] {
  const state = stateOf(tenant, nowMs);
  if (state.audits?.users !== tenant.users.size) {
    state.audits = { users: tenant.users.size, records: generateAudits(tenant, state.anchorMs) };
  }
  return state.audits.records;
}

function auditJson(r: DirectoryAuditRecord): Record<string, unknown> {
  return {
    id: r.id,
    category: r.category,
    correlationId: r.correlationId,
    result: 'success',
    resultReason: '',
    activityDisplayName: r.activityDisplayName,
    activityDateTime: new Date(r.at).toISOString(),
    loggedByService: 'Core Directory',
    operationType: r.operationType,
    initiatedBy: r.initiatedBy,
    targetResources: r.targetResources,
    additionalDetails: [],
  };
}

// ---- collections -----------------------------------------------------------------------------------------------

const cap = (type: PropertyCapability['type'], basic: FilterOperator[]): PropertyCapability => ({ type, basic });
const DATE_OPS: FilterOperator[] = ['eq', 'ge', 'le', 'gt', 'lt'];
const TEXT_OPS: FilterOperator[] = ['eq', 'startsWith'];

const SIGN_IN_FILTER: FilterCapabilities = {
  resource: 'signIn',
  properties: {
    id: cap('string', ['eq']),
    createdDateTime: cap('datetime', DATE_OPS),
    userId: cap('string', ['eq']),
    userPrincipalName: cap('string', TEXT_OPS),
    userDisplayName: cap('string', TEXT_OPS),
    appId: cap('string', ['eq']),
    appDisplayName: cap('string', TEXT_OPS),
    ipAddress: cap('string', TEXT_OPS),
    clientAppUsed: cap('string', ['eq']),
    correlationId: cap('string', ['eq']),
    conditionalAccessStatus: cap('string', ['eq']),
    isInteractive: cap('boolean', ['eq']),
    resourceId: cap('string', ['eq']),
    resourceDisplayName: cap('string', ['eq']),
    'status/errorCode': cap('number', ['eq']),
    'location/city': cap('string', TEXT_OPS),
    'location/countryOrRegion': cap('string', TEXT_OPS),
  },
};

const AUDIT_FILTER: FilterCapabilities = {
  resource: 'directoryAudit',
  properties: {
    id: cap('string', ['eq']),
    activityDateTime: cap('datetime', DATE_OPS),
    category: cap('string', ['eq']),
    activityDisplayName: cap('string', TEXT_OPS),
    loggedByService: cap('string', ['eq']),
    operationType: cap('string', ['eq']),
    result: cap('string', ['eq']),
    correlationId: cap('string', ['eq']),
    'initiatedBy/user/id': cap('string', ['eq']),
    'initiatedBy/user/userPrincipalName': cap('string', TEXT_OPS),
    'initiatedBy/app/appId': cap('string', ['eq']),
    'initiatedBy/app/displayName': cap('string', ['eq']),
    targetResources: {
      type: 'objectCollection',
      basic: ['any'],
      item: {
        id: cap('string', ['eq']),
        displayName: cap('string', TEXT_OPS),
        userPrincipalName: cap('string', TEXT_OPS),
      },
    },
  },
};

function logSpec<T>(
  context: string,
  typeName: string,
  properties: readonly string[],
  filter: FilterCapabilities,
  toJson: (item: T) => Record<string, unknown>,
  version: string,
): CollectionSpec<T> {
  return { context, typeName, defaultTop: PAGE_SIZE, maxTop: PAGE_SIZE, properties, filter, toJson, version };
}

const SIGN_IN_PROPERTIES = [
  'id',
  'createdDateTime',
  'userDisplayName',
  'userPrincipalName',
  'userId',
  'appId',
  'appDisplayName',
  'ipAddress',
  'clientAppUsed',
  'correlationId',
  'conditionalAccessStatus',
  'isInteractive',
  'riskDetail',
  'riskLevelAggregated',
  'riskLevelDuringSignIn',
  'riskState',
  'riskEventTypes',
  'riskEventTypes_v2',
  'resourceDisplayName',
  'resourceId',
  'status',
  'deviceDetail',
  'location',
  'appliedConditionalAccessPolicies',
];
const AUDIT_PROPERTIES = [
  'id',
  'category',
  'correlationId',
  'result',
  'resultReason',
  'activityDisplayName',
  'activityDateTime',
  'loggedByService',
  'operationType',
  'initiatedBy',
  'targetResources',
  'additionalDetails',
];

export function registerAuditLogRoutes(app: FastifyInstance, ctx: GraphContext): void {
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/auditLogs/signIns',
    permissions: P.signIns,
    handler: (call) => {
      assertAuditLogReader(call);
      assertPremiumTenant(call.tenant);
      const now = call.ctx.clock.now();
      const records = allSignIns(call.tenant, now);
      return listCollection(
        call,
        records,
        logSpec('auditLogs/signIns', 'signIn', SIGN_IN_PROPERTIES, SIGN_IN_FILTER, signInJson, `${records.length}`),
      );
    },
  });
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/auditLogs/directoryAudits',
    permissions: P.directoryAudits,
    handler: (call) => {
      assertAuditLogReader(call);
      const now = call.ctx.clock.now();
      let records = allAudits(call.tenant, now);
      // Without Entra ID P1/P2 the audit log keeps 7 days.
      if (call.tenant.settings.premiumLicense === false) {
        const since = now - FREE_AUDIT_RETENTION_DAYS * DAY_MS;
        records = records.filter((r) => r.at >= since);
      }
      const version = `${records.length}/${records[0]?.id}`;
      return listCollection(
        call,
        records,
        logSpec('auditLogs/directoryAudits', 'directoryAudit', AUDIT_PROPERTIES, AUDIT_FILTER, auditJson, version),
      );
    },
  });
}
