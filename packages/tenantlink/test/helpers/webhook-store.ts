import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadKeyring } from '../../src/connections/keyring.js';
import { ConnectionService } from '../../src/connections/service.js';
import { Vault } from '../../src/connections/vault.js';
import { OutboundPolicy } from '../../src/outbound/outbound-policy.js';
import { openStore, type Store } from '../../src/store/database.js';
import { type RecordWrite, recordsRepository } from '../../src/store/records-repository.js';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../../src/webhooks/dispatcher.js';
import { WebhookEndpoints } from '../../src/webhooks/endpoints.js';
import type { StoreTarget, TestStore } from './store-databases.js';

/** Test receivers listen on loopback: the operator's opt-in that lets deliveries reach them. */
export const LOOPBACK_TARGETS = new OutboundPolicy({ allowPrivateTargets: true });

/** Retries, timeouts and polling shortened for tests. */
export const FAST_WEBHOOKS: Omit<WebhookDispatcherOptions, 'store' | 'vault' | 'outbound'> = {
  timeoutMs: 1000,
  pollIntervalMs: 50,
  leaseTtlMs: 3000,
  retry: { maxAttempts: 10, backoff: { initialMs: 30, maxMs: 120 } },
  failingRetryIntervalMs: 0,
};

/** A store with a vault and connections, for delivery tests that write the feed through the records repository. */
export interface WebhookStore {
  store: TestStore;
  keyDir: string;
  vault: Vault;
  connections: ConnectionService;
  endpoints: WebhookEndpoints;
  /** Adds a connection (no Microsoft call is made); returns its id. */
  connection(name: string): Promise<string>;
  /** Commits writes to a connection's feed in one transaction, as a sync page would; returns the range written. */
  commit(connectionId: string, writes: RecordWrite[]): Promise<{ fromSeq: number; toSeq: number }>;
  /** `count` users with ids `<prefix>-<n>` and a version in their data. */
  users(count: number, prefix?: string, version?: number): RecordWrite[];
  dispatcher(options?: Partial<Omit<WebhookDispatcherOptions, 'vault'>>): WebhookDispatcher;
  /** A second store on the same database, as another process would open it. */
  openAgain(): Promise<Store>;
  close(): Promise<void>;
}

export async function setUpWebhookStore(target: StoreTarget): Promise<WebhookStore> {
  const store = await target.open();
  const keyDir = mkdtempSync(join(tmpdir(), 'tenantlink-webhook-keys-'));
  const vault = new Vault(await loadKeyring({ dataDir: keyDir, env: {} }));
  const connections = new ConnectionService({ store, vault });
  const dispatchers: WebhookDispatcher[] = [];
  const stores: Store[] = [];
  let dispatcherFor: WebhookDispatcher | undefined;
  const endpoints = new WebhookEndpoints({
    store,
    vault,
    connections,
    models: ['users', 'groups', 'memberships'],
    onReplay: (endpointId, connectionId) => dispatcherFor?.replayed(endpointId, connectionId),
    onEventsReplay: (endpointId) => dispatcherFor?.eventsReplayed(endpointId),
    outbound: LOOPBACK_TARGETS,
  });
  let tenant = 0;
  return {
    store,
    keyDir,
    vault,
    connections,
    endpoints,
    async connection(name) {
      tenant += 1;
      const c = await connections.add({
        name,
        tenant: `00000000-0000-4000-8000-${String(tenant).padStart(12, '0')}`,
        clientId: '11111111-2222-3333-4444-555555555555',
        features: ['directory'],
        credential: { clientSecret: 'not-a-real-secret~value' },
      });
      return c.id;
    },
    async commit(connectionId, writes) {
      const outcome = await store.db.transaction().execute((trx) =>
        recordsRepository({ db: trx, dialect: store.dialect }).write(connectionId, writes, {
          generation: 1,
          touch: false,
        }),
      );
      return { fromSeq: outcome.fromSeq ?? 0, toSeq: outcome.toSeq ?? 0 };
    },
    users(count, prefix = 'user', version = 1) {
      return Array.from({ length: count }, (_, i) => ({
        op: 'upsert' as const,
        model: 'users',
        id: `${prefix}-${i}`,
        data: { displayName: `${prefix} ${i}`, version },
      }));
    },
    dispatcher(options = {}) {
      const d = new WebhookDispatcher({ store, vault, outbound: LOOPBACK_TARGETS, ...FAST_WEBHOOKS, ...options });
      dispatchers.push(d);
      dispatcherFor ??= d;
      return d;
    },
    async openAgain() {
      const again = await openStore(store.options);
      stores.push(again);
      return again;
    },
    async close() {
      for (const d of dispatchers) await d.stop();
      for (const s of stores) await s.close();
      await connections.close();
      await store.close();
      rmSync(keyDir, { recursive: true, force: true });
    },
  };
}

/** A dispatcher in a child process on the same database; `kill` ends it (SIGKILL: a crash). */
export interface ChildDispatcher {
  /** What it wrote on stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
  crash(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('../fixtures/webhook-dispatcher-child.ts', import.meta.url));

export async function startChildDispatcher(
  w: WebhookStore,
  options: Omit<WebhookDispatcherOptions, 'store' | 'vault' | 'logger' | 'outbound'> = FAST_WEBHOOKS,
): Promise<ChildDispatcher> {
  const { dataDir, databaseUrl, postgresSchema } = w.store.options;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    env: {
      ...process.env,
      TL_KEY_DIR: w.keyDir,
      TL_WEBHOOKS: JSON.stringify(options),
      ...(dataDir ? { TL_DATA_DIR: dataDir } : {}),
      ...(databaseUrl && postgresSchema ? { TL_DATABASE_URL: databaseUrl, TL_DATABASE_SCHEMA: postgresSchema } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('started\n')) resolve();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.on('exit', () => reject(new Error(`the child dispatcher exited: ${output}`)));
  });
  return {
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
    async crash() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
