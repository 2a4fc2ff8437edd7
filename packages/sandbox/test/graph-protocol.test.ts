import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CryptoProvider } from '@azure/msal-node';
import { asRedirect, Browser, completeSignIn, type graph, type Harness, startHarness } from '../src/testing/index.js';

describe('Graph protocol core', () => {
  let h: Harness;
  let reader: string;

  before(async () => {
    h = await startHarness({ users: 60 });
    reader = (await h.appToken(['User.Read.All', 'GroupMember.Read.All'])).token;
  });
  after(() => h.close());

  describe('bearer tokens', () => {
    test('missing, malformed, expired and wrong-audience tokens get 401 InvalidAuthenticationToken', async () => {
      const missing = await h.graph(null, '/users');
      assert.equal(missing.status, 401);
      assert.equal(missing.body.error.code, 'InvalidAuthenticationToken');
      assert.equal(missing.body.error.message, 'Access token is empty.');
      assert.match(missing.headers.get('www-authenticate')!, /^Bearer realm=""/);

      const garbage = await h.graph('not-a-jwt', '/users');
      assert.match(garbage.body.error.message, /^IDX14100: JWT is not well formed, there are no dots/);
      const threeParts = await h.graph('a.b', '/users');
      assert.equal(threeParts.body.error.message, 'CompactToken parsing failed with error code: 80049217');

      const tampered = await h.graph(`${reader.slice(0, -4)}AAAA`, '/users');
      assert.equal(tampered.status, 401);
      assert.equal(tampered.body.error.message, 'Access token validation failure.');

      await h.control('POST', '/clock', { advanceSeconds: 3 * 3600 });
      try {
        const expired = await h.graph(reader, '/users');
        assert.equal(expired.status, 401);
        assert.equal(expired.body.error.message, 'Lifetime validation failed, the token is expired.');
      } finally {
        await h.control('DELETE', '/clock');
      }
    });

    test('an id token (audience = the client) is refused as a Graph token', async () => {
      const redirect = 'https://aud.example.test/cb';
      const app = await h.createApp({ displayName: 'Audience', redirectUris: { web: [redirect] }, secret: {} });
      const user = (await h.control('GET', `/tenants/${h.tenantId}`)).users.find(
        (u: { isAdmin: boolean; accountEnabled: boolean }) => !u.isAdmin && u.accountEnabled,
      );
      const cca = h.confidentialClient(app.appId, { clientSecret: app.secret!.value });
      const pkce = await new CryptoProvider().generatePkceCodes();
      const url = await cca.getAuthCodeUrl({
        scopes: ['User.Read'],
        redirectUri: redirect,
        codeChallenge: pkce.challenge,
        codeChallengeMethod: 'S256',
      });
      const browser = new Browser(h);
      const code = asRedirect(
        await completeSignIn(browser, await browser.open(url), { ...user, consent: 'accept' }),
      ).searchParams.get('code')!;
      const result = await cca.acquireTokenByCode({
        code,
        scopes: ['User.Read'],
        redirectUri: redirect,
        codeVerifier: pkce.verifier,
      });
      const wrong = await h.graph(result.idToken, '/me');
      assert.equal(wrong.status, 401);
      assert.equal(wrong.body.error.message, 'Access token validation failure. Invalid audience.');
      const me = await h.graph(result.accessToken, '/me');
      assert.equal(me.status, 200);
      assert.equal(me.body.id, user.id);
    });
  });

  describe('responses', () => {
    test('request-id, echoed client-request-id and Date on every response; Graph’s error envelope', async () => {
      const ok = await h.graph(reader, '/users?$top=1', { headers: { 'client-request-id': 'my-correlation' } });
      assert.match(ok.headers.get('request-id')!, /^[0-9a-f-]{36}$/);
      assert.equal(ok.headers.get('client-request-id'), 'my-correlation');
      assert.ok(ok.headers.get('date'));
      const err = await h.graph(reader, '/users/nobody@nowhere.test', { headers: { 'client-request-id': 'corr-2' } });
      assert.equal(err.status, 404);
      assert.deepEqual(Object.keys(err.body.error), ['code', 'message', 'innerError']);
      assert.equal(err.body.error.code, 'Request_ResourceNotFound');
      assert.equal(err.body.error.innerError['client-request-id'], 'corr-2');
      assert.equal(err.body.error.innerError['request-id'], err.headers.get('request-id'));
      assert.match(err.body.error.innerError.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
      const unknown = await h.graph(reader, '/nonsense');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.message, "Resource not found for the segment 'nonsense'.");
    });
  });

  describe('permissions', () => {
    test('a token without the permission gets 403 Authorization_RequestDenied', async () => {
      const { token } = await h.appToken(['Mail.Send']);
      const denied = await h.graph(token, '/users');
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'Authorization_RequestDenied');
      assert.equal(denied.body.error.message, 'Insufficient privileges to complete the operation.');
    });

    for (const permission of ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']) {
      test(`GET /users accepts ${permission}`, async () => {
        const { token } = await h.appToken([permission]);
        assert.equal((await h.graph(token, '/users?$top=1')).status, 200);
      });
    }
    for (const permission of [
      'GroupMember.Read.All',
      'Group.Read.All',
      'Directory.Read.All',
      'Group.ReadWrite.All',
      'Directory.ReadWrite.All',
    ]) {
      test(`GET /groups/delta accepts ${permission}`, async () => {
        const { token } = await h.appToken([permission]);
        assert.equal((await h.graph(token, '/groups/delta')).status, 200);
      });
    }

    test('/me needs a delegated token', async () => {
      const me = await h.graph(reader, '/me');
      assert.equal(me.status, 400);
      assert.equal(me.body.error.message, '/me request is only valid with delegated authentication flow.');
    });

    test('an app token with no roles at all is refused before any permission check', async () => {
      const app = await h.createApp({ displayName: 'No Roles', secret: {} });
      const result = await h
        .confidentialClient(app.appId, {
          clientSecret: app.secret!.value,
        })
        .acquireTokenByClientCredential({
          scopes: ['https://graph.microsoft.com/.default'],
        });
      const res = await h.graph(result!.accessToken, '/users');
      assert.equal(res.status, 401);
      assert.equal(res.body.error.message, 'Either scp or roles claim need to be present in the token.');
    });
  });

  describe('OData', () => {
    test('$select, $top maximum, paging with an absolute nextLink', async () => {
      const page = await h.graph(reader, '/users?$select=id,displayName&$top=25');
      assert.equal(page.body.value.length, 25);
      assert.deepEqual(Object.keys(page.body.value[0]), ['id', 'displayName']);
      assert.equal(page.body['@odata.context'], `${h.sandbox.graph}/$metadata#users(id,displayName)`);
      const next = page.body['@odata.nextLink'] as string;
      assert.match(next, new RegExp(`^${h.sandbox.graph}/users\\?.*\\$skiptoken=`));
      const second = await h.graph(reader, next);
      assert.equal(second.body.value.length, 25);
      assert.notEqual(second.body.value[0].id, page.body.value[0].id);
      const tooMany = await h.graph(reader, '/users?$top=1000');
      assert.equal(tooMany.status, 400);
      assert.equal(
        tooMany.body.error.message,
        "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.",
      );
      const badSelect = await h.graph(reader, '/users?$select=shoeSize');
      assert.equal(
        badSelect.body.error.message,
        "Could not find a property named 'shoeSize' on type 'microsoft.graph.user'.",
      );
      const defaults = await h.graph(reader, '/users?$top=1');
      assert.ok(!('department' in defaults.body.value[0]), 'department is not in the default property set');
    });

    test('$filter: eq, startswith, in, any(); unsupported ones fail as Graph does', async () => {
      const all = (await h.graph(reader, '/users?$top=999&$select=id,userPrincipalName,department,accountEnabled')).body
        .value;
      const target = all[5];
      const eq = await h.graph(reader, `/users?$filter=userPrincipalName eq '${target.userPrincipalName}'`);
      assert.deepEqual(
        eq.body.value.map((u: { id: string }) => u.id),
        [target.id],
      );
      const sw = await h.graph(
        reader,
        `/users?$filter=startswith(displayName,'${target.userPrincipalName[0]}')&$select=displayName`,
      );
      assert.ok(
        sw.body.value.every((u: { displayName: string }) =>
          u.displayName.toLowerCase().startsWith(target.userPrincipalName[0]),
        ),
      );
      const inList = await h.graph(reader, `/users?$filter=id in ('${all[1].id}','${all[2].id}')`);
      assert.equal(inList.body.value.length, 2);
      const licensed = await h.graph(
        reader,
        '/users?$filter=assignedLicenses/any(x:x/skuId eq 6fd2c87f-b296-42f0-b197-1e91e994b900)&$select=id&$top=999',
      );
      assert.ok(licensed.body.value.length > 0 && licensed.body.value.length < all.length);
      const unified = await h.graph(
        reader,
        "/groups?$filter=groupTypes/any(c:c eq 'Unified')&$select=displayName,groupTypes",
      );
      assert.ok(unified.body.value.length > 0);
      assert.ok(unified.body.value.every((g: { groupTypes: string[] }) => g.groupTypes.includes('Unified')));
      const endsWith = await h.graph(reader, "/users?$filter=endswith(mail,'.com')");
      assert.equal(endsWith.status, 400);
      assert.equal(endsWith.body.error.code, 'Request_UnsupportedQuery');
      const advanced = await h.graph(reader, "/users?$filter=endswith(mail,'.com')&$count=true&$top=999", {
        headers: { ConsistencyLevel: 'eventual' },
      });
      assert.equal(advanced.status, 200);
      assert.equal(advanced.body['@odata.count'], advanced.body.value.length);
      const badProperty = await h.graph(reader, "/users?$filter=shoeSize eq '9'");
      assert.equal(badProperty.status, 400);
    });

    test('$count, $search and $orderby follow the advanced-query rules', async () => {
      const countNoHeader = await h.graph(reader, '/users/$count');
      assert.equal(countNoHeader.status, 400);
      assert.equal(countNoHeader.body.error.message, '$count is not currently supported.');
      const count = await h.graph(reader, '/users/$count', { headers: { ConsistencyLevel: 'eventual' } });
      assert.equal(count.body, String(60 + 0));
      const ignored = await h.graph(reader, '/users?$count=true&$top=1');
      assert.equal(ignored.body['@odata.count'], undefined, '$count=true without the header is ignored');
      const searchNoHeader = await h.graph(reader, '/users?$search="displayName:a"');
      assert.equal(searchNoHeader.body.error.code, 'Request_UnsupportedQuery');
      const someone = (await h.graph(reader, '/users?$top=3&$select=givenName')).body.value[2].givenName as string;
      const search = await h.graph(reader, `/users?$search="displayName:${someone}"&$select=displayName`, {
        headers: { ConsistencyLevel: 'eventual' },
      });
      assert.ok(search.body.value.length >= 1);
      assert.ok(
        search.body.value.every((u: { displayName: string }) =>
          u.displayName.toLowerCase().includes(someone.toLowerCase()),
        ),
      );
      const sorted = await h.graph(reader, '/users?$orderby=displayName&$select=displayName&$top=999');
      const names = sorted.body.value.map((u: { displayName: string }) => u.displayName);
      assert.deepEqual(
        names,
        [...names].sort((a: string, b: string) => a.localeCompare(b, 'en', { sensitivity: 'base' })),
      );
      const sortFiltered = await h.graph(reader, '/users?$orderby=displayName&$filter=accountEnabled eq true');
      assert.equal(sortFiltered.status, 400, '$orderby with $filter needs advanced query parameters');
    });

    test('$expand=members on groups returns at most 20 members', async () => {
      const members = Array.from({ length: 25 }, (_, i) => i);
      const tenant = await h.control('GET', `/tenants/${h.tenantId}`);
      const big = await h.control(
        'POST',
        `/tenants/${h.tenantId}/groups`,
        {
          displayName: 'Big Expand',
          members: members.map((i) => tenant.users[i].id),
        },
        201,
      );
      const expanded = await h.graph(reader, `/groups?$filter=id eq '${big.id}'&$expand=members`);
      assert.equal(expanded.body.value[0].members.length, 20);
      assert.equal(expanded.body.value[0].members[0]['@odata.type'], '#microsoft.graph.user');
    });
  });

  describe('$batch', () => {
    test('relative URLs with or without /v1.0, more than 20 rejected, failed dependency gives 424', async () => {
      const ok = await h.graph(reader, '/$batch', {
        method: 'POST',
        body: {
          requests: [
            { id: 'a', method: 'GET', url: '/users?$top=1' },
            { id: 'b', method: 'GET', url: 'v1.0/groups?$top=1' },
            { id: 'c', method: 'GET', url: '/users/does-not-exist@nowhere.test' },
            { id: 'd', method: 'GET', url: '/organization', dependsOn: ['c'] },
          ],
        },
      });
      assert.equal(ok.status, 200);
      const byId = Object.fromEntries(ok.body.responses.map((r: { id: string }) => [r.id, r]));
      assert.equal(byId.a.status, 200);
      assert.equal(byId.a.body.value.length, 1);
      assert.equal(byId.b.status, 200);
      assert.equal(byId.c.status, 404);
      assert.equal(byId.d.status, 424);
      const tooMany = await h.graph(reader, '/$batch', {
        method: 'POST',
        body: { requests: Array.from({ length: 21 }, (_, i) => ({ id: String(i), method: 'GET', url: '/users' })) },
      });
      assert.equal(tooMany.status, 400);
      assert.equal(tooMany.body.error.code, 'BadRequest');
      assert.equal(tooMany.body.error.message, 'Number of requests inside batch exceed the limit.');
      const duplicate = await h.graph(reader, '/$batch', {
        method: 'POST',
        body: {
          requests: [
            { id: '1', method: 'GET', url: '/users' },
            { id: '1', method: 'GET', url: '/groups' },
          ],
        },
      });
      assert.equal(duplicate.status, 400);
      const absolute = await h.graph(reader, '/$batch', {
        method: 'POST',
        body: { requests: [{ id: '1', method: 'GET', url: 'https://graph.microsoft.com/v1.0/users' }] },
      });
      assert.equal(absolute.status, 400);
    });
  });

  describe('throttling, faults, latency and stats', () => {
    test('a tight directory quota answers 429 with Retry-After, the throttle headers and Graph’s body; batch items too', async () => {
      await h.control('PUT', '/throttling', { enabled: true, scale: 0.002 });
      try {
        let throttled: Awaited<ReturnType<typeof graph>> | undefined;
        for (let i = 0; i < 20 && !throttled; i++) {
          const res = await h.graph(reader, '/users?$top=1');
          if (res.status === 429) throttled = res;
          else assert.ok(res.headers.get('x-ms-resource-unit'));
        }
        assert.ok(throttled, 'throttled within 20 requests');
        assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
        assert.equal(throttled.headers.get('x-ms-throttle-information'), 'ResourceUnitLimitExceeded');
        assert.match(throttled.headers.get('x-ms-throttle-scope')!, /^Tenant_Application\/Read\//);
        assert.equal(throttled.body.error.code, 'TooManyRequests');
        assert.equal(throttled.body.error.innerError.status, '429');
        const batch = await h.graph(reader, '/$batch', {
          method: 'POST',
          body: { requests: [{ id: '1', method: 'GET', url: '/users' }] },
        });
        assert.equal(batch.status, 200);
        assert.equal(batch.body.responses[0].status, 429);
        assert.ok(batch.body.responses[0].headers['Retry-After']);
      } finally {
        await h.control('PUT', '/throttling', { enabled: true, scale: 1 });
      }
    });

    test('injected faults, latency and the stats that count them', async () => {
      await h.control('POST', '/stats/reset');
      await h.control(
        'POST',
        '/faults',
        { pathPattern: '/v1.0/groups*', method: 'GET', status: 503, retryAfterSeconds: 2, count: 2 },
        201,
      );
      const first = await h.graph(reader, '/groups');
      assert.equal(first.status, 503);
      assert.equal(first.headers.get('retry-after'), '2');
      assert.equal(first.body.error.code, 'serviceNotAvailable');
      assert.equal((await h.graph(reader, '/groups')).status, 503);
      assert.equal((await h.graph(reader, '/groups')).status, 200, 'the fault ran out after two requests');
      await h.control('PUT', '/latency', { ms: 120 });
      try {
        const started = Date.now();
        await Promise.all([
          h.graph(reader, '/users?$top=1'),
          h.graph(reader, '/users?$top=1'),
          h.graph(reader, '/users?$top=1'),
        ]);
        assert.ok(Date.now() - started >= 115, 'latency was added');
      } finally {
        await h.control('PUT', '/latency', { ms: 0 });
      }
      const stats = await h.control('GET', '/stats');
      assert.equal(stats.total, 6);
      assert.equal(stats.byStatus['503'], 2);
      assert.equal(stats.byRoute['GET /v1.0/groups'], 3);
      assert.ok(stats.peakConcurrency >= 3, `peak concurrency ${stats.peakConcurrency}`);
    });
  });
});
