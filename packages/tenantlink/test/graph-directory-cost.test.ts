import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { directoryQuotaFromEnv } from '../src/connections/connection-runtimes.js';
import { DEFAULT_DIRECTORY_QUOTA, ResourceConcurrencyLimiter } from '../src/graph/concurrency.js';
import { directoryResourceUnits } from '../src/graph/directory-cost.js';
import { InProcessResourceBudget } from '../src/graph/resource-budget.js';

const G = 'https://graph.microsoft.com/v1.0';
const cost = (path: string, method = 'GET') => directoryResourceUnits(method, `${G}${path}`);

describe('directoryResourceUnits', () => {
  test("charges Microsoft's base costs per route", () => {
    const cases: [string, string, number][] = [
      ['GET', '/users', 2],
      ['GET', '/users/$count', 2],
      ['GET', '/users/0f2c', 1],
      ['GET', '/users/adele%40contoso.com', 1],
      ['GET', '/groups', 1],
      ['GET', '/groups/$count', 1],
      ['GET', '/groups/g1', 1],
      ['GET', '/groups/g1/members', 3],
      ['GET', '/groups/g1/members/$count', 3],
      ['GET', '/groups/g1/transitiveMembers', 5],
      ['GET', '/groups/g1/owners', 1],
      ['GET', '/users/u1/memberOf', 2],
      ['GET', '/users/u1/transitiveMemberOf', 2],
      ['GET', '/users/u1/ownedObjects', 2],
      ['GET', '/users/u1/licenseDetails', 2],
      ['GET', '/users/u1/manager', 1],
      ['GET', '/groups/g1/memberOf', 1],
      ['GET', '/applications', 2],
      ['GET', '/applications/a1', 1],
      ['GET', '/servicePrincipals', 1],
      ['GET', '/servicePrincipals/sp1/appRoleAssignments', 2],
      ['GET', '/servicePrincipals/sp1/oauth2PermissionGrants', 2],
      ['GET', '/oauth2PermissionGrants', 2],
      ['GET', '/subscribedSkus', 3],
      ['GET', '/contracts', 3],
      ['GET', '/domains', 1],
      ['GET', '/domains/contoso.com/domainNameReferences', 4],
      ['GET', '/organization', 1],
      ['GET', '/directoryRoles', 1],
      ['POST', '/directoryObjects/getByIds', 3],
      ['POST', '/directoryObjects/getObjectsById', 3],
      ['POST', '/users/u1/checkMemberGroups', 4],
      ['POST', '/users/u1/checkMemberObjects', 4],
      ['POST', '/groups/g1/isMemberOf', 4],
      ['POST', '/users/u1/getMemberGroups', 2],
      ['POST', '/directoryObjects/d1/microsoft.graph.getMemberObjects', 2],
      ['POST', '/users', 1],
      ['POST', '/groups/g1/members/$ref', 1],
      ['PATCH', '/users/u1', 1],
      ['DELETE', '/groups/g1', 1],
    ];
    for (const [method, path, units] of cases) assert.equal(cost(path, method), units, `${method} ${path}`);
  });

  test('a cost on me/… is the cost on users/{id}/…', () => {
    assert.equal(cost('/me'), 1);
    assert.equal(cost('/me/memberOf'), 2);
    assert.equal(cost('/me/transitiveMemberOf?$select=id'), 1);
    assert.equal(cost('/me/checkMemberGroups', 'POST'), 4);
    assert.equal(cost('/me/getMemberObjects', 'post'), 2);
  });

  test('$select takes one off, $expand adds one, $top under 20 takes one off, never below 1', () => {
    assert.equal(cost('/users?$select=id,displayName'), 1);
    assert.equal(cost('/users?$select=id&$top=999'), 1);
    assert.equal(cost('/users?$top=5'), 1);
    assert.equal(cost('/users?$top=20'), 2);
    assert.equal(cost('/users?$top=5&$select=id'), 1, 'floor of 1');
    assert.equal(cost('/groups?$expand=members'), 2);
    assert.equal(cost('/groups?$expand=members($select=id)&$select=id'), 1);
    assert.equal(cost('/groups/g1/members?$select=id&$top=999'), 2);
    assert.equal(cost('/groups/g1/transitiveMembers?$expand=manager&$top=10'), 5);
    // Encoded, unprefixed and upper-case spellings are the same options to Graph.
    assert.equal(cost('/users?%24select=id'), 1);
    assert.equal(cost('/users?select=id'), 1);
    assert.equal(cost('/USERS?$SELECT=id'), 1);
    // Only a whole number is a page size; Graph refuses the rest.
    assert.equal(cost('/users?$top=abc'), 2);
  });

  test('nextLinks are charged by the options they carry', () => {
    assert.equal(cost('/users?$select=id&$top=999&$skiptoken=RFNwdAIAAQAAAC'), 1);
    assert.equal(cost('/users?$skiptoken=RFNwdAIAAQAAAC'), 2);
    assert.equal(cost('/groups/g1/members?$select=id&$top=999&$skiptoken=X%2BY'), 2);
    assert.equal(directoryResourceUnits('GET', 'https://graph.microsoft.com/beta/groups/g1/members?$skiptoken=x'), 3);
  });

  test('delta rounds and their links cost 1', () => {
    assert.equal(cost('/users/delta'), 1);
    assert.equal(cost('/users/delta()?$select=id,displayName'), 1);
    assert.equal(cost('/users/microsoft.graph.delta()'), 1);
    assert.equal(cost('/groups/delta?$expand=members&$select=id'), 1);
    assert.equal(cost('/groups/delta?$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjvB7X'), 1);
    assert.equal(cost('/users/delta?$deltatoken=latest'), 1);
    assert.equal(cost('/groups/delta()?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcwisr_rPe8o9M54L45qEXQGm'), 1);
  });

  test('a URL that does not parse costs 1', () => {
    assert.equal(directoryResourceUnits('GET', 'not a url'), 1);
  });
});

