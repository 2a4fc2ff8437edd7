import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AuthError, ServerError } from '@azure/msal-node';
import { authorityUrl, graphScope, msalCloudOptions } from '../src/auth/authority.js';
import { decodeAccessTokenClaims, describeAccessToken } from '../src/auth/claims.js';
import { CLOUDS } from '../src/auth/clouds.js';
import { toTokenError } from '../src/auth/token-errors.js';
import { FreshTokenKeeper } from '../src/auth/token-freshness.js';
import { TenantlinkError } from '../src/errors.js';

const ctx = { tenant: 'contoso.onmicrosoft.com', clientId: '11111111-1111-1111-1111-111111111111' };

function serverError(errorNo: number, error: string, subError = '', status = 400) {
  const message = `Error(s): ${errorNo} - Timestamp: 2026-01-01 00:00:00Z - Description: AADSTS${errorNo}: Something happened.\r\nTrace ID: 0a1b2c3d-0000-4000-8000-000000000001\r\nCorrelation ID: c0ffee00-0000-4000-8000-000000000002\r\nTimestamp: 2026-01-01 00:00:00Z - Correlation ID: c0ffee00-0000-4000-8000-000000000002 - Trace ID: 0a1b2c3d-0000-4000-8000-000000000001`;
  return new ServerError(error, 'c0ffee00-0000-4000-8000-000000000002', message, subError, String(errorNo), status);
}

describe('token error mapping', () => {
  const cases: [number, string, string, string][] = [
    [65001, 'invalid_grant', 'consent_required', 'CONSENT_MISSING'],
    [50076, 'invalid_grant', 'basic_action', 'MFA_REQUIRED'],
    [53003, 'interaction_required', 'message_only', 'BLOCKED_BY_CONDITIONAL_ACCESS'],
    [700024, 'invalid_client', '', 'CERTIFICATE_INVALID'],
    [1002012, 'invalid_scope', '', 'INVALID_SCOPE'],
    [70011, 'invalid_scope', '', 'INVALID_SCOPE'],
    [700082, 'invalid_grant', 'bad_token', 'REFRESH_TOKEN_EXPIRED'],
    [50173, 'invalid_grant', '', 'REFRESH_TOKEN_REVOKED'],
    [90002, 'invalid_tenant', '', 'TENANT_NOT_FOUND'],
  ];
  for (const [errorNo, error, subError, code] of cases) {
    test(`AADSTS${errorNo} → ${code}`, () => {
      const mapped = toTokenError(serverError(errorNo, error, subError), ctx);
      assert.equal(mapped.code, code);
      assert.equal(mapped.microsoftCode, `AADSTS${errorNo}`);
      assert.equal(mapped.requestId, '0a1b2c3d-0000-4000-8000-000000000001', 'the trace ID Microsoft support asks for');
      assert.equal(mapped.microsoftMessage, `AADSTS${errorNo}: Something happened.`);
      assert.ok(mapped.diagnosis?.fix);
    });
  }

  test('65001 names the tenant in the portal button’s words', () => {
    assert.match(
      toTokenError(serverError(65001, 'invalid_grant'), ctx).diagnosis!.fix,
      /Grant admin consent for contoso\.onmicrosoft\.com/,
    );
  });

  test('7000215 with a GUID-shaped secret is the Secret ID; the secret never appears', () => {
    const secretId = '2f0c9d4e-8a1b-4c3d-9e8f-0a1b2c3d4e5f';
    const mapped = toTokenError(serverError(7000215, 'invalid_client', '', 401), { ...ctx, sentSecret: secretId });
    assert.equal(mapped.code, 'SECRET_IS_SECRET_ID');
    assert.doesNotMatch(JSON.stringify(mapped) + mapped.message + mapped.diagnosis!.fix, new RegExp(secretId));
    assert.equal(
      toTokenError(serverError(7000215, 'invalid_client', '', 401), { ...ctx, sentSecret: 'abc~def' }).code,
      'SECRET_INVALID',
    );
  });

  test('unknown codes fall back on the OAuth error; transport failures name TLS', () => {
    assert.equal(toTokenError(serverError(99999, 'invalid_grant'), ctx).code, 'REFRESH_TOKEN_INVALID');
    assert.equal(
      toTokenError(serverError(99999, 'temporarily_unavailable', '', 503), ctx).code,
      'AUTHORITY_UNAVAILABLE',
    );
    const tls = Object.assign(new TypeError('fetch failed'), {
      cause: Object.assign(new Error('self-signed certificate in certificate chain'), {
        code: 'SELF_SIGNED_CERT_IN_CHAIN',
      }),
    });
    const mapped = toTokenError(new AuthError('endpoints_resolution_error', 'x'), { ...ctx, wire: { transport: tls } });
    assert.equal(mapped.code, 'AUTHORITY_UNREACHABLE');
    assert.match(mapped.message, /not trusted \(SELF_SIGNED_CERT_IN_CHAIN\)/);
    assert.ok(toTokenError(new Error('boom'), ctx) instanceof TenantlinkError);
  });
});

