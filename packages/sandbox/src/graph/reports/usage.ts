import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Tenant, User } from '../../tenant/model.js';
import type { GraphCall, GraphContext, GraphResult } from '../context.js';
import { GraphError } from '../errors.js';
import { openToken, sealToken } from '../odata/tokens.js';
import { graphRoute } from '../route.js';
import { USAGE_REPORTS_LIMIT } from '../traffic/throttling.js';
import { REPORTS_PERMISSIONS as P } from './permissions.js';
import { DAY_MS, isoDate, seededRandom } from './random.js';

/**
 * Microsoft 365 usage reports: `GET /reports/{report}(period='D7')` answers 302 with a pre-authenticated download
 * URL (valid a few minutes, no bearer token), which serves the CSV. Activity is synthetic but deterministic: per
 * user and service a daily activity rate from the seed, evaluated day by day against the sandbox clock.
 */

const PERIODS = ['D7', 'D30', 'D90', 'D180'];
/** Graph answers dated requests for the past 28 days only (observed; the docs say 30). */
const DATE_WINDOW_DAYS = 28;
const DOWNLOAD_LIFETIME_MS = 5 * 60_000;
/** How far back "last activity" is looked for. */
const ACTIVITY_HISTORY_DAYS = 180;

const SERVICES = ['Exchange', 'OneDrive', 'SharePoint', 'Skype For Business', 'Yammer', 'Teams'] as const;
/** Typical share of days a licensed, engaged user touches each service. */
const SERVICE_RATES = [0.85, 0.45, 0.35, 0.02, 0.04, 0.7];

const PRODUCT_NAMES: Record<string, string> = {
  '6fd2c87f-b296-42f0-b197-1e91e994b900': 'OFFICE 365 E3',
  '06ebc4ee-1bb5-47dd-8120-11324bc54e06': 'MICROSOFT 365 E5',
};

/** Exchange Online's default mailbox quotas (bytes): 98 GB warning, 99 GB send, 100 GB send/receive, 30 GB deleted items. */
const MAILBOX_QUOTAS = {
  warning: 105_226_698_752,
  send: 106_300_440_576,
  sendReceive: 107_374_182_400,
  deleted: 32_212_254_720,
};

const OFFICE365_ACTIVE_USER_HEADER = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  ...SERVICES.map((s) => `Has ${s} License`),
  ...SERVICES.map((s) => `${s} Last Activity Date`),
  ...SERVICES.map((s) => `${s} License Assign Date`),
  'Assigned Products',
];

const MAILBOX_USAGE_HEADER = [
  'Report Refresh Date',
  'User Principal Name',
  'Display Name',
  'Is Deleted',
  'Deleted Date',
  'Created Date',
  'Last Activity Date',
  'Item Count',
  'Storage Used (Byte)',
  'Issue Warning Quota (Byte)',
  'Prohibit Send Quota (Byte)',
  'Prohibit Send/Receive Quota (Byte)',
  'Deleted Item Count',
  'Deleted Item Size (Byte)',
  'Deleted Item Quota (Byte)',
  'Has Archive',
  'Report Period',
];

interface ReportRequest {
  report: ReportDefinition;
  period: string | null;
  date: string | null;
}

interface ReportDefinition {
  name: string;
  parameters: ('period' | 'date')[];
  header: string[];
  rows: (tenant: Tenant, request: DownloadState) => string[][];
}

/** What a download URL carries, sealed: the tenant, report, its parameter, refresh date and expiry. */
interface DownloadState {
  t: string;
  r: string;
  p: string | null;
  d: string | null;
  refresh: string;
  exp: number;
}

// ---- synthetic activity ----------------------------------------------------------------------------------------

