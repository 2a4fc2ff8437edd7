// Typed calls to tenantlink's JSON API (same origin, cookie session, CSRF header on every write).

export interface Session {
  authenticated: boolean;
  needsSetup: boolean;
  csrfToken?: string;
}

export interface ServerInfo {
  version: string;
  demo: boolean;
  demoConnection?: string;
}

export interface PermissionNeed {
  permission: string;
  why: string;
}

export interface CatalogueFeature {
  id: string;
  title: string;
  application: PermissionNeed[] | null;
  delegated: PermissionNeed[] | null;
}

export type GuideMode = 'application' | 'delegated' | 'multi-tenant';

export interface SetupGuide {
  appName: string;
  mode: GuideMode;
  features: string[];
  signInAudience: string;
  permissions: { permission: string; type: string; id: string; why: string; features: string[] }[];
  steps: { title: string; lines: string[] }[];
  manifest: { requiredResourceAccess: unknown[] };
  azureCli: string;
  powerShell: string;
  adminConsentUrl: string | null;
}

export type AuthMode = 'secret' | 'certificate' | 'delegated' | 'multi-tenant';
export type Cloud = 'global' | 'usgov' | 'usgov-dod' | 'china' | { authorityHost: string; graphEndpoint: string };
export type SecretKind = 'client_secret' | 'certificate_key' | 'refresh_token';

export interface ConnectionSettings {
  testUser?: string;
  serviceAccount?: string;
  secretExpiresAt?: string;
  [key: string]: unknown;
}

export interface TestSummary {
  id: string;
  at: string;
  ok: boolean;
  errors: number;
  warnings: number;
  /** Whether that run got a token from the tenant. */
  token: 'ok' | 'failing' | 'unknown';
}

export interface Connection {
  id: string;
  name: string;
  tenantId: string;
  clientId: string;
  authMode: AuthMode;
  cloud: Cloud;
  features: string[];
  settings: ConnectionSettings;
  certificateThumbprint: string | null;
  secrets: { kind: SecretKind; updatedAt: string }[];
  createdAt: string;
  updatedAt: string;
  health: { lastTest: TestSummary | null; secretExpiresAt: string | null };
}

export interface NewConnection {
  name: string;
  tenantId: string;
  clientId: string;
  authMode: 'secret' | 'certificate';
  clientSecret?: string;
  certificate?: { certificatePem: string; privateKeyPem?: string };
  features: string[];
  settings?: { testUser?: string; serviceAccount?: string; secretExpiresAt?: string };
}

export type ConnectionChanges = Partial<
  Pick<NewConnection, 'name' | 'features' | 'settings' | 'clientSecret' | 'certificate'>
>;

export interface Check {
  name: string;
  status: 'pass' | 'fail' | 'skipped';
}

export interface Finding {
  code: string;
  severity: 'error' | 'warning' | 'info';
  feature: string | null;
  message: string;
  fix: string;
}

export interface TestRun {
  id: string;
  connectionId: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  checks: Check[];
  findings: Finding[];
}

export type IntegrationAuthMode = 'multi-tenant' | 'delegated';