describe('FreshTokenKeeper', () => {
  const token = (name: string, expiresInMs: number, now: number) => ({
    token: name,
    expiresOn: new Date(now + expiresInMs),
  });

  test('hands out the cached token outside the window, refreshes inside it, and shares one flight', async () => {
    let now = 1_000_000;
    let calls = 0;
    const forced: boolean[] = [];
    const keeper = new FreshTokenKeeper(
      async (force) => {
        calls++;
        forced.push(force);
        await new Promise((r) => setTimeout(r, 5));
        return token(`t${calls}`, 3_600_000, now);
      },
      { now: () => now, refreshWindowMs: 300_000 },
    );
    const first = await Promise.all([keeper.get(), keeper.get(), keeper.get()]);
    assert.deepEqual(
      first.map((t) => t.token),
      ['t1', 't1', 't1'],
    );
    now += 3_600_000 - 300_001;
    assert.equal((await keeper.get()).token, 't1');
    now += 2;
    assert.equal((await keeper.get()).token, 't2');
    assert.deepEqual(forced, [false, true], 'a stale token is replaced bypassing any lower cache');
  });

  test('a failed proactive refresh falls back on a still-valid token; a forced one surfaces the error', async () => {
    let now = 0;
    let fail = false;
    const keeper = new FreshTokenKeeper(
      async () => {
        if (fail) throw new TenantlinkError('AUTHORITY_UNREACHABLE', 'down');
        return token('ok', 600_000, now);
      },
      { now: () => now },
    );
    await keeper.get();
    fail = true;
    now += 400_000; // 200 s left: in the window, but still usable
    assert.equal((await keeper.get()).token, 'ok');
    await assert.rejects(keeper.get(true), /down/);
    now += 150_000; // 50 s left: too little to hand out
    await assert.rejects(keeper.get(), /down/);
  });
});

describe('authority and claims', () => {
  test('national clouds: authority, knownAuthorities and the Graph scope of that cloud', () => {
    assert.equal(
      authorityUrl(CLOUDS.usgov, 'contoso.onmicrosoft.us'),
      'https://login.microsoftonline.us/contoso.onmicrosoft.us',
    );
    assert.equal(graphScope(CLOUDS.usgov), 'https://graph.microsoft.us/.default');
    assert.equal(graphScope(CLOUDS['usgov-dod']), 'https://dod-graph.microsoft.us/.default');
    assert.equal(graphScope(CLOUDS.china), 'https://microsoftgraph.chinacloudapi.cn/.default');
    assert.equal(graphScope(CLOUDS.global), 'https://graph.microsoft.com/.default');
    assert.deepEqual(msalCloudOptions(CLOUDS.china, 't').auth.knownAuthorities, ['login.chinacloudapi.cn']);
    assert.equal(msalCloudOptions(CLOUDS.global, 't').auth.knownAuthorities, undefined);
    const custom = msalCloudOptions(
      {
        name: 'custom',
        authorityHost: 'https://localhost:8443',
        graphEndpoint: 'https://localhost:8443',
        caCertPem: 'x',
      },
      'tid',
    );
    assert.deepEqual(custom.auth.knownAuthorities, ['localhost:8443']);
    assert.equal(typeof custom.system.networkClient?.sendPostRequestAsync, 'function');
    assert.ok('networkClient' in custom.system && custom.system.networkClient !== undefined);
  });

  test('claims are decoded for display; non-JWTs are refused', () => {
    const payload = Buffer.from(
      JSON.stringify({ tid: 't', appid: 'a', scp: 'User.Read Mail.Read', exp: 2_000_000_000 }),
    ).toString('base64url');
    const described = describeAccessToken(`eyJhbGciOiJSUzI1NiJ9.${payload}.sig`);
    assert.equal(described.kind, 'delegated');
    assert.deepEqual(described.permissions, ['Mail.Read', 'User.Read']);
    assert.equal(described.expiresOn?.toISOString(), '2033-05-18T03:33:20.000Z');
    assert.throws(() => decodeAccessTokenClaims('not-a-token'), /not a JWT/);
  });
});
