/**
 * tenantlink's side: free/busy of every person through a connection's Graph client (getSchedule 20 at a time, each
 * call on a mailbox of its own, all at once). Runs in its own process. Args: <state file> <app id> <secret file>
 * <people file> <start> <end> <data dir>. Prints one JSON line.
 */
import { readFileSync } from 'node:fs';
import { sandboxCloud } from '../../packages/tenantlink/src/auth/clouds.js';
import { loadKeyring } from '../../packages/tenantlink/src/connections/keyring.js';
import { ConnectionService } from '../../packages/tenantlink/src/connections/service.js';
import { Vault } from '../../packages/tenantlink/src/connections/vault.js';
import { readFreeBusy } from '../../packages/tenantlink/src/features/calendar/free-busy.js';
import { openStore } from '../../packages/tenantlink/src/store/database.js';

const [stateFile, appId, secretFile, peopleFile, start, end, dataDir] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
];
const { cloud } = sandboxCloud(stateFile);
const tenant = (JSON.parse(readFileSync(stateFile, 'utf8')) as { tenants: { id: string }[] }).tenants[0]!.id;
const store = await openStore({ dataDir, databaseUrl: undefined });
const connections = new ConnectionService({
  store,
  vault: new Vault(await loadKeyring({ dataDir, env: {} })),
  customClouds: [cloud],
});
await connections.add({
  name: 'bench',
  tenant,
  clientId: appId,
  cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
  features: ['calendar'],
  credential: { clientSecret: readFileSync(secretFile, 'utf8').trim() },
});
const graph = await connections.graphClient('bench');
const people = JSON.parse(readFileSync(peopleFile, 'utf8')) as string[];
// The token first, as a server that has been running would have it.
await graph.get('/users', { query: { $top: 1 }, select: ['id'] }).catch(() => {});
const started = performance.now();
const schedules = await readFreeBusy(graph, {
  users: people,
  start: new Date(start),
  end: new Date(end),
  intervalMinutes: 30,
});
const wallMs = performance.now() - started;
const errors = schedules.filter((s) => s.error).length;
const peakRssMb = Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) / 1024);
await connections.close();
await store.close();
console.log(JSON.stringify({ wallMs, answered: schedules.length - errors, errors, peakRssMb }));
