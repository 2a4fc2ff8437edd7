/**
 * Free/busy for 1,000 people: tenantlink (getSchedule 20 at a time, every call on a mailbox of its own, all at once)
 * against the official SDK used as a user would (one getSchedule per person, one after the other), each in its own
 * process, against one sandbox at 50 ms latency with throttling on. Reports requests, round trips (the longest
 * chain of requests one after another), wall time, 429s, the peak in flight per mailbox and peak RSS.
 *
 * Run: `npm run bench:calendar [-- --people 1000 --latency 50]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { controlClient, runSide, startSandboxProcess } from './directory-sync/sandbox-process.js';

const { values } = parseArgs({
  options: { people: { type: 'string', default: '1000' }, latency: { type: 'string', default: '50' } },
});
const peopleCount = Number(values.people);
const latencyMs = Number(values.latency);
const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '..');
const work = mkdtempSync(join(tmpdir(), 'tl-bench-calendar-'));

async function main() {
  const { state, stateFile, child } = await startSandboxProcess({
    repo,
    dataDir: join(work, 'sandbox'),
    users: 10,
    groups: 1,
    latencyMs: 0,
  });
  const control = controlClient(state);
  try {
    const tenant = state.tenants[0]!.id;
    console.log(`making ${peopleCount} people with mailboxes…`);
    const people: string[] = [];
    for (let i = 0; i < peopleCount; i++)
      people.push(
        (await control.call('POST', `/tenants/${tenant}/users`, { displayName: `Person ${i}`, mailboxEnabled: true }))
          .userPrincipalName,
      );
    const app = await control.call('POST', `/tenants/${tenant}/applications`, {
      displayName: 'free/busy bench',
      requiredPermissions: { application: ['Calendars.Read', 'User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const secretFile = join(work, 'secret.txt');
    writeFileSync(secretFile, app.secret.value);
    const peopleFile = join(work, 'people.json');
    writeFileSync(peopleFile, JSON.stringify(people));
    const start = '2026-12-14T00:00:00Z';
    const end = '2026-12-19T00:00:00Z';
    await control.call('PUT', '/latency', { ms: latencyMs });
    await control.call('PUT', '/throttling', { enabled: true, scale: 1 });

    const measure = async (name: string, script: string, extra: string[]) => {
      await control.call('POST', '/stats/reset');
      // The SDK's process trusts the sandbox CA as a user's would; tenantlink's connection carries it.
      const saved = { ...process.env };
      process.env.NODE_EXTRA_CA_CERTS = state.caCertFile;
      let side: Record<string, number>;
      try {
        side = await runSide(join(here, 'calendar-freebusy', script), [
          stateFile,
          app.appId,
          secretFile,
          peopleFile,
          start,
          end,
          ...extra,
        ]);
      } finally {
        process.env = saved;
      }
      const stats = await control.call('GET', '/stats');
      const schedule = Object.entries(stats.byRoute as Record<string, number>)
        .filter(([route]) => route.includes('getSchedule'))
        .reduce((sum, [, n]) => sum + n, 0);
      const peak = Math.max(0, ...Object.values(stats.peakConcurrencyByMailbox as Record<string, number>));
      return {
        name,
        wallMs: side.wallMs!,
        answered: side.answered!,
        errors: side.errors!,
        peakRssMb: side.peakRssMb!,
        requests: schedule,
        throttled: stats.throttled as number,
        peakPerMailbox: peak,
      };
    };
    const dataDir = mkdtempSync(join(work, 'tl-'));
    const ours = await measure('tenantlink', 'tenantlink-side.ts', [dataDir]);
    const sdk = await measure('SDK, one getSchedule per person', 'sdk-side.ts', []);
    const floorCalls = Math.ceil(peopleCount / 20);
    console.log(
      `\n${peopleCount} people, ${latencyMs} ms latency, throttling on. Floor: ${floorCalls} calls of 20 in one round trip (≈ ${latencyMs} ms plus the calls' own time).`,
    );
    console.log(
      '| side | getSchedule requests | round trips | wall | 429s | peak in flight per mailbox | answered / errors | peak RSS |',
    );
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [r, rounds] of [
      [ours, 1],
      [sdk, sdk.requests],
    ] as const)
      console.log(
        `| ${r.name} | ${r.requests} | ${rounds} | ${(r.wallMs / 1000).toFixed(2)} s | ${r.throttled} | ${r.peakPerMailbox} | ${r.answered} / ${r.errors} | ${r.peakRssMb} MB |`,
      );
  } finally {
    control.close();
    child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
