/**
 * Directory sync: tenantlink against a baseline written with the official Graph SDK, on the same sandbox tenant.
 * A sandbox with 100,000 users and 10,000 groups at 50 ms latency (throttling on, Microsoft's quotas) runs in its own
 * process; each side runs in its own process too, so requests (counted by the sandbox), wall time and peak RSS are
 * each side's own. Phases: baseline full import, tenantlink full sync, churn (1% of users, 100 groups), tenantlink
 * incremental sync, baseline import again (it has no delta).
 *
 * Run: `npm run bench:directory-sync [-- --users N --groups N --latency MS]`
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { controlClient, type Json, runSide, startSandboxProcess } from './directory-sync/sandbox-process.js';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    groups: { type: 'string', default: '10000' },
    latency: { type: 'string', default: '50' },
  },
});
const users = Number(values.users);
const groups = Number(values.groups);
const latencyMs = Number(values.latency);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..');
const here = join(repo, 'bench', 'directory-sync');
const work = mkdtempSync(join(tmpdir(), 'tl-bench-dirsync-'));

interface Phase {
  name: string;
  requests: number;
  throttled: number;
  wallMs: number;
  peakRssMb: number;
  records: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function main() {
  console.log(`sandbox: ${users} users, ${groups} groups, ${latencyMs} ms latency; starting…`);
  const t0 = performance.now();
  const { state, stateFile, child } = await startSandboxProcess({
    repo,
    dataDir: join(work, 'sandbox'),
    users,
    groups,
    latencyMs,
  });
  console.log(`sandbox ready in ${seconds(performance.now() - t0)}`);
  const control = controlClient(state);
  const tenant = state.tenants[0]!.id;
  const phases: Phase[] = [];
  try {
    const app = await control.call('POST', `/tenants/${tenant}/applications`, {
      displayName: 'directory sync bench',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const secretFile = join(work, 'secret.txt');
    writeFileSync(secretFile, app.secret.value, { mode: 0o600 });
    const baselineEnv = { NODE_EXTRA_CA_CERTS: state.caCertFile };

    /** Runs one side with the sandbox's request counter reset before it, and records the phase. */
    async function phase(name: string, script: string, args: string[], env: Record<string, string> = {}) {
      await control.call('POST', '/stats/reset');
      process.stdout.write(`${name}… `);
      const saved = { ...process.env };
      Object.assign(process.env, env);
      let result: Json;
      try {
        result = await runSide(join(here, script), args);
      } finally {
        process.env = saved;
      }
      const stats = await control.call('GET', '/stats');
      const records = result.records ?? result.users + result.groups + result.memberships;
      phases.push({
        name,
        requests: stats.total,
        throttled: stats.throttled ?? 0,
        wallMs: result.wallMs,
        peakRssMb: result.peakRssMb,
        records,
      });
      console.log(`${seconds(result.wallMs)}, ${stats.total} requests`);
      return result;
    }

    const baselineArgs = [stateFile, app.appId, secretFile, join(work, 'baseline.db')];
    const tenantlinkArgs = [stateFile, app.appId, secretFile, join(work, 'tenantlink')];
    const baseline = await phase('baseline (Graph SDK) full import', 'sdk-baseline.ts', baselineArgs, baselineEnv);
    const full = await phase('tenantlink full sync', 'tenantlink-side.ts', tenantlinkArgs);
    const churn = await control.call('POST', `/tenants/${tenant}/churn`, {
      usersAdded: Math.round(users * 0.0033),
      usersUpdated: Math.round(users * 0.0034),
      usersDeleted: Math.round(users * 0.0033),
      groupsChanged: 100,
      membershipChanges: 100,
    });
    console.log(
      `churn: ${churn.usersAdded.length} users added, ${churn.usersUpdated.length ?? churn.usersUpdated} updated, ` +
        `${churn.usersDeleted.length ?? churn.usersDeleted} deleted, ${churn.groupsChanged.length ?? churn.groupsChanged} groups changed`,
    );
    const incremental = await phase('tenantlink incremental sync', 'tenantlink-side.ts', tenantlinkArgs);
    await phase('baseline (Graph SDK) import again', 'sdk-baseline.ts', baselineArgs, baselineEnv);

    console.log('');
    console.log(
      `read: baseline ${baseline.users} users, ${baseline.groups} groups, ${baseline.memberships} memberships; ` +
        `tenantlink stored ${JSON.stringify(full.stored)}; after churn ${JSON.stringify(incremental.stored)}`,
    );
    console.log('');
    console.log('| phase | requests | 429s | wall time | peak RSS | records/s |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const p of phases)
      console.log(
        `| ${p.name} | ${p.requests} | ${p.throttled} | ${seconds(p.wallMs)} | ${p.peakRssMb.toFixed(0)} MB | ${Math.round(p.records / (p.wallMs / 1000))} |`,
      );
    const [b, f, i, b2] = phases as [Phase, Phase, Phase, Phase];
    console.log('');
    console.log(
      `full: tenantlink ${(b.wallMs / f.wallMs).toFixed(1)}× faster with ${(b.requests / f.requests).toFixed(1)}× fewer requests; ` +
        `theoretical minimum ${baseline.minimumRoundTrips} round trips (tenantlink ${f.requests}, baseline ${b.requests})`,
    );
    console.log(
      `after churn: tenantlink ${(b2.wallMs / i.wallMs).toFixed(0)}× faster with ${(b2.requests / i.requests).toFixed(0)}× fewer requests; ` +
        'theoretical minimum 2 round trips (one delta page each for users and groups)',
    );
  } finally {
    await control.close();
    child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