function hash32(value: number): number {
  let h = value | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

interface ActivityProfile {
  seed: number;
  rates: number[];
  createdDay: number;
}

function activityProfile(tenant: Tenant, user: User): ActivityProfile {
  const random = seededRandom(`${tenant.id}/${user.id}/usage`);
  const licensed = user.assignedLicenses.length > 0 && user.accountEnabled;
  // About one licensed user in ten never uses anything; the others vary in how busy they are.
  const engagement = random() < 0.1 ? 0 : 0.4 + random() * 0.8;
  return {
    seed: Math.floor(random() * 2 ** 32),
    rates: SERVICE_RATES.map((rate) => (licensed ? Math.min(0.98, rate * engagement) : 0)),
    createdDay: Math.floor(Date.parse(user.createdDateTime) / DAY_MS),
  };
}

function activeOn(profile: ActivityProfile, service: number, day: number): boolean {
  if (day < profile.createdDay || profile.rates[service] === 0) return false;
  const roll = hash32(profile.seed ^ Math.imul(day, 0x9e3779b1) ^ Math.imul(service + 1, 0x27d4eb2f)) / 2 ** 32;
  return roll < profile.rates[service]!;
}

/** The last day up to `asOfDay` the user was active in the service, or '' if not in the last 180 days. */
function lastActivity(profile: ActivityProfile, service: number, asOfDay: number): string {
  if (profile.rates[service] === 0) return '';
  for (let day = asOfDay; day > asOfDay - ACTIVITY_HISTORY_DAYS && day >= profile.createdDay; day--) {
    if (activeOn(profile, service, day)) return isoDate(day * DAY_MS);
  }
  return '';
}

const dayOf = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / DAY_MS);
const yesNo = (value: boolean) => (value ? 'True' : 'False');

function office365ActiveUserRows(tenant: Tenant, request: DownloadState): string[][] {
  const asOfDay = dayOf(request.d ?? request.refresh);
  const rows: string[][] = [];
  for (const user of tenant.users.values()) {
    const profile = activityProfile(tenant, user);
    // A dated report lists the users who did something that day.
    if (request.d !== null && !SERVICES.some((_, s) => activeOn(profile, s, asOfDay))) continue;
    const licensed = user.assignedLicenses.length > 0;
    const assigned = licensed ? isoDate(Date.parse(user.createdDateTime)) : '';
    rows.push([
      request.refresh,
      user.userPrincipalName,
      user.displayName,
      'False',
      '',
      ...SERVICES.map(() => yesNo(licensed)),
      ...SERVICES.map((_, s) => lastActivity(profile, s, asOfDay)),
      ...SERVICES.map(() => assigned),
      user.assignedLicenses.map((l) => PRODUCT_NAMES[l.skuId] ?? l.skuId).join('+'),
    ]);
  }
  return rows;
}

function mailboxUsageRows(tenant: Tenant, request: DownloadState): string[][] {
  const refreshDay = dayOf(request.refresh);
  const rows: string[][] = [];
  for (const user of tenant.users.values()) {
    if (!user.mailboxEnabled) continue;
    const random = seededRandom(`${tenant.id}/${user.id}/mailbox`);
    const items = 500 + Math.floor(random() * 60_000);
    const deletedItems = Math.floor(random() * 3_000);
    rows.push([
      request.refresh,
      user.userPrincipalName,
      user.displayName,
      'False',
      '',
      isoDate(Date.parse(user.createdDateTime)),
      lastActivity(activityProfile(tenant, user), 0, refreshDay),
      String(items),
      String(items * (40_000 + Math.floor(random() * 110_000))),
      String(MAILBOX_QUOTAS.warning),
      String(MAILBOX_QUOTAS.send),
      String(MAILBOX_QUOTAS.sendReceive),
      String(deletedItems),
      String(deletedItems * (20_000 + Math.floor(random() * 80_000))),
      String(MAILBOX_QUOTAS.deleted),
      yesNo(random() < 0.2),
      request.p!.slice(1),
    ]);
  }
  return rows;
}

const REPORTS: ReportDefinition[] = [
  {
    name: 'getOffice365ActiveUserDetail',
    parameters: ['period', 'date'],
    header: OFFICE365_ACTIVE_USER_HEADER,
    rows: office365ActiveUserRows,
  },
  { name: 'getMailboxUsageDetail', parameters: ['period'], header: MAILBOX_USAGE_HEADER, rows: mailboxUsageRows },
];

// ---- CSV -------------------------------------------------------------------------------------------------------

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The report file: UTF-8 with a byte-order mark, as Microsoft's downloads start with one. */
export function reportCsv(header: string[], rows: string[][]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}

// ---- request parsing -------------------------------------------------------------------------------------------

const segmentNotFound = (segment: string) =>
  new GraphError(400, 'BadRequest', `Resource not found for the segment '${segment}'.`);