describe('InProcessResourceBudget.spend', () => {
  test('a new bucket starts full, then refills at its pace', async () => {
    const budget = new InProcessResourceBudget();
    const quota = { units: 10, windowMs: 500 };
    const started = Date.now();
    for (let i = 0; i < 10; i++) await budget.spend('t/a/directory-ru', 1, quota);
    assert.ok(Date.now() - started < 30, `the first 10 units took ${Date.now() - started} ms`);
    // 5 more units come in at 10 per 500 ms: 250 ms.
    await Promise.all(Array.from({ length: 5 }, () => budget.spend('t/a/directory-ru', 1, quota)));
    const waited = Date.now() - started;
    assert.ok(waited >= 240 && waited < 400, `5 more units after ${waited} ms`);
    // Another key has a bucket of its own.
    const other = Date.now();
    await budget.spend('t/b/directory-ru', 10, quota);
    assert.ok(Date.now() - other < 30);
  });

  test('spenders take turns in order, a spend larger than the bucket takes it whole, and an abort gives up', async () => {
    const budget = new InProcessResourceBudget();
    const quota = { units: 4, windowMs: 400 };
    await budget.spend('k', 100, quota);
    const order: string[] = [];
    const big = budget.spend('k', 3, quota).then(() => order.push('big'));
    const small = budget.spend('k', 1, quota).then(() => order.push('small'));
    const giveUp = new AbortController();
    const abandoned = budget.spend('k', 4, quota, giveUp.signal);
    const last = budget.spend('k', 1, quota).then(() => order.push('last'));
    giveUp.abort(new Error('given up'));
    await assert.rejects(abandoned, /given up/);
    await Promise.all([big, small, last]);
    assert.deepEqual(order, ['big', 'small', 'last']);
  });
});

describe('ResourceConcurrencyLimiter and the directory quota', () => {
  test('directory requests wait for their units, a tenth of the quota held back; others are not charged', async () => {
    // 10 units a second: a bucket of 9 at that pace.
    const limiter = new ResourceConcurrencyLimiter({ directoryQuota: { units: 10, windowMs: 1000 } });
    const started = Date.now();
    for (let i = 0; i < 4; i++) (await limiter.acquire(`${G}/users`))();
    for (let i = 0; i < 20; i++) (await limiter.acquire(`${G}/users/u1/messages`))();
    (await limiter.acquire(`${G}/$batch`, undefined, 'POST'))();
    assert.ok(Date.now() - started < 50, `took ${Date.now() - started} ms`);
    // 1 unit is left of 9; a members page needs 3, so 2 more, which take 200 ms.
    (await limiter.acquire(`${G}/groups/g1/members?$top=999`))();
    const waited = Date.now() - started;
    assert.ok(waited >= 190 && waited < 350, `the members page waited ${waited} ms`);
  });

  test('a null quota counts nothing; the default is 3,500 units per 10 s', async () => {
    assert.deepEqual(new ResourceConcurrencyLimiter().directoryQuota, { units: 3500, windowMs: 10_000 });
    const limiter = new ResourceConcurrencyLimiter({ directoryQuota: null });
    const started = Date.now();
    for (let i = 0; i < 2000; i++) (await limiter.acquire(`${G}/groups/g1/transitiveMembers`))();
    assert.ok(Date.now() - started < 1000);
    assert.throws(() => new ResourceConcurrencyLimiter({ directoryQuota: { units: 0, windowMs: 1000 } }), {
      code: 'INVALID_INPUT',
    });
  });
});

describe('directoryQuotaFromEnv', () => {
  test('reads TENANTLINK_GRAPH_DIRECTORY_UNITS as units per 10 s; 0 turns the count off', () => {
    assert.deepEqual(directoryQuotaFromEnv({}), DEFAULT_DIRECTORY_QUOTA);
    assert.deepEqual(directoryQuotaFromEnv({ TENANTLINK_GRAPH_DIRECTORY_UNITS: '' }), DEFAULT_DIRECTORY_QUOTA);
    assert.deepEqual(directoryQuotaFromEnv({ TENANTLINK_GRAPH_DIRECTORY_UNITS: '8000' }), {
      units: 8000,
      windowMs: 10_000,
    });
    assert.deepEqual(directoryQuotaFromEnv({ TENANTLINK_GRAPH_DIRECTORY_UNITS: '1000000' }), {
      units: 1_000_000,
      windowMs: 10_000,
    });
    assert.equal(directoryQuotaFromEnv({ TENANTLINK_GRAPH_DIRECTORY_UNITS: '0' }), null);
    for (const bad of ['-1', '1.5', 'lots', '1000001', '1e3', '00']) {
      assert.throws(
        () => directoryQuotaFromEnv({ TENANTLINK_GRAPH_DIRECTORY_UNITS: bad }),
        (err: Error & { code?: string }) =>
          err.code === 'INVALID_INPUT' &&
          err.message.includes('TENANTLINK_GRAPH_DIRECTORY_UNITS') &&
          err.message.includes(`'${bad}'`),
        bad,
      );
    }
  });
});
