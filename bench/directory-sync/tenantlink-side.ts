/**
 * One tenantlink directory sync (full the first time, then delta) against the bench's sandbox, in its own process so
 * its peak RSS is its own. Prints one JSON line: what the run did, its wall time and the process's peak RSS.
 * Args: <state file> <app id> <secret file> <data dir>
 */
import { readFileSync } from 'node:fs';
import { sandboxCloud } from '../../packages/tenantlink/src/auth/clouds.js';
import { loadKeyring } from '../../packages/tenantlink/src/connections/keyring.js';
import { ConnectionService } from '../../packages/tenantlink/src/connections/service.js';
import { Vault } from '../../packages/tenantlink/src/connections/vault.js';
import { allDatasets } from '../../packages/tenantlink/src/features/index.js';
import { openStore } from '../../packages/tenantlink/src/store/database.js';
import { SyncService } from '../../packages/tenantlink/src/sync/service.js';
import { readState } from './sandbox-process.js';

const [stateFile, appId, secretFile, dataDir] = process.argv.slice(2) as [string, string, string, string];
const state = readState(stateFile);
const { cloud } = sandboxCloud(stateFile);
const store = await openStore({ dataDir });
const service = new ConnectionService({
  store,
  vault: new Vault(await loadKeyring({ dataDir, env: {} })),
  customClouds: [cloud],
});
if (!(await service.list()).some((c) => c.name === 'bench'))
  await service.add({
    name: 'bench',
    tenant: state.tenants[0]!.id,
    clientId: appId,
    cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
    features: ['directory'],
    credential: { clientSecret: readFileSync(secretFile, 'utf8').trim() },
  });
const sync = new SyncService({ store, connections: service, datasets: allDatasets() });
const started = performance.now();
const run = await sync.run('bench', 'directory');
const wallMs = performance.now() - started;
const totals = await sync.totals('bench');
await service.close();
await store.close();
console.log(
  JSON.stringify({
    mode: run.mode,
    status: run.status,
    pages: run.progress.pages,
    records: run.progress.records,
    changes: run.progress.changes,
    stored: totals.present,
    wallMs,
    peakRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