/** The function segment after /reports/, decoded (clients may percent-encode quotes and parentheses). */
function reportSegment(call: GraphCall): string {
  const raw = call.params['*'] ?? '';
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The report name of a segment, for the per-report quota (before the request is validated). */
function reportNameOf(segment: string): string {
  return /^(?:microsoft\.graph\.)?([A-Za-z0-9]+)/.exec(segment)?.[1]?.toLowerCase() ?? '';
}

function parseReportRequest(segment: string, nowMs: number): ReportRequest {
  const match = /^(?:microsoft\.graph\.)?([A-Za-z0-9]+)\((.*)\)$/s.exec(segment);
  const name = match?.[1] ?? segment.split(/[/(]/)[0]!;
  const report = REPORTS.find((r) => r.name.toLowerCase() === name.toLowerCase());
  if (!match || !report || segment.includes('/')) throw segmentNotFound(name);
  const args = match[2]!.split(',').map((part) => {
    const [key = '', ...rest] = part.split('=');
    return {
      key: key.trim(),
      value: rest
        .join('=')
        .trim()
        .replace(/^'(.*)'$/, '$1'),
    };
  });
  const arg = args[0];
  if (args.length !== 1 || !arg || !report.parameters.includes(arg.key as 'period' | 'date')) {
    throw segmentNotFound(report.name);
  }
  if (arg.key === 'period') {
    if (!PERIODS.includes(arg.value)) {
      throw new GraphError(400, 'InvalidArgument', `Invalid period value specified: ${arg.value}.`);
    }
    return { report, period: arg.value, date: null };
  }
  assertDateInWindow(arg.value, nowMs);
  return { report, period: null, date: arg.value };
}

function assertDateInWindow(date: string, nowMs: number): void {
  const today = Math.floor(nowMs / DAY_MS);
  const day = /^\d{4}-\d{2}-\d{2}$/.test(date) ? dayOf(date) : Number.NaN;
  if (Number.isNaN(day) || isoDate(day * DAY_MS) !== date || day >= today || day < today - (DATE_WINDOW_DAYS - 1)) {
    throw new GraphError(
      400,
      'InvalidArgument',
      `Invalid date value specified: ${date}. Only support data for the past ${DATE_WINDOW_DAYS} days.`,
    );
  }
}

/** Delegated callers need an administrator role that may read usage reports (only Global Administrator is modelled). */
function assertReportReader(call: GraphCall): void {
  if (call.caller.kind === 'user' && !(call.caller.user && call.ctx.directory.isAdmin(call.caller.user))) {
    throw new GraphError(403, 'S2SUnauthorized', 'Invalid permission.');
  }
}

function redirectToDownload(call: GraphCall, request: ReportRequest): GraphResult {
  const now = call.ctx.clock.now();
  const state: DownloadState = {
    t: call.tenant.id,
    r: request.report.name,
    p: request.period,
    d: request.date,
    refresh: isoDate(now - DAY_MS),
    exp: now + DOWNLOAD_LIFETIME_MS,
  };
  const token = sealToken(call.ctx.tokenKey, state);
  return {
    status: 302,
    headers: { location: `${call.origin}/data/download/${token}` },
    contentType: 'text/plain',
    body: '',
  };
}

export function registerUsageReportRoutes(app: FastifyInstance, ctx: GraphContext): void {
  // The function-call syntax (parentheses, quotes) does not fit Fastify's route patterns, so one wildcard route
  // parses the segment itself.
  graphRoute(app, ctx, {
    method: 'GET',
    url: '/reports/*',
    permissions: P.office365ActiveUserDetail,
    quota: (call) => ({
      scope: `reports/${call.caller.appId}/${call.tenant.id}/${reportNameOf(reportSegment(call))}`,
      ...USAGE_REPORTS_LIMIT,
    }),
    handler: (call) => {
      const request = parseReportRequest(reportSegment(call), call.ctx.clock.now());
      assertReportReader(call);
      return redirectToDownload(call, request);
    },
  });
}

/** `GET /data/download/{token}`: the pre-authenticated CSV download (no bearer token). */
export function registerReportDownloads(app: FastifyInstance, ctx: GraphContext): void {
  // A wildcard, not `:token`: the sealed state is longer than Fastify's 100-character parameter limit.
  app.get<{ Params: { '*': string } }>('/data/download/*', async (request, reply) => {
    const state = openToken<DownloadState>(ctx.tokenKey, request.params['*']);
    const tenant = state ? ctx.directory.tenants.get(state.t) : undefined;
    const report = state ? REPORTS.find((r) => r.name === state.r) : undefined;
    if (!state || !tenant || !report || typeof state.exp !== 'number' || state.exp <= ctx.clock.now()) {
      return reply.code(403).type('text/plain').send('The download link is invalid or has expired.');
    }
    const csv = reportCsv(report.header, report.rows(tenant, state));
    const etag = `"${createHash('sha1').update(csv).digest('hex')}"`;
    return reply.code(200).type('application/octet-stream').header('etag', etag).send(Buffer.from(csv, 'utf8'));
  });
}
