/**
 * Scale-out: directory syncs of many tenants on the shared PostgreSQL queue, with 1, 2 and 4 `tenantlink worker`
 * processes. A sandbox (its own process) holds the tenants; for each worker count a fresh PostgreSQL schema gets one
 * connection per tenant, this process enqueues one sync per connection (it takes no jobs), and the workers run them.
 * A webhook endpoint (a receiver in this process) takes every connection's feed, so the workers also deliver.
 * Reported per run: wall time from the first enqueue to the last sync done, tenants synced per minute, Graph requests
 * and 429s (the sandbox's counts), each worker's peak RSS, the deliveries (and when the last entry arrived); then the
 * scaling ratio against one worker.
 *
 * Run: `npm run bench:scale-out [-- --tenants 200 --users 2000 --workers 1,2,4 --concurrency 4 --latency 20]`
 * (PostgreSQL from TENANTLINK_BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { sandboxCloud } from '../packages/tenantlink/src/auth/clouds.js';
import { loadKeyring } from '../packages/tenantlink/src/connections/keyring.js';
import { ConnectionService } from '../packages/tenantlink/src/connections/service.js';
import { Vault } from '../packages/tenantlink/src/connections/vault.js';
import { allDatasets } from '../packages/tenantlink/src/features/index.js';
import { jobQueueSchema } from '../packages/tenantlink/src/jobs/choose-runner.js';
import { PgBossJobRunner } from '../packages/tenantlink/src/jobs/pg-boss-runner.js';
import { OutboundPolicy } from '../packages/tenantlink/src/outbound/outbound-policy.js';
import { openStore } from '../packages/tenantlink/src/store/database.js';
import { SyncService } from '../packages/tenantlink/src/sync/service.js';
import { WebhookEndpoints } from '../packages/tenantlink/src/webhooks/endpoints.js';
import { controlClient, startSandboxProcess } from './directory-sync/sandbox-process.js';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '200' },
    users: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '1,2,4' },
    concurrency: { type: 'string', default: '4' },
    latency: { type: 'string', default: '20' },
  },
});
const tenants = Number(values.tenants);
const users = Number(values.users);
const workerCounts = values.workers.split(',').map(Number);
const concurrency = Number(values.concurrency);
const latencyMs = Number(values.latency);
const databaseUrl = process.env.TENANTLINK_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(repo, 'packages/tenantlink/dist/cli/main.js');
const work = mkdtempSync(join(tmpdir(), 'tl-bench-scale-'));

interface RunResult {
  workers: number;
  wallMs: number;
  /** From the first enqueue until every feed entry reached the receiver. */
  deliveredMs: number;
  deliveries: number;
  entries: number;
  tenantsPerMinute: number;
  requests: number;
  throttled: number;
  peakRssMb: number[];
  failed: number;
  /** CPU seconds the workers used, and the sandbox (Microsoft's side) during the run. */
  workerCpu: number;
  sandboxCpu: number;
}

/** CPU seconds (user + system) a process has used so far (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's peak resident set, in MB (Linux). */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round(kb / 1024);
}