/** The vendor's own app registration that customers connect through; its client secret is write-only. */
export interface Integration {
  id: string;
  name: string;
  clientId: string;
  authMode: IntegrationAuthMode;
  cloud: Cloud;
  features: string[];
  /** Where the customer's browser goes when a connect flow ends. */
  returnUrl: string;
  /** What the vendor registers as a Web redirect URI on the app. */
  redirectUri: string;
  /** When the client secret expires, if recorded. */
  secretExpiresAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewIntegration {
  name: string;
  clientId: string;
  authMode: IntegrationAuthMode;
  clientSecret: string;
  features: string[];
  returnUrl: string;
  cloud?: Cloud;
  secretExpiresAt?: string;
}

/** What can change on an integration; a new client secret also goes to every connection made through it. */
export interface IntegrationChanges {
  clientSecret?: string;
  returnUrl?: string;
  features?: string[];
  /** null: not known. */
  secretExpiresAt?: string | null;
}

export interface IntegrationUpdate {
  integration: Integration;
  /** The connections that now use the new client secret. */
  connectionsUpdated: string[];
}

export interface NewConnectLink {
  /** The integration's name or ID. */
  integration: string;
  /** Handed back unchanged on the return URL. */
  state?: string;
  /** On the integration's return URL origin. */
  returnUrl?: string;
}

/** A one-time link for a customer's admin; it works once, until it expires (15 minutes). */
export interface ConnectLink {
  url: string;
  expiresAt: string;
}

export type DeviceCodeRequest =
  | { integration: string }
  /** A stored delegated connection, signed in again. */
  | { connection: string }
  | { name: string; tenantId: string; clientId: string; features: string[]; cloud?: Cloud };

export interface DeviceCodeSignIn {
  /** What to poll the status with. */
  flowId: string;
  userCode: string;
  verificationUri: string;
  expiresAt: string;
  /** Microsoft's own sentence: where to go and what code to enter. */
  message: string;
}

export interface DeviceCodeStatus {
  status: 'pending' | 'connected' | 'failed';
  /** The new connection's ID, once connected. */
  connection?: string;
  error?: { code: string; message: string };
}

export type SyncStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'interrupted';

export interface SyncProgress {
  pages: number;
  /** Objects read from Microsoft Graph. */
  records: number;
  /** Change-feed entries written. */
  changes: number;
  /** Objects a full read expects, when known. */
  total: number | null;
  /** Objects per second. */
  rate: number;
  etaSeconds: number | null;
  elapsedSeconds: number;
}

/** One sync run of a connection's dataset, queued in the server's job runner. */
export interface SyncRun {
  id: string;
  connectionId: string;
  dataset: string;
  trigger: 'manual' | 'schedule' | 'cli';
  requestedFull: boolean;
  /** Decided when the run starts: a full read, or only what changed. */
  mode: 'full' | 'delta' | null;
  status: SyncStatus;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: { code: string; message: string } | null;
  progress: SyncProgress;
}

export interface DirectorySyncState {
  /** The newest run (queued, running or finished), or null before the first. */
  run: SyncRun | null;
  /** Records present, per model. */
  stored: { users?: number; groups?: number; memberships?: number; [model: string]: number | undefined };
  /** The change feed's last sequence number. */
  lastSeq: number;
}

export type RecordModel = 'users' | 'groups' | 'memberships' | 'all';

/** One change-feed entry: a record in its latest state, at the sequence number of its last visible change. */
export interface FeedEntry {
  seq: number;
  model: string;
  id: string;
  action: 'upsert' | 'delete';
  reason?: 'deleted' | 'softDeleted' | 'outOfScope' | 'missing';
  data: Record<string, unknown> | null;
}

export interface FeedPage {
  /** Oldest first. */
  records: FeedEntry[];
  /** Pass back as `since` to read on. */
  nextSince: number;
}

/** Where a webhook endpoint stands in one connection's change feed. */
export interface WebhookCursor {
  connectionId: string;
  /** The last sequence number delivered. */
  lastSeq: number;
  /** The connection's feed head: entries after `lastSeq` may be waiting. */
  feedLastSeq: number;
  /** Failed attempts in a row. */
  attempts: number;
  /** The attempts ran out: retried on the connection's next commit or a replay. */
  failing: boolean;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  lastDeliveredAt: string | null;
  lastError: string | null;
}

export type WebhookStatus = 'active' | 'retrying' | 'failing' | 'disabled';

/** An endpoint of the vendor's product that receives the change feed, signed; its secret is write-once. */
export interface Webhook {
  id: string;
  url: string;
  description: string | null;
  /** null: every connection, including ones added later. */
  connectionId: string | null;
  /** null: every model. */
  models: string[] | null;
  enabled: boolean;
  status: WebhookStatus;
  /** After a secret rotation: until when deliveries are also signed with the old secret. */
  previousSecretExpiresAt: string | null;
  cursors: WebhookCursor[];
  createdAt: string;
  updatedAt: string;
}

export interface NewWebhook {
  url: string;
  /** A connection's ID or name; absent for every connection. */
  connection?: string;
  /** Only these models; absent for all. */
  models?: string[];
  description?: string;
  enabled?: boolean;
}

export interface WebhookChanges {
  url?: string;
  /** null: every model. */
  models?: string[] | null;
  description?: string | null;
  enabled?: boolean;
}

/** How an endpoint answered a test event. */
export interface WebhookPing {
  ok: boolean;
  /** `delivered`, or the class of failure only (`failed: 5xx`, `failed: timeout`, …). */
  result: string;
  durationMs: number;
  deliveryId: string;
}

/** A new endpoint, or one whose secret was just rotated, and its signing secret, which no other answer carries. */
export interface CreatedWebhook {
  webhook: Webhook;
  secret: string;
}

/** One attempt to deliver a batch of the feed. */
export interface WebhookDelivery {
  /** The attempt's tenantlink-delivery header. */
  id: string;
  connectionId: string;
  fromSeq: number;
  toSeq: number;
  entries: number;
  attempt: number;
  status: 'succeeded' | 'failed';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: string | null;
  attemptedAt: string;
  deliveredAt: string | null;
}

export interface WebhookReplay {
  /** A connection's ID or name. */
  connection: string;
  /** Deliver again every entry after this sequence number; absent: retry now from where the cursor stands. */
  since?: number;
}

/** What an API key may do: everything; safe methods (GET, HEAD) only, the API keys excepted; or only GET /metrics. */
export type ApiKeyScope = 'admin' | 'read' | 'metrics';

/** An API key as listed: never the key itself, which only its creation answers. */
export interface ApiKey {
  id: string;
  name: string;
  /** The first characters of the key, to tell keys apart. */
  prefix: string;
  scope: ApiKeyScope;
  createdAt: string;
  lastUsedAt: string | null;
}

export interface NewApiKey {
  name: string;
  scope: ApiKeyScope;
}

/** A new API key and the key itself, which no other answer carries. */
export interface CreatedApiKey {
  apiKey: ApiKey;
  key: string;
}

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fix?: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken: string | undefined;
let onSessionLost: () => void = () => {};

/** Called whenever the server answers 401 to a signed-in call: the session expired or was ended elsewhere. */
export function whenSessionLost(handler: () => void): void {
  onSessionLost = handler;
}

interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
  /** Sign-in calls answer 401 for a wrong password; that is not a lost session. */
  signingIn?: boolean;
}

