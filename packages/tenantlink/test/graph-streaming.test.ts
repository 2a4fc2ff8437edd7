import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { GraphPage } from '../src/graph/client.js';
import { type GraphSandbox, startGraphSandbox } from './helpers/graph-sandbox.js';

interface User {
  id: string;
  displayName: string;
  userPrincipalName: string;
  mail: string | null;
  jobTitle: string | null;
}

const MB = 1024 * 1024;

// A full collection on demand, so the samples show what is retained rather than garbage not yet collected.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
let env: GraphSandbox;
let getToken: () => Promise<string>;

before(async () => {
  env = await startGraphSandbox({ users: 100_000 });
  ({ getToken } = await env.app(['User.Read.All']));
});
after(() => env.close());

test('streams 100,000 users page by page with a flat heap', async () => {
  const client = env.client(getToken);
  const select = [
    'id',
    'displayName',
    'givenName',
    'surname',
    'userPrincipalName',
    'mail',
    'jobTitle',
    'department',
    'officeLocation',
    'mobilePhone',
    'businessPhones',
    'employeeId',
    'accountEnabled',
    'createdDateTime',
    'usageLocation',
    'preferredLanguage',
  ];
  // A manual check that this test can fail: TENANTLINK_TEST_RETAIN=1 keeps every user, as a non-streaming client would.
  const retained: User[] = [];
  const retain = process.env.TENANTLINK_TEST_RETAIN === '1';
  let count = 0;
  let pages = 0;
  let bytes = 0;
  const ids = new Set<string>();
  const samples: number[] = [];
  const collected: number[] = [];
  let baseline = 0;
  for await (const page of client.pages<User>('/users', { select, top: 999 })) {
    pages += 1;
    count += page.value.length;
    bytes += JSON.stringify(page).length;
    // Remember only a hash-sized key per user, as a sync engine storing rows would.
    for (const u of page.value) if (ids.size < 100) ids.add(u.id);
    if (retain) retained.push(...page.value);
    if (pages % 10 === 0) collectGarbage();
    if (pages === 10) baseline = process.memoryUsage().heapUsed;
    if (pages > 10) samples.push(process.memoryUsage().heapUsed);
    if (pages > 10 && pages % 10 === 0) collected.push(process.memoryUsage().heapUsed);
  }
  assert.equal(count, 100_000);
  assert.equal(pages, Math.ceil(count / 999));
  const peakGrowth = Math.max(...samples) - baseline;
  const retainedGrowth = (collected.at(-1) ?? 0) - baseline;
  console.log(
    `pages=${pages} users=${count} json=${(bytes / MB).toFixed(1)} MB heap baseline=${(baseline / MB).toFixed(1)} MB ` +
      `peak growth=${(peakGrowth / MB).toFixed(1)} MB retained after GC=${(retainedGrowth / MB).toFixed(1)} MB`,
  );
  assert.ok(bytes > 40 * MB, 'the listing is large enough to matter');
  assert.ok(retainedGrowth < 10 * MB, `retained ${(retainedGrowth / MB).toFixed(1)} MB after a full GC`);
  // Between collections the heap holds a page or two of garbage; a client keeping every user passes 60 MB.
  assert.ok(peakGrowth < 40 * MB, `heap grew by ${(peakGrowth / MB).toFixed(1)} MB while streaming`);
});

test('one page holds @odata.count and the nextLink', async () => {
  const client = env.client(getToken);
  const pages = client.pages<User>('/users', {
    select: ['id'],
    top: 5,
    query: { $count: 'true' },
    headers: { ConsistencyLevel: 'eventual' },
  });
  const first = (await pages.next()).value as GraphPage<User>;
  await pages.return();
  assert.equal(first.value.length, 5);
  assert.ok((first['@odata.count'] ?? 0) >= 100_000);
  assert.ok(first['@odata.nextLink']?.includes('$skiptoken') || first['@odata.nextLink']?.includes('%24skiptoken'));
});
