import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  BatchRequestContent,
  BatchResponseContent,
  type Client,
  PageIterator,
} from '@microsoft/microsoft-graph-client';
import { type Harness, startHarness } from '../src/testing/index.js';
import { clientCredentialTokens, graphSdkClient } from './helpers/graph-sdk.js';

describe('unmodified @microsoft/microsoft-graph-client against the sandbox', () => {
  let h: Harness;
  let client: Client;

  before(async () => {
    h = await startHarness({ users: 250 });
    const app = await h.createApp({
      displayName: 'SDK Client',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
    client = graphSdkClient(h, clientCredentialTokens(cca));
  });
  after(() => h.close());

  test('PageIterator follows @odata.nextLink through every user', async () => {
    const first = await client.api('/users').select('id,displayName').top(100).get();
    assert.equal(first.value.length, 100);
    assert.match(first['@odata.nextLink'], /^https:\/\/localhost:\d+\/v1\.0\/users\?/);
    const ids: string[] = [];
    const iterator = new PageIterator(client, first, (user: { id: string }) => {
      ids.push(user.id);
      return true;
    });
    await iterator.iterate();
    assert.equal(ids.length, 250);
    assert.equal(new Set(ids).size, 250, 'no user is returned twice');
  });

  test('BatchRequestContent: parallel requests and a dependsOn chain, per-request statuses', async () => {
    const users = await client.api('/users').top(2).select('id').get();
    const batch = new BatchRequestContent([
      { id: '1', request: new Request(`${h.sandbox.graph}/users/${users.value[0].id}`, { method: 'GET' }) },
      { id: '2', request: new Request(`${h.sandbox.graph}/groups?$top=3`, { method: 'GET' }), dependsOn: ['1'] },
      {
        id: '3',
        request: new Request(`${h.sandbox.graph}/users/00000000-0000-0000-0000-000000000000`, { method: 'GET' }),
        dependsOn: ['2'],
      },
    ]);
    const response = new BatchResponseContent(await client.api('/$batch').post(await batch.getContent()));
    assert.equal(response.getResponseById('1')!.status, 200);
    assert.equal((await response.getResponseById('1')!.json()).id, users.value[0].id);
    assert.equal(response.getResponseById('2')!.status, 200);
    assert.equal((await response.getResponseById('2')!.json()).value.length, 3);
    assert.equal(response.getResponseById('3')!.status, 404);
    assert.equal((await response.getResponseById('3')!.json()).error.code, 'Request_ResourceNotFound');
  });

  test('RetryHandler waits Retry-After on a 429 and succeeds', async () => {
    await h.control('POST', '/stats/reset');
    await h.control(
      'POST',
      '/faults',
      { pathPattern: '/v1.0/organization', status: 429, retryAfterSeconds: 1, count: 1 },
      201,
    );
    const started = Date.now();
    const org = await client
      .api('/organization')
      .get()
      .catch(async () => {
        // /organization needs Organization.Read.All; the fault answers before the permission check.
        return undefined;
      });
    const elapsed = Date.now() - started;
    const stats = await h.control('GET', '/stats');
    assert.equal(stats.byStatus['429'], 1, 'one throttled attempt');
    assert.ok(elapsed >= 950, `waited for Retry-After (${elapsed} ms)`);
    assert.equal(org, undefined, 'the retry reached the permission check (403), proving it was sent');
    assert.equal(stats.byStatus['403'], 1);

    await h.control(
      'POST',
      '/faults',
      { pathPattern: '/v1.0/users', method: 'GET', status: 429, retryAfterSeconds: 1, count: 2 },
      201,
    );
    const users = await client.api('/users').top(5).get();
    assert.equal(users.value.length, 5, 'succeeds after two throttled attempts');
    assert.equal((await h.control('GET', '/stats')).byStatus['429'], 3);
  });

  test('GraphError carries Graph’s code and status', async () => {
    await assert.rejects(
      client.api('/users/no-such-user@nowhere.test').get(),
      (err: { statusCode: number; code: string }) => {
        assert.equal(err.statusCode, 404);
        assert.equal(err.code, 'Request_ResourceNotFound');
        return true;
      },
    );
  });
});