async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(
      0,
      'NETWORK',
      'tenantlink did not answer.',
      'Check that the tenantlink server is running and reachable, then try again.',
    );
  }
  if (response.status === 401 && !options.signingIn) {
    csrfToken = undefined;
    onSessionLost();
  }
  if (!response.ok) throw await readError(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

async function readError(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; fix?: string; details?: ErrorDetail[] };
  } | null;
  const error = body?.error;
  return new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? `The server answered ${[response.status, response.statusText].filter(Boolean).join(' ')}.`,
    error?.fix,
    error?.details ?? [],
  );
}

function keepToken(session: Session): Session {
  csrfToken = session.csrfToken;
  return session;
}

export const api = {
  getSession: async () => keepToken(await request<Session>('GET', '/session')),
  signIn: async (password: string) =>
    keepToken(await request<Session>('POST', '/session', { body: { password }, signingIn: true })),
  setUpPassword: async (password: string, setupToken: string) =>
    keepToken(await request<Session>('POST', '/session/setup', { body: { password, setupToken }, signingIn: true })),
  signOut: async () => {
    await request<void>('DELETE', '/session');
    csrfToken = undefined;
  },

  getServer: (signal?: AbortSignal) => request<ServerInfo>('GET', '/server', { signal }),
  getCatalogue: async (signal?: AbortSignal) =>
    (await request<{ features: CatalogueFeature[] }>('GET', '/catalogue', { signal })).features,
  getGuide: async (features: string[], mode: GuideMode, signal?: AbortSignal) => {
    const query = new URLSearchParams({ features: features.join(','), mode });
    return (await request<{ guide: SetupGuide }>('GET', `/guide?${query}`, { signal })).guide;
  },

  listConnections: async (signal?: AbortSignal) =>
    (await request<{ connections: Connection[] }>('GET', '/connections', { signal })).connections,
  getConnection: async (id: string, signal?: AbortSignal) =>
    (await request<{ connection: Connection }>('GET', `/connections/${encodeURIComponent(id)}`, { signal })).connection,
  createConnection: async (input: NewConnection) =>
    (await request<{ connection: Connection }>('POST', '/connections', { body: input })).connection,
  updateConnection: async (id: string, changes: ConnectionChanges) =>
    (await request<{ connection: Connection }>('PATCH', `/connections/${encodeURIComponent(id)}`, { body: changes }))
      .connection,
  removeConnection: (id: string) => request<void>('DELETE', `/connections/${encodeURIComponent(id)}`),

  runTest: async (id: string) =>
    (await request<{ test: TestRun }>('POST', `/connections/${encodeURIComponent(id)}/test`)).test,
  listTests: async (id: string, signal?: AbortSignal) =>
    (await request<{ tests: TestRun[] }>('GET', `/connections/${encodeURIComponent(id)}/tests`, { signal })).tests,

  startDirectorySync: async (id: string, options: { full?: boolean } = {}) =>
    (
      await request<{ run: SyncRun }>('POST', `/connections/${encodeURIComponent(id)}/sync/directory`, {
        body: options,
      })
    ).run,
  getDirectorySync: (id: string, signal?: AbortSignal) =>
    request<DirectorySyncState>('GET', `/connections/${encodeURIComponent(id)}/sync/directory`, { signal }),
  /** The change feed: entries after `since`, oldest first. */
  listRecords: (
    id: string,
    model: RecordModel,
    page: { since?: number; limit?: number } = {},
    signal?: AbortSignal,
  ) => {
    const query = new URLSearchParams();
    if (page.since !== undefined) query.set('since', String(page.since));
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    const search = query.toString() ? `?${query}` : '';
    return request<FeedPage>(
      'GET',
      `/connections/${encodeURIComponent(id)}/records/${encodeURIComponent(model)}${search}`,
      { signal },
    );
  },

  listIntegrations: async (signal?: AbortSignal) =>
    (await request<{ integrations: Integration[] }>('GET', '/integrations', { signal })).integrations,
  createIntegration: async (input: NewIntegration) =>
    (await request<{ integration: Integration }>('POST', '/integrations', { body: input })).integration,
  updateIntegration: (id: string, changes: IntegrationChanges) =>
    request<IntegrationUpdate>('PATCH', `/integrations/${encodeURIComponent(id)}`, { body: changes }),
  removeIntegration: (id: string) => request<void>('DELETE', `/integrations/${encodeURIComponent(id)}`),

  createConnectLink: (input: NewConnectLink) => request<ConnectLink>('POST', '/connect-sessions', { body: input }),
  startDeviceCode: (input: DeviceCodeRequest) =>
    request<DeviceCodeSignIn>('POST', '/connect/device-code', { body: input }),
  getDeviceCodeStatus: (flowId: string, signal?: AbortSignal) =>
    request<DeviceCodeStatus>('GET', `/connect/device-code/${encodeURIComponent(flowId)}`, { signal }),

  listWebhooks: async (signal?: AbortSignal) =>
    (await request<{ webhooks: Webhook[] }>('GET', '/webhooks', { signal })).webhooks,
  getWebhook: async (id: string, signal?: AbortSignal) =>
    (await request<{ webhook: Webhook }>('GET', `/webhooks/${encodeURIComponent(id)}`, { signal })).webhook,
  /** The only answer with the endpoint's signing secret. */
  createWebhook: (input: NewWebhook) => request<CreatedWebhook>('POST', '/webhooks', { body: input }),
  updateWebhook: async (id: string, changes: WebhookChanges) =>
    (await request<{ webhook: Webhook }>('PATCH', `/webhooks/${encodeURIComponent(id)}`, { body: changes })).webhook,
  pingWebhook: (id: string) => request<WebhookPing>('POST', `/webhooks/${encodeURIComponent(id)}/ping`),
  rotateWebhookSecret: (id: string, keepPreviousHours: number) =>
    request<CreatedWebhook>('POST', `/webhooks/${encodeURIComponent(id)}/rotate-secret`, {
      body: { keepPreviousHours },
    }),
  removeWebhook: (id: string) => request<void>('DELETE', `/webhooks/${encodeURIComponent(id)}`),
  /** The delivery log, newest first. */
  listWebhookDeliveries: async (
    id: string,
    filter: { connection?: string; limit?: number } = {},
    signal?: AbortSignal,
  ) => {
    const query = new URLSearchParams();
    if (filter.connection !== undefined) query.set('connection', filter.connection);
    if (filter.limit !== undefined) query.set('limit', String(filter.limit));
    const search = query.toString() ? `?${query}` : '';
    return (
      await request<{ deliveries: WebhookDelivery[] }>(
        'GET',
        `/webhooks/${encodeURIComponent(id)}/deliveries${search}`,
        { signal },
      )
    ).deliveries;
  },
  replayWebhook: async (id: string, replay: WebhookReplay) =>
    (await request<{ cursor: WebhookCursor }>('POST', `/webhooks/${encodeURIComponent(id)}/replay`, { body: replay }))
      .cursor,

  listApiKeys: async (signal?: AbortSignal) =>
    (await request<{ apiKeys: ApiKey[] }>('GET', '/api-keys', { signal })).apiKeys,
  /** The only answer with the key. */
  createApiKey: (input: NewApiKey) => request<CreatedApiKey>('POST', '/api-keys', { body: input }),
  revokeApiKey: (id: string) => request<void>('DELETE', `/api-keys/${encodeURIComponent(id)}`),
};

/**
 * The server's page that starts connecting a tenant through an integration (admin consent or sign-in), with the
 * console's session; it ends on the integration's return URL. A page, not JSON: open it with a full navigation.
 */
export function connectFlowPath(integration: string): string {
  return `/connect/microsoft?${new URLSearchParams({ integration })}`;
}

/** Any failure as an ApiError, so screens show one kind of error. */
export function asApiError(reason: unknown): ApiError {
  return reason instanceof ApiError ? reason : new ApiError(0, 'UNEXPECTED', String(reason));
}
