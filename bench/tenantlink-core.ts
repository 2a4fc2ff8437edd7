/**
 * tenantlink core figures against an in-process sandbox, each beside a baseline measured in the same run:
 * - listing a large directory through GraphClient.paginate vs a bare undici fetch loop following @odata.nextLink;
 * - 200 user reads through GraphClient.batch vs the same reads one request each (4 in flight);
 * - a cached token from ClientCredentialProvider vs the first token request;
 * - vault encrypt/decrypt vs bare AES-256-GCM.
 *
 * Run: `npm run build -w @tenantlink/sandbox && node --import tsx bench/tenantlink-core.ts [users]` (default 100000).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@tenantlink/sandbox';
import { Agent, fetch } from 'undici';
import { ClientCredentialProvider } from '../packages/tenantlink/src/auth/client-credential-provider.js';
import { loadKeyring } from '../packages/tenantlink/src/connections/keyring.js';
import { Vault } from '../packages/tenantlink/src/connections/vault.js';
import { GraphClient } from '../packages/tenantlink/src/graph/client.js';

// biome-ignore lint/suspicious/noExplicitAny: control-API and Graph JSON.
type Json = any;

const users = Number(process.argv[2] ?? 100_000);
const rounds = 3;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main() {
  const started = performance.now();
  const sandbox = await startSandbox({ port: 0, dataDir: join(tmpdir(), 'tenantlink-bench'), stateFile: false, users });
  console.log(`sandbox with ${users} users ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem }, connections: 64 });
  const tenantId = sandbox.tenants[0]!.id;
  const res = await fetch(`${sandbox.control}/tenants/${tenantId}/applications`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: 'bench',
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    }),
  });
  const app = (await res.json()) as Json;
  const provider = new ClientCredentialProvider({
    cloud: {
      name: 'sandbox',
      authorityHost: sandbox.authority,
      graphEndpoint: sandbox.graph,
      caCertPem: sandbox.caCertPem,
      graphResource: 'https://graph.microsoft.com',
    },
    tenant: tenantId,
    clientId: app.appId,
    credential: { clientSecret: app.secret.value },
  });

  // Tokens.
  let t = performance.now();
  await provider.getToken();
  const firstToken = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < 1000; i++) await provider.getToken();
  const cachedToken = (performance.now() - t) / 1000;
  console.log(`token: first request ${firstToken.toFixed(1)} ms; cached ${(cachedToken * 1000).toFixed(1)} µs`);

  const token = (await provider.getToken()).token;
  const client = new GraphClient({
    graphEndpoint: sandbox.graph,
    getToken: async (o) => (await provider.getToken(o)).token,
    dispatcher,
  });

  // Listing.
  const bare = async () => {
    let url: string | undefined = `${sandbox.graph.replace(/\/v1\.0$/, '')}/v1.0/users?$select=id,displayName&$top=999`;
    let count = 0;
    while (url) {
      const page = (await (
        await fetch(url, { dispatcher, headers: { authorization: `Bearer ${token}` } })
      ).json()) as Json;
      if (!Array.isArray(page.value)) throw new Error(`bare fetch: ${JSON.stringify(page).slice(0, 300)}`);
      count += page.value.length;
      url = page['@odata.nextLink'];
    }
    return count;
  };
  const piped = async () => {
    let count = 0;
    for await (const _user of client.paginate('/users', { select: ['id', 'displayName'], top: 999 })) count++;
    return count;
  };
  const listing: Record<string, number[]> = { bare: [], tenantlink: [] };
  let peakHeap = 0;
  const heapWatch = setInterval(() => {
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }, 20);
  const heapBefore = process.memoryUsage().heapUsed;
  for (let r = 0; r < rounds; r++) {
    for (const [name, run] of [
      ['bare', bare],
      ['tenantlink', piped],
    ] as const) {
      t = performance.now();
      const count = await run();
      if (count !== users) throw new Error(`${name} listed ${count} users, expected ${users}`);
      listing[name]!.push(performance.now() - t);
    }
  }
  clearInterval(heapWatch);
  const bareMs = median(listing.bare!);
  const tlMs = median(listing.tenantlink!);
  console.log(
    `list ${users} users (median of ${rounds}): bare fetch ${(bareMs / 1000).toFixed(2)} s ` +
      `(${Math.round(users / (bareMs / 1000))} users/s); tenantlink ${(tlMs / 1000).toFixed(2)} s ` +
      `(${Math.round(users / (tlMs / 1000))} users/s); overhead ${(((tlMs - bareMs) / bareMs) * 100).toFixed(1)} %; ` +
      `heap peak +${mb(peakHeap - heapBefore)} over ${mb(heapBefore)}`,
  );

  // Batch vs single requests.
  const ids: string[] = [];
  for await (const u of client.paginate<{ id: string }>('/users', { select: ['id'], top: 200 })) {
    ids.push(u.id);
    if (ids.length === 200) break;
  }
  t = performance.now();
  const results = await client.batch(
    ids.map((id, i) => ({ id: String(i), method: 'GET', url: `/users/${id}?$select=id` })),
  );
  const batchMs = performance.now() - t;
  if (results.some((r) => r.status !== 200)) throw new Error('a batch item failed');
  t = performance.now();
  const queue = [...ids];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let id = queue.shift(); id; id = queue.shift()) await client.get(`/users/${id}`, { select: ['id'] });
    }),
  );
  const singleMs = performance.now() - t;
  console.log(
    `200 user reads: $batch (10 calls of 20) ${batchMs.toFixed(0)} ms; single requests, 4 in flight ${singleMs.toFixed(0)} ms`,
  );
  const metrics = client.metrics();
  const { total } = metrics;
  console.log(`client metrics: ${total.requests} requests, ${total.retries} retries, ${total.throttled} throttled`);

  // Vault.
  const vault = new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tenantlink-bench-vault-')) }), {
    registerDecryptedSecrets: false,
  });
  const secret = randomBytes(30).toString('base64');
  const n = 20_000;
  t = performance.now();
  for (let i = 0; i < n; i++)
    vault.decrypt(vault.encrypt(secret, 'connection:x:client_secret'), 'connection:x:client_secret');
  const vaultUs = ((performance.now() - t) / n) * 1000;
  const key = randomBytes(32);
  t = performance.now();
  for (let i = 0; i < n; i++) {
    const nonce = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', key, nonce);
    const ct = Buffer.concat([c.update(secret), c.final()]);
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAuthTag(c.getAuthTag());
    Buffer.concat([d.update(ct), d.final()]);
  }
  const rawUs = ((performance.now() - t) / n) * 1000;
  console.log(`vault encrypt+decrypt ${vaultUs.toFixed(1)} µs; bare AES-256-GCM ${rawUs.toFixed(1)} µs`);

  await dispatcher.close();
  await sandbox.close();
}

await main();
