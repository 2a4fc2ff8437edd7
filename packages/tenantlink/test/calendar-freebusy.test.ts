import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { cloudEndpoints } from '../src/auth/clouds.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { type GraphSandbox, type Json, startGraphSandbox } from './helpers/graph-sandbox.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

/**
 * Free/busy through the API against the sandbox: many people in calls of 20, each call anchored on a mailbox of its
 * own; people Graph cannot read answer with an error of their own while the others answer.
 */
describe('calendar free/busy', () => {
  const target = storeTargets()[0]!;
  let s: GraphSandbox;
  let store: TestStore;
  let keyDir: string;
  let connections: ConnectionService;
  let app: FastifyInstance;
  let key: string;
  let people: string[];
  let noMailbox: string;
  let outsidePolicy: string;

  before(async () => {
    s = await startGraphSandbox({ users: 60 });
    const registered = await s.control('POST', `/tenants/${s.tenantId}/applications`, {
      displayName: 'free/busy',
      requiredPermissions: { application: ['Calendars.Read', 'User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const tenant = await s.control('GET', `/tenants/${s.tenantId}`);
    // People with a mailbox (some of the sandbox's seeded users have none).
    people = [];
    for (let i = 0; i < 45; i++)
      people.push(
        (
          await s.control('POST', `/tenants/${s.tenantId}/users`, {
            displayName: `Free Busy ${i}`,
            mailboxEnabled: true,
          })
        ).userPrincipalName,
      );
    noMailbox = (
      await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'No Mailbox', mailboxEnabled: false })
    ).userPrincipalName;
    const denied = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Outside Policy' });
    outsidePolicy = denied.userPrincipalName;
    const group = await s.control('POST', `/tenants/${s.tenantId}/groups`, {
      displayName: 'Denied to the app',
      mailEnabled: true,
      securityEnabled: true,
      members: [denied.id],
    });
    await s.control('POST', `/tenants/${s.tenantId}/applicationAccessPolicies`, {
      appId: registered.appId,
      scopeGroupId: group.id,
      accessRight: 'DenyAccess',
    });
    store = await target.open();
    keyDir = mkdtempSync(join(tmpdir(), 'tl-freebusy-'));
    connections = new ConnectionService({
      store,
      vault: new Vault(await loadKeyring({ dataDir: keyDir, env: {} })),
      customClouds: [
        {
          ...cloudEndpoints(
            { authorityHost: s.sandbox.authority, graphEndpoint: s.sandbox.graph },
            s.sandbox.caCertPem,
          ),
          graphResource: 'https://graph.microsoft.com',
        },
      ],
    });
    const cloud = { authorityHost: s.sandbox.authority, graphEndpoint: s.sandbox.graph };
    for (const [name, features] of [
      ['cal', ['calendar']],
      ['no-cal', ['directory']],
    ] as const)
      await connections.add({
        name,
        tenant: tenant.id,
        clientId: registered.appId,
        cloud,
        features: [...features],
        settings: { testUser: people[0] },
        credential: { clientSecret: registered.secret.value },
      });
    app = await buildServer({ store, service: connections, consoleDir: null });
    await app.ready();
    key = (await createApiKey(apiKeysRepository(store), 'freebusy')).key;
  });
  after(async () => {
    await app?.close();
    await connections?.close();
    await store?.close();
    await target.cleanUp();
    rmSync(keyDir, { recursive: true, force: true });
    await s?.close();
  });

  const freeBusy = async (connection: string, query: string) => {
    const res = await app.inject({
      url: `/api/v1/connections/${connection}/calendar/freebusy?${query}`,
      headers: { authorization: `Bearer ${key}` },
    });
    return { status: res.statusCode, body: res.json() as Json };
  };
  const day = (offset: number) => new Date(Date.UTC(2026, 11, 14 + offset, 0, 0, 0)).toISOString();

  test('45 people and three who cannot be read: calls of 20, each anchored on its own mailbox, errors per person', async () => {
    await s.control('POST', '/stats/reset');
    // The person outside the policy comes first in the last call, so that call is first anchored on them.
    const asked = [...people.slice(0, 40), outsidePolicy, ...people.slice(40), noMailbox, 'nobody@elsewhere.example'];
    const started = Date.now();
    const answer = await freeBusy(
      'cal',
      `users=${asked.map(encodeURIComponent).join(',')}&start=${day(0)}&end=${day(1)}&interval=60`,
    );
    const wallMs = Date.now() - started;
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const schedules = answer.body.schedules as Json[];
    assert.deepEqual(
      schedules.map((x) => x.user),
      asked,
      'one answer per person, in the order asked',
    );
    for (const x of schedules.filter((x) => people.includes(x.user))) {
      assert.equal(x.error, undefined, JSON.stringify(x));
      assert.match(x.availabilityView, /^[0-4]{24}$/);
      assert.ok(Array.isArray(x.items));
      assert.equal(x.workingHours.timeZone, 'UTC');
    }
    const errorOf = (user: string) => schedules.find((x) => x.user === user)!.error;
    assert.equal(errorOf(outsidePolicy).code, 'ErrorAccessDenied');
    assert.equal(errorOf(noMailbox).code, 'ErrorMailRecipientNotFound');
    assert.equal(errorOf('nobody@elsewhere.example').code, 'ErrorMailRecipientNotFound');

    const stats = await s.control('GET', '/stats');
    const calls = stats.byRoute['POST /v1.0/users/:id/calendar/getSchedule'];
    // ceil(48 / 20) = 3 calls, and one more for the call whose first anchor was refused.
    assert.equal(calls, 4, JSON.stringify(stats.byRoute));
    assert.equal(stats.throttled, 0);
    assert.ok(
      Object.values(stats.peakConcurrencyByMailbox as Record<string, number>).every((n) => n <= 1),
      'every call on a mailbox of its own',
    );

    // Asked again within the cache's life: nothing goes to Graph.
    await s.control('POST', '/stats/reset');
    const again = await freeBusy(
      'cal',
      `users=${people.slice(0, 5).join(',')}&start=${day(0)}&end=${day(1)}&interval=60`,
    );
    assert.equal(again.status, 200);
    assert.equal((await s.control('GET', '/stats')).byRoute['POST /v1.0/users/:id/calendar/getSchedule'], undefined);
    assert.ok(wallMs < 10_000, `${wallMs} ms`);
  });

  test('bad input is refused with the reason; a connection without the calendar feature says so', async () => {
    const range = `start=${day(0)}&end=${day(1)}`;
    const cases: [string, string, number, RegExp][] = [
      ['cal', `users=not-an-address&${range}`, 400, /not an e-mail address/],
      ['cal', `users=${people[0]}&start=${day(1)}&end=${day(0)}`, 400, /end must come after start/],
      ['cal', `users=${people[0]}&start=${day(0)}&end=${day(70)}`, 400, /at most 61 days/],
      ['cal', `users=${people[0]}&start=yesterday&end=${day(1)}`, 400, /ISO date-time/],
      ['cal', `users=${people[0]}&${range}&interval=2`, 400, /interval/],
      [
        'cal',
        `users=${Array.from({ length: 1001 }, (_, i) => `p${i}@x.example`).join(',')}&${range}`,
        400,
        /1 to 1000 people/,
      ],
      ['no-cal', `users=${people[0]}&${range}`, 400, /does not have the calendar feature/],
      ['nobody', `users=${people[0]}&${range}`, 404, /nobody/],
    ];
    for (const [connection, query, status, message] of cases) {
      const res = await freeBusy(connection, query);
      assert.equal(res.status, status, `${query.slice(0, 80)}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message);
    }
  });
});
