import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuthCloud } from '../../src/auth/authority.js';
import { cloudEndpoints } from '../../src/auth/clouds.js';
import { loadKeyring } from '../../src/connections/keyring.js';
import { ConnectionService, type ConnectionServiceOptions } from '../../src/connections/service.js';
import { Vault } from '../../src/connections/vault.js';
import { GROUP_FIELDS } from '../../src/features/directory/scope.js';
import { allDatasets } from '../../src/features/index.js';
import type { GraphClient } from '../../src/graph/client.js';
import { exponentialBackoffStrategy } from '../../src/graph/retry-strategies/exponential-backoff-strategy.js';
import { retryAfterStrategy } from '../../src/graph/retry-strategies/retry-after-strategy.js';
import { SyncService, type SyncServiceOptions } from '../../src/sync/service.js';
import { type GraphSandbox, type Json, startGraphSandbox } from './graph-sandbox.js';
import type { StoreTarget, TestStore } from './store-databases.js';

/** A directory as a set of comparable facts: users and groups by id (their kept fields), memberships as `group:member`. */
export interface DirectoryState {
  users: Map<string, Record<string, unknown>>;
  groups: Map<string, Record<string, unknown>>;
  memberships: Set<string>;
}

export interface SyncSandbox extends GraphSandbox {
  /** The app tenantlink syncs with: User.Read.All and GroupMember.Read.All, consented. */
  syncApp: { appId: string; secret: string };
  /** A client allowed to change users and groups. */
  writer: GraphClient;
  /** A client that reads the directory to compare with (never tenantlink's). */
  reader: GraphClient;
  cloud: AuthCloud;
  defaultDomain: string;
  /** The directory as the sandbox has it now, with these user fields. */
  directory(userFields: readonly string[]): Promise<DirectoryState>;
}

export async function startSyncSandbox(options: { users?: number } = {}): Promise<SyncSandbox> {
  const env = await startGraphSandbox(options);
  const syncApp = await env.control('POST', `/tenants/${env.tenantId}/applications`, {
    displayName: 'tenantlink directory sync',
    requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
    grantAdminConsent: true,
    secret: {},
  });
  const writer = env.client(
    (await env.app(['User.ReadWrite.All', 'Group.ReadWrite.All', 'GroupMember.ReadWrite.All'])).getToken,
  );
  const reader = env.client((await env.app(['User.Read.All', 'GroupMember.Read.All'])).getToken);
  const tenant = await env.control('GET', `/tenants/${env.tenantId}`);
  const cloud: AuthCloud = {
    ...cloudEndpoints(
      { authorityHost: env.sandbox.authority, graphEndpoint: env.sandbox.graph },
      env.sandbox.caCertPem,
    ),
    graphResource: 'https://graph.microsoft.com',
  };
  return {
    ...env,
    syncApp: { appId: syncApp.appId, secret: syncApp.secret.value },
    writer,
    reader,
    cloud,
    defaultDomain: tenant.defaultDomain ?? env.sandbox.tenants[0]!.defaultDomain,
    async directory(userFields) {
      const users = new Map<string, Record<string, unknown>>();
      for await (const u of reader.paginate<Json>('/users', { select: ['id', ...userFields], top: 999 }))
        users.set(u.id, pick(u, userFields));
      const groups = new Map<string, Record<string, unknown>>();
      for await (const g of reader.paginate<Json>('/groups', { select: ['id', ...GROUP_FIELDS], top: 999 }))
        groups.set(g.id, pick(g, GROUP_FIELDS));
      const memberships = new Set<string>();
      const state = await env.control('GET', `/tenants/${env.tenantId}`);
      for (const g of state.groups as { id: string; memberIds: string[] }[])
        for (const m of g.memberIds) memberships.add(`${g.id}:${m}`);
      return { users, groups, memberships };
    },
  };
}

