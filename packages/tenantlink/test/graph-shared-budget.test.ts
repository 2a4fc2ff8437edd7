import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuthCloud } from '../src/auth/authority.js';
import { cloudEndpoints } from '../src/auth/clouds.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { PostgresResourceBudget } from '../src/graph/postgres-budget.js';
import { type GraphSandbox, type Json, startGraphSandbox } from './helpers/graph-sandbox.js';
import { postgresTestUrl, type StoreTarget, storeTargets, type TestStore } from './helpers/store-databases.js';

const CHILD = fileURLToPath(new URL('./fixtures/graph-budget-child.ts', import.meta.url));
/** The children's slot lease: how long the slots of a process killed with kill -9 stay taken, at most. */
const LEASE_MS = 1500;
/**
 * The sandbox's directory quota shrunk for the resource-unit tests: its tenant has under 50 users (3,500 units per
 * 10 s), so 70 units per 10 s, 7 a second. The children count the same quota.
 */
const THROTTLE_SCALE = 0.02;
const DIRECTORY_UNITS = Math.round(3500 * THROTTLE_SCALE);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A child process with its own Graph client (graph-budget-child.ts). */
interface Child {
  process: ChildProcess;
  /** Its budget's holder name, as the slot rows show it. */
  holder: string;
  /** Sends a command and resolves with its answer. */
  run(command: Record<string, unknown>): Promise<Json>;
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('Graph budgets shared through PostgreSQL', {
  skip: postgresTestUrl ? false : 'TENANTLINK_TEST_DATABASE_URL is not set: budgets are shared through PostgreSQL',
}, () => {
  let s: GraphSandbox;
  let target: StoreTarget;
  let store: TestStore;
  let keyDir: string;
  let connections: ConnectionService;
  let connectionId: string;
  let cloud: AuthCloud;
  let mailbox: string;
  let a: Child;
  let b: Child;
  const children: ChildProcess[] = [];
  let commands = 0;

  const startChild = async (
    budget: 'postgres' | 'process' = 'postgres',
    extraEnv: Record<string, string> = {},
  ): Promise<Child> => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        TL_KEY_DIR: keyDir,
        TL_DATABASE_URL: postgresTestUrl,
        TL_DATABASE_SCHEMA: store.options.postgresSchema,
        TL_CLOUD: JSON.stringify(cloud),
        TL_CONNECTION: connectionId,
        TL_BUDGET: budget,
        TL_LEASE_MS: String(LEASE_MS),
        ...extraEnv,
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.push(child);
    const pending = new Map<string, (answer: Json) => void>();
    let ready: (holder: string) => void;
    const holder = new Promise<string>((resolve) => {
      ready = resolve;
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('ready ')) return ready(line.slice('ready '.length));
      const answer = JSON.parse(line) as Json;
      pending.get(answer.id)?.(answer);
    });
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', (code, signal) => reject(new Error(`the child exited (${code ?? signal})`))),
    );
    exited.catch(() => {});
    return {
      process: child,
      holder: await Promise.race([holder, exited]),
      run(command) {
        const id = String(++commands);
        const answered = new Promise<Json>((resolve) => pending.set(id, resolve));
        child.stdin!.write(`${JSON.stringify({ id, ...command })}\n`);
        return Promise.race([answered, exited]);
      },
    };
  };

  /** Slots the budget rows show as held now, by a holder or by anyone. */
  const slotsHeld = async (holder?: string): Promise<number> => {
    let query = store.db
      .selectFrom('graph_budget_slots')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('expires_at', '>=', new Date().toISOString());
    if (holder) query = query.where('holder', '=', holder);
    return Number((await query.executeTakeFirstOrThrow()).n);
  };

  const fenceOf = async (suffix: string) =>
    store.db
      .selectFrom('graph_budget_fences')
      .selectAll()
      .where('resource_key', 'like', `%/${suffix}`)
      .executeTakeFirst();

  before(async () => {
    s = await startGraphSandbox({ users: 5 });
    const app = await s.control('POST', `/tenants/${s.tenantId}/applications`, {
      displayName: 'tenantlink shared budget',
      requiredPermissions: { application: ['User.Read.All', 'Mail.Read'] },
      grantAdminConsent: true,
      secret: {},
    });
    mailbox = (
      await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Shared Budget', mailboxEnabled: true })
    ).id;
    cloud = {
      ...cloudEndpoints({ authorityHost: s.sandbox.authority, graphEndpoint: s.sandbox.graph }, s.sandbox.caCertPem),
      graphResource: 'https://graph.microsoft.com',
    };
    target = storeTargets().find((t) => t.name === 'postgres')!;
    store = await target.open();
    keyDir = mkdtempSync(join(tmpdir(), 'tenantlink-budget-keys-'));
    connections = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir: keyDir, env: {} })),
      customClouds: [cloud],
    });
    connectionId = (
      await connections.add({
        name: 'shared budget',
        tenant: s.tenantId,
        clientId: app.appId,
        cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
        features: ['mail'],
        credential: { clientSecret: app.secret.value },
      })
    ).id;
    [a, b] = await Promise.all([startChild(), startChild()]);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await connections?.close();
    await store?.close();
    await target?.cleanUp();
    if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    await s?.close();
  });

  test('two processes together never have more than 4 requests in flight on one mailbox', async () => {
    // Unthrottled, the sandbox serves every request and its peak counts them all (throttled, a fifth would be
    // refused before it counted).
    await s.control('PUT', '/throttling', { enabled: false });
    try {
      await s.control('POST', '/stats/reset');
      const path = `/users/${mailbox}/messages`;
      const answers = await Promise.all([
        a.run({ op: 'burst', path, count: 60 }),
        b.run({ op: 'burst', path, count: 60 }),
      ]);
      for (const answer of answers) assert.deepEqual([answer.ok, answer.failed], [60, 0], answer.errors?.join('; '));
      const stats = await s.control('GET', '/stats');
      const peak = stats.peakConcurrencyByMailbox[mailbox] ?? 0;
      assert.ok(peak <= 4, `peak in flight on the mailbox: ${peak}`);
      assert.ok(peak >= 2, `the requests did overlap (peak ${peak})`);
      // Releases are written after the answers return: they land within moments.
      await waitFor('every slot to be given back', async () => (await slotsHeld()) === 0, 1000);
    } finally {
      await s.control('PUT', '/throttling', { enabled: true });
    }
  });

  test("a 429's Retry-After in one process pauses that mailbox for the other", async () => {
    await s.control('POST', '/stats/reset');
    await s.control('POST', '/faults', {
      pathPattern: `/v1.0/users/${mailbox}/messages`,
      status: 429,
      retryAfterSeconds: 2,
      count: 1,
    });
    const throttled = a.run({ op: 'get', path: `/users/${mailbox}/messages` });
    let fence: Json;
    await waitFor('the fence', async () => {
      fence = await fenceOf(`mailbox:${mailbox.toLowerCase()}`);
      return fence !== undefined;
    });
    const other = await b.run({ op: 'get', path: `/users/${mailbox}/mailFolders` });
    assert.equal(other.ok, true, other.error);
    const stats = await s.control('GET', '/stats');
    const answeredAt = (route: string) =>
      stats.recent.filter((r: Json) => r.route === route && r.status === 200).map((r: Json) => Date.parse(r.at));
    const [folders] = answeredAt('GET /v1.0/users/:id/mailFolders');
    assert.ok(folders !== undefined);
    assert.ok(
      folders >= Date.parse(fence.until),
      `the other process's request was answered ${Date.parse(fence.until) - folders} ms before the fence's end`,
    );
    assert.ok(other.ms >= 1000, `it waited only ${other.ms} ms`);
    assert.equal((await throttled).ok, true);
    assert.equal(stats.byStatus['429'], 1);
  });

  test('a directory 429 pauses the directory of that app and tenant for every process', async () => {
    await s.control('POST', '/faults', { pathPattern: '/v1.0/users', status: 429, retryAfterSeconds: 1, count: 1 });
    const throttled = a.run({ op: 'get', path: '/users' });
    let fence: Json;
    await waitFor('the fence', async () => {
      fence = await fenceOf('directory');
      return fence !== undefined && Date.parse(fence.until) > Date.now();
    });
    const other = await b.run({ op: 'get', path: `/users/${mailbox}` });
    assert.equal(other.ok, true, other.error);
    assert.ok(Date.now() >= Date.parse(fence.until), 'answered before the fence ended');
    assert.ok(other.ms >= 500, `it waited only ${other.ms} ms`);
    assert.equal((await throttled).ok, true);
  });

  test('slots for a $batch are taken all or none; a wait given up leaves nothing behind', async () => {
    const first = new PostgresResourceBudget(store);
    const second = new PostgresResourceBudget(store);
    const key = 'batch-tenant/batch-app/mailbox:someone';
    try {
      const two = await first.acquire(key, 2, 4);
      const one = await first.acquire(key, 1, 4);
      const giveUp = new AbortController();
      const three = second.acquire(key, 3, 4, giveUp.signal);
      await sleep(100);
      assert.equal(await first.inUse(key), 3, 'no slot of the three was taken while only one was free');
      giveUp.abort(new Error('given up'));
      await assert.rejects(three, /given up/);
      assert.equal(await first.inUse(key), 3);
      const waiting = second.acquire(key, 3, 4);
      two();
      const release = await waiting;
      assert.equal(await first.inUse(key), 4);
      release();
      one();
      await waitFor('the slots to be given back', async () => (await first.inUse(key)) === 0, 1000);
    } finally {
      await first.close();
      await second.close();
    }
  });

  /**
   * Two fresh processes counting the scaled quota read the directory at once: one 23 `/users` pages without `$select`
   * (2 units each), the other 46 with it (1 unit each), 92 units together against the sandbox's bucket of 70 (63 in
   * the children's, which hold a tenth back). Each process's share fits in its own bucket, so only a bucket they both
   * draw from holds the requests back.
   */
  const readDirectoryTogether = async (budget: 'postgres' | 'process') => {
    const pair = await Promise.all([
      startChild(budget, { TL_DIRECTORY_UNITS: String(DIRECTORY_UNITS) }),
      startChild(budget, { TL_DIRECTORY_UNITS: String(DIRECTORY_UNITS) }),
    ]);
    try {
      await store.db.deleteFrom('graph_budget_buckets').execute();
      // Setting throttling also empties the sandbox's buckets: it starts as full as a new bucket of ours.
      await s.control('PUT', '/throttling', { enabled: true, scale: THROTTLE_SCALE });
      await s.control('POST', '/stats/reset');
      const started = Date.now();
      const answers = await Promise.all([
        pair[0].run({ op: 'burst', path: '/users', count: 23, select: false }),
        pair[1].run({ op: 'burst', path: '/users', count: 46 }),
      ]);
      const ms = Date.now() - started;
      const stats = await s.control('GET', '/stats');
      return { answers, ms, stats, throttled: stats.byStatus['429'] ?? 0 };
    } finally {
      await s.control('PUT', '/throttling', { enabled: true, scale: 1 });
      for (const child of pair) child.process.kill('SIGKILL');
    }
  };

  test("two processes drawing from one bucket of the directory's resource units get no 429", async (t) => {
    const { answers, ms, stats, throttled } = await readDirectoryTogether('postgres');
    t.diagnostic(`shared bucket: ${stats.total} requests, ${throttled} answered 429, ${ms} ms`);
    for (const answer of answers) assert.equal(answer.failed, 0, answer.errors?.join('; '));
    assert.equal(throttled, 0, `the sandbox answered 429 ${throttled} times`);
    assert.equal(stats.throttled, 0);
    assert.equal(stats.byStatus['200'], 69);
    // The 29 units beyond the children's first bucket come at 7 a second: about 4.1 s.
    assert.ok(ms >= 3500, `the reads were not held back (${ms} ms)`);
  });

  test('control: with a bucket per process, the same reads draw 429s', async (t) => {
    const { ms, stats, throttled } = await readDirectoryTogether('process');
    t.diagnostic(`bucket per process: ${stats.total} requests, ${throttled} answered 429, ${ms} ms`);
    assert.ok(stats.throttled > 0, 'no 429: the test would not tell a shared bucket from two');
    assert.equal(stats.throttled, throttled);
  });

  test(`the slots of a process killed with kill -9 come back within the lease (${LEASE_MS} ms)`, async () => {
    const victim = a;
    // Slow answers keep the victim's 4 requests, and their slots, in flight.
    await s.control('PUT', '/latency', { ms: 1000 });
    const path = `/users/${mailbox}/messages`;
    try {
      void victim.run({ op: 'burst', path, count: 4 }).catch(() => {});
      await waitFor('the victim to hold the mailbox', async () => (await slotsHeld(victim.holder)) === 4);
    } finally {
      await s.control('PUT', '/latency', { ms: 0 });
    }
    const killedAt = Date.now();
    victim.process.kill('SIGKILL');
    const answer = await b.run({ op: 'get', path });
    const sinceKill = Date.now() - killedAt;
    assert.equal(answer.ok, true, answer.error);
    // The victim renewed at most a third of a lease before it died, so its slots stayed taken at least 2/3 of one.
    assert.ok(answer.ms >= (LEASE_MS * 2) / 3 - 100, `the survivor got a slot after ${answer.ms} ms`);
    assert.ok(sinceKill <= LEASE_MS + 1000, `the slots came back ${sinceKill} ms after the kill`);
    assert.equal(await slotsHeld(victim.holder), 0);
  });
});