async function main() {
  console.log(`sandbox: ${tenants} tenants × ${users} users, ${latencyMs} ms latency; starting…`);
  const t0 = performance.now();
  const {
    state,
    stateFile,
    child: sandbox,
  } = await startSandboxProcess({
    repo,
    dataDir: join(work, 'sandbox'),
    users,
    groups: Math.max(1, Math.round(users / 20)),
    latencyMs,
  });
  const control = controlClient(state);
  const tenantIds = [state.tenants[0]!.id];
  while (tenantIds.length < tenants) tenantIds.push((await control.call('POST', '/tenants', { users })).id as string);
  const apps: { tenant: string; appId: string; secret: string }[] = [];
  for (const tenant of tenantIds) {
    const app = await control.call('POST', `/tenants/${tenant}/applications`, {
      displayName: 'scale-out bench',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    apps.push({ tenant, appId: app.appId, secret: app.secret.value });
  }
  console.log(`sandbox ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const cloud = sandboxCloud(stateFile).cloud;
  const results: RunResult[] = [];
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  // The vendor's receiver: counts deliveries and the entries they carry, per delivery id (deliveries are at least once).
  const received = new Map<string, number>();
  const receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { entries?: unknown[] };
      received.set(String(request.headers['tenantlink-delivery']), body.entries?.length ?? 0);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  try {
    for (const count of workerCounts) results.push(await run(count));
  } finally {
    await admin.end();
    receiver.close();
    control.close();
    sandbox.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }

  async function run(count: number): Promise<RunResult> {
    const schema = `tl_bench_${randomBytes(4).toString('hex')}`;
    const dataDir = mkdtempSync(join(work, 'data-'));
    const store = await openStore({ databaseUrl, postgresSchema: schema });
    const connections = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir, env: {} })),
      customClouds: [cloud],
    });
    const ids: string[] = [];
    for (const [i, app] of apps.entries()) {
      const c = await connections.add({
        name: `tenant-${i}`,
        tenant: app.tenant,
        clientId: app.appId,
        cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
        features: ['directory'],
        credential: { clientSecret: app.secret },
      });
      ids.push(c.id);
    }
    received.clear();
    const outbound = new OutboundPolicy({ allowPrivateTargets: true });
    await new WebhookEndpoints({
      store,
      vault: connections.vault,
      connections,
      models: allDatasets().flatMap((d) => d.models),
      outbound,
    }).add({ url: receiverUrl });
    await outbound.close();
    const env = {
      ...process.env,
      TENANTLINK_DATA: dataDir,
      TENANTLINK_DATABASE_URL: databaseUrl,
      TENANTLINK_DATABASE_SCHEMA: schema,
      TENANTLINK_JOB_POLL_SECONDS: '0.5',
      // The receiver listens on loopback.
      TENANTLINK_ALLOW_PRIVATE_TARGETS: '1',
    };
    const workers: ChildProcess[] = [];
    for (let i = 0; i < count; i++) {
      const child = spawn(
        process.execPath,
        [cli, '--sandbox', stateFile, 'worker', '--concurrency', String(concurrency)],
        { env, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      let out = '';
      child.stdout!.on('data', (d) => {
        out += d;
      });
      while (!/taking jobs/.test(out)) {
        if (child.exitCode !== null) throw new Error(`a worker exited with ${child.exitCode}`);
        await sleep(50);
      }
      workers.push(child);
    }
    const runner = new PgBossJobRunner({ store, databaseUrl, schema: jobQueueSchema(schema), work: false });
    const sync = new SyncService({ store, connections, datasets: allDatasets() });
    sync.attach(runner);
    await runner.start();
    await control.call('POST', '/stats/reset');
    const sandboxCpuBefore = cpuSeconds(sandbox.pid!);
    const workerCpuBefore = workers.reduce((sum, w) => sum + cpuSeconds(w.pid!), 0);
    const started = performance.now();
    for (const id of ids) await sync.request(id, 'directory');
    let finished: { status: string }[] = [];
    for (;;) {
      finished = await store.db
        .selectFrom('sync_runs')
        .select('status')
        .where('status', 'in', ['succeeded', 'failed'])
        .execute();
      if (finished.length >= ids.length) break;
      await sleep(200);
    }
    const wallMs = performance.now() - started;
    const stats = await control.call('GET', '/stats');
    // Every connection's feed, to its last entry, reached the receiver.
    const feedEntries = async () =>
      Number(
        (
          await store.db
            .selectFrom('sync_records')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const expected = await feedEntries();
    const sum = () => [...received.values()].reduce((a, b) => a + b, 0);
    while (sum() < expected) await sleep(100);
    const deliveredMs = performance.now() - started;
    const peaks = workers.map((w) => peakRssMb(w.pid!));
    const workerCpu = workers.reduce((sum, w) => sum + cpuSeconds(w.pid!), 0) - workerCpuBefore;
    const sandboxCpu = cpuSeconds(sandbox.pid!) - sandboxCpuBefore;
    for (const w of workers) w.kill('SIGTERM');
    await Promise.all(workers.map((w) => new Promise((resolve) => w.once('close', resolve))));
    await runner.stop();
    await connections.close();
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.query(`DROP SCHEMA IF EXISTS "${jobQueueSchema(schema)}" CASCADE`);
    const result: RunResult = {
      workers: count,
      wallMs,
      deliveredMs,
      deliveries: received.size,
      entries: sum(),
      tenantsPerMinute: ids.length / (wallMs / 60_000),
      requests: stats.total,
      throttled: stats.throttled ?? 0,
      peakRssMb: peaks,
      failed: finished.filter((f) => f.status === 'failed').length,
      workerCpu,
      sandboxCpu,
    };
    console.log(
      `${count} worker(s): ${(wallMs / 1000).toFixed(1)} s, ${result.tenantsPerMinute.toFixed(1)} tenants/min, ` +
        `${result.requests} requests, ${result.throttled} 429s, peak RSS ${peaks.join('/')} MB, ${result.failed} failed, ` +
        `CPU: workers ${workerCpu.toFixed(1)} s, sandbox ${sandboxCpu.toFixed(1)} s; ` +
        `${result.deliveries} deliveries of ${result.entries} entries, all delivered at ${(deliveredMs / 1000).toFixed(1)} s`,
    );
    return result;
  }

  const base = results[0]!;
  console.log(
    '\n| workers | wall | tenants/min | scaling vs 1 | requests | 429s | peak RSS per worker | CPU workers / sandbox | deliveries (entries) | all delivered |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of results)
    console.log(
      `| ${r.workers} | ${(r.wallMs / 1000).toFixed(1)} s | ${r.tenantsPerMinute.toFixed(1)} | ` +
        `${(r.tenantsPerMinute / base.tenantsPerMinute).toFixed(2)}× | ${r.requests} | ${r.throttled} | ${r.peakRssMb.join(' / ')} MB | ` +
        `${r.workerCpu.toFixed(1)} s / ${r.sandboxCpu.toFixed(1)} s | ${r.deliveries} (${r.entries}) | ${(r.deliveredMs / 1000).toFixed(1)} s |`,
    );
}

await main();