function pick(item: Json, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { id: item.id };
  for (const f of fields) if (f in item) out[f] = item[f];
  return out;
}

/** Graph retries shortened for tests: a Retry-After is honoured up to 100 ms. */
export const FAST_GRAPH_RETRIES: ConnectionServiceOptions['graph'] = {
  retryStrategies: [
    retryAfterStrategy({ maxDelayMs: 100 }),
    exponentialBackoffStrategy({ initialDelayMs: 10, maxDelayMs: 100 }),
  ],
};

export interface SyncSetup {
  store: TestStore;
  dataDir: string;
  connections: ConnectionService;
  sync: SyncService;
  connectionId: string;
  /** What the feed shows as present, read from sequence 0. */
  stored(): Promise<DirectoryState & { entries: number }>;
  close(): Promise<void>;
}

/** A store on `target`, a connection to the sandbox tenant with these settings, and a sync service over them. */
export async function setUpSync(
  target: StoreTarget,
  s: SyncSandbox,
  options: {
    name?: string;
    settings?: Record<string, unknown>;
    sync?: Partial<Omit<SyncServiceOptions, 'store' | 'connections' | 'datasets'>>;
    graph?: ConnectionServiceOptions['graph'];
    store?: TestStore;
    dataDir?: string;
  } = {},
): Promise<SyncSetup> {
  const store = options.store ?? (await target.open());
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tenantlink-sync-keys-'));
  const connections = new ConnectionService({
    store,
    vault: new Vault(await loadKeyring({ dataDir, env: {} })),
    customClouds: [s.cloud],
    graph: options.graph ?? FAST_GRAPH_RETRIES,
  });
  const connection = await connections.add({
    name: options.name ?? 'contoso',
    tenant: s.tenantId,
    clientId: s.syncApp.appId,
    cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
    features: ['directory'],
    settings: options.settings ?? {},
    credential: { clientSecret: s.syncApp.secret },
  });
  const sync = new SyncService({
    store,
    connections,
    datasets: allDatasets(),
    pageBackoff: { initialMs: 20, maxMs: 200 },
    ...options.sync,
  });
  return {
    store,
    dataDir,
    connections,
    sync,
    connectionId: connection.id,
    stored: () => storedState(sync, connection.id),
    async close() {
      await connections.close();
      if (!options.store) await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The feed read from 0: what it shows as present now, and how many entries it holds. */
export async function storedState(
  sync: SyncService,
  connectionId: string,
): Promise<DirectoryState & { entries: number }> {
  const state: DirectoryState & { entries: number } = {
    users: new Map(),
    groups: new Map(),
    memberships: new Set(),
    entries: 0,
  };
  let since = 0;
  for (;;) {
    const { records, nextSince } = await sync.feed(connectionId, 'all', { since, limit: 5000 });
    if (records.length === 0) return state;
    for (const r of records) {
      state.entries += 1;
      if (r.action !== 'upsert') continue;
      if (r.model === 'users') state.users.set(r.id, r.data!);
      else if (r.model === 'groups') state.groups.set(r.id, r.data!);
      else state.memberships.add(r.id);
    }
    since = nextSince;
  }
}

/**
 * What the CLI needs to reach this sandbox from `dir`: its state file (`--sandbox dir/state.json`, with the CA beside
 * it) and the sync app's secret in `dir/secret.txt` (for `--client-secret-file`).
 */
export function writeCliSandboxFiles(s: SyncSandbox, dir: string): void {
  writeFileSync(join(dir, 'ca.pem'), s.sandbox.caCertPem);
  writeFileSync(
    join(dir, 'state.json'),
    JSON.stringify({
      authority: s.sandbox.authority,
      graph: s.sandbox.graph,
      control: s.sandbox.control,
      caCertFile: join(dir, 'ca.pem'),
      tenants: [],
    }),
  );
  writeFileSync(join(dir, 'secret.txt'), s.syncApp.secret);
}
