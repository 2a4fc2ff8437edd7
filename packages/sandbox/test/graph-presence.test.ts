import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@microsoft/microsoft-graph-client';
import { ChangeBus, type ResourceChange } from '../src/graph/notifications/bus.js';
import { type Harness, type Json, startHarness, type TestApp } from '../src/testing/index.js';
import { clientCredentialTokens, graphSdkClient } from './helpers/graph-sdk.js';

const AVAILABILITY = [
  'Available',
  'AvailableIdle',
  'Away',
  'BeRightBack',
  'Busy',
  'BusyIdle',
  'DoNotDisturb',
  'Offline',
  'PresenceUnknown',
];

describe('Graph presence workload', () => {
  let h: Harness;
  let reader: string;
  let writer: { token: string; app: TestApp };
  let unrelated: string;
  let client: Client;
  let users: Json[];
  const published: ResourceChange[] = [];
  const originalPublish = ChangeBus.prototype.publish;

  before(async () => {
    ChangeBus.prototype.publish = function (this: ChangeBus, change: ResourceChange) {
      published.push(change);
      originalPublish.call(this, change);
    };
    h = await startHarness({ users: 40 });
    reader = (await h.appToken(['Presence.Read.All'])).token;
    writer = await h.appToken(['Presence.ReadWrite.All']);
    unrelated = (await h.appToken(['User.Read.All'])).token;
    users = (await h.graph(unrelated, '/users?$top=40&$select=id,userPrincipalName')).body.value;
    const cca = h.confidentialClient(writer.app.appId, { clientSecret: writer.app.secret!.value });
    client = graphSdkClient(h, clientCredentialTokens(cca));
  });
  after(async () => {
    ChangeBus.prototype.publish = originalPublish;
    await h.close();
  });

  const setClientState = (user: string, availability: string, activity: string) =>
    h.control('PATCH', `/tenants/${h.tenantId}/users/${user}/presence`, { availability, activity });

  test('GET /users/{id}/presence through the Graph SDK: a seeded, stable, believable presence', async () => {
    const first = await client.api(`/users/${users[0].id}/presence`).get();
    assert.equal(first.id, users[0].id);
    assert.ok(AVAILABILITY.includes(first.availability));
    assert.equal(typeof first.activity, 'string');
    assert.deepEqual(Object.keys(first.outOfOfficeSettings).sort(), ['isOutOfOffice', 'message']);
    const again = await client.api(`/users/${users[0].id}/presence`).get();
    assert.deepEqual(again, first, 'the same presence twice');
    const byUpn = await h.graph(reader, `/users/${users[0].userPrincipalName}/presence`);
    assert.equal(byUpn.body.availability, first.availability);
    const viaCommunications = await h.graph(reader, `/communications/presences/${users[0].id}`);
    assert.equal(viaCommunications.status, 200);
    assert.equal(viaCommunications.body.activity, first.activity);

    const all = (await client.api('/communications/getPresencesByUserId').post({ ids: users.map((u) => u.id) })).value;
    const states = new Set(all.map((p: Json) => p.availability));
    assert.ok(states.size >= 3, `a mix of states across 40 users, saw ${[...states]}`);
  });

  test('getPresencesByUserId: order kept, duplicates dropped, unknown IDs PresenceUnknown, over 650 IDs is a 400', async () => {
    const unknown = randomUUID();
    const res = await h.graph(reader, '/communications/getPresencesByUserId', {
      method: 'POST',
      body: { ids: [users[2].id, unknown, users[1].id, users[2].id] },
    });
    assert.equal(res.status, 200);
    assert.deepEqual(
      res.body.value.map((p: Json) => p.id),
      [users[2].id, unknown, users[1].id],
    );
    assert.equal(res.body.value[1].availability, 'PresenceUnknown');
    assert.equal(res.body.value[1].activity, 'PresenceUnknown');

    const tooMany = Array.from({ length: 651 }, () => randomUUID());
    const rejected = await h.graph(reader, '/communications/getPresencesByUserId', {
      method: 'POST',
      body: { ids: tooMany },
    });
    assert.equal(rejected.status, 400);
    assert.equal(rejected.body.error.code, 'BadRequest');
    assert.match(rejected.body.error.message, /650/);
    const atLimit = await h.graph(reader, '/communications/getPresencesByUserId', {
      method: 'POST',
      body: { ids: tooMany.slice(0, 650) },
    });
    assert.equal(atLimit.status, 200);
    assert.equal(atLimit.body.value.length, 650);

    const empty = await h.graph(reader, '/communications/getPresencesByUserId', { method: 'POST', body: { ids: [] } });
    assert.equal(empty.status, 400);
  });

  test("GET /communications/presences?$filter=id in (...) lists those users' presence", async () => {
    const filter = encodeURIComponent(`id in ('${users[3].id}','${users[4].id}')`);
    const res = await h.graph(reader, `/communications/presences?$filter=${filter}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(
      res.body.value.map((p: Json) => p.id),
      [users[3].id, users[4].id],
    );
    const unfiltered = await h.graph(reader, '/communications/presences');
    assert.equal(unfiltered.status, 400);
  });

  test('an unknown user is a 404', async () => {
    const res = await h.graph(reader, `/users/${randomUUID()}/presence`);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'Request_ResourceNotFound');
  });

  test('the control API changes the Teams state: visible in Graph and published as a presence change', async () => {
    const id = users[5].id;
    published.length = 0;
    const shown = await setClientState(id, 'DoNotDisturb', 'Presenting');
    assert.equal(shown.availability, 'DoNotDisturb');
    const res = await h.graph(reader, `/users/${id}/presence`);
    assert.equal(res.body.availability, 'DoNotDisturb');
    assert.equal(res.body.activity, 'Presenting');
    const change = published.find((c) => c.resource === `communications/presences/${id}`);
    assert.ok(change, 'a change was published');
    assert.equal(change.changeType, 'updated');
    assert.equal(change.odataType, '#microsoft.graph.presence');
    assert.equal(change.id, id);

    published.length = 0;
    await setClientState(id, 'DoNotDisturb', 'Presenting');
    assert.equal(published.length, 0, 'no change, nothing published');
    await h.control('PATCH', `/tenants/${h.tenantId}/users/${id}/presence`, { availability: 'Sleepy' }, 400);
  });

  test('setPresence wins until it expires on the sandbox clock; clearPresence ends it', async () => {
    const id = users[6].id;
    const path = `/users/${id}/presence`;
    await setClientState(id, 'Away', 'Away');
    published.length = 0;
    await client.api(`${path}/setPresence`).post({
      sessionId: writer.app.appId,
      availability: 'Busy',
      activity: 'InACall',
      expirationDuration: 'PT10M',
    });
    assert.equal((await h.graph(reader, path)).body.activity, 'InACall');
    assert.equal(published.filter((c) => c.id === id).length, 1);
    try {
      await h.control('POST', '/clock', { advanceSeconds: 9 * 60 });
      assert.equal((await h.graph(reader, path)).body.activity, 'InACall', 'still within PT10M');
      await h.control('POST', '/clock', { advanceSeconds: 2 * 60 });
      const expired = (await h.graph(reader, path)).body;
      assert.equal(expired.availability, 'Away', 'back to the Teams state once the session expired');
    } finally {
      await h.control('DELETE', '/clock');
    }

    const set = await h.graph(writer.token, `${path}/setPresence`, {
      method: 'POST',
      body: { sessionId: writer.app.appId, availability: 'DoNotDisturb', activity: 'Presenting' },
    });
    assert.equal(set.status, 200);
    assert.equal((await h.graph(reader, path)).body.availability, 'DoNotDisturb');
    const cleared = await h.graph(writer.token, `${path}/clearPresence`, {
      method: 'POST',
      body: { sessionId: writer.app.appId },
    });
    assert.equal(cleared.status, 200);
    assert.equal((await h.graph(reader, path)).body.availability, 'Away');
  });

  test('setPresence validation: unsupported pairs, duration range, sessionId of another app', async () => {
    const url = `/users/${users[7].id}/presence/setPresence`;
    const post = (body: Json) => h.graph(writer.token, url, { method: 'POST', body });
    const base = { sessionId: writer.app.appId, availability: 'Available', activity: 'Available' };
    const pair = await post({ ...base, availability: 'Busy', activity: 'Away' });
    assert.equal(pair.status, 400);
    assert.equal(pair.body.error.code, 'BadRequest');
    assert.equal((await post({ ...base, expirationDuration: 'PT4M' })).status, 400);
    assert.equal((await post({ ...base, expirationDuration: 'PT5H' })).status, 400);
    assert.equal((await post({ ...base, expirationDuration: 'PT4H' })).status, 200);
    assert.equal((await post({ ...base, sessionId: randomUUID() })).status, 400);
    assert.equal((await post({ sessionId: writer.app.appId })).status, 400);
  });

  test('setUserPreferredPresence overrides while the user is online; setStatusMessage shows a note', async () => {
    const id = users[8].id;
    const path = `/users/${id}/presence`;
    await setClientState(id, 'Available', 'Available');
    const post = (action: string, body: Json) => h.graph(writer.token, `${path}/${action}`, { method: 'POST', body });
    assert.equal((await post('setUserPreferredPresence', { availability: 'Busy', activity: 'InACall' })).status, 400);
    assert.equal(
      (await post('setUserPreferredPresence', { availability: 'BeRightBack', activity: 'BeRightBack' })).status,
      200,
    );
    assert.equal((await h.graph(reader, path)).body.availability, 'BeRightBack');
    await setClientState(id, 'Offline', 'Offline');
    assert.equal((await h.graph(reader, path)).body.availability, 'Offline', 'no session: preferred presence waits');
    await setClientState(id, 'Available', 'Available');
    assert.equal((await post('clearUserPreferredPresence', {})).status, 200);
    assert.equal((await h.graph(reader, path)).body.availability, 'Available');

    const note = { statusMessage: { message: { content: 'In the lab today', contentType: 'text' } } };
    assert.equal((await post('setStatusMessage', note)).status, 200);
    assert.equal((await h.graph(reader, path)).body.statusMessage.message.content, 'In the lab today');
  });

  test('delegated: /me/presence with Presence.Read, other users need Presence.Read.All; /me with an app token is a 400', async () => {
    const app = await h.createApp({
      displayName: 'Presence Me',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['Presence.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const person = await h.control('POST', `/tenants/${h.tenantId}/users`, { displayName: 'Presence Person' }, 201);
    await setClientState(person.id, 'Busy', 'InAMeeting');
    const result = await h.publicClient(app.appId).acquireTokenByUsernamePassword({
      scopes: ['Presence.Read'],
      username: person.userPrincipalName,
      password: person.password,
    });
    const token = result!.accessToken;
    const me = await h.graph(token, '/me/presence');
    assert.equal(me.status, 200);
    assert.equal(me.body.id, person.id);
    assert.equal(me.body.activity, 'InAMeeting');
    assert.match(me.body['@odata.context'], /\/v1\.0\/\$metadata#users\/presence\/\$entity$/);
    assert.equal((await h.graph(token, `/users/${person.id}/presence`)).status, 200);
    const other = await h.graph(token, `/users/${users[0].id}/presence`);
    assert.equal(other.status, 403);
    const bulk = await h.graph(token, '/communications/getPresencesByUserId', {
      method: 'POST',
      body: { ids: [person.id] },
    });
    assert.equal(bulk.status, 403, 'bulk needs Presence.Read.All');

    const appOnly = await h.graph(reader, '/me/presence');
    assert.equal(appOnly.status, 400);
    assert.equal(appOnly.body.error.message, '/me request is only valid with delegated authentication flow.');
  });

  test('permissions: other permissions are refused, Presence.ReadWrite.All reads too, Presence.Read.All cannot write', async () => {
    const denied = await h.graph(unrelated, `/users/${users[0].id}/presence`);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.code, 'Forbidden');
    const bulkDenied = await h.graph(unrelated, '/communications/getPresencesByUserId', {
      method: 'POST',
      body: { ids: [users[0].id] },
    });
    assert.equal(bulkDenied.status, 403);
    assert.equal((await h.graph(writer.token, `/users/${users[0].id}/presence`)).status, 200);
    const readOnly = await h.graph(reader, `/users/${users[0].id}/presence/setPresence`, {
      method: 'POST',
      body: { sessionId: randomUUID(), availability: 'Available', activity: 'Available' },
    });
    assert.equal(readOnly.status, 403);
  });

  test('presence quota: 1,500 requests per 30 s per app and tenant (scaled down), then 429 with Retry-After', async () => {
    await h.control('PUT', '/throttling', { scale: 0.01 });
    try {
      const token = (await h.appToken(['Presence.Read.All'])).token;
      const statuses: number[] = [];
      for (let i = 0; i < 16; i++) statuses.push((await h.graph(token, `/users/${users[0].id}/presence`)).status);
      assert.deepEqual(statuses.slice(0, 15), Array(15).fill(200));
      assert.equal(statuses[15], 429);
      const throttled = await h.graph(token, '/communications/getPresencesByUserId', {
        method: 'POST',
        body: { ids: [users[0].id] },
      });
      assert.equal(throttled.status, 429, 'the bulk call shares the quota');
      assert.equal(throttled.body.error.code, 'TooManyRequests');
      assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
      assert.equal((await h.graph(reader, `/users/${users[0].id}/presence`)).status, 200, 'another app has its own');
    } finally {
      await h.control('PUT', '/throttling', { scale: 1 });
    }
  });
});
