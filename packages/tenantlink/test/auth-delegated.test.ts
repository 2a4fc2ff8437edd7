import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
// The person at the keyboard: the sandbox's own test browser walks its sign-in pages (it is not tenantlink code).
import { asPage, Browser, completeSignIn, type Harness } from '@tenantlink/sandbox/testing';
import { Agent, fetch } from 'undici';
import { decodeAccessTokenClaims } from '../src/auth/claims.js';
import { DelegatedRefreshTokenProvider, type RefreshTokenStore } from '../src/auth/delegated-refresh-token-provider.js';
import { DeviceCodeFlow, type DeviceCodePrompt } from '../src/auth/device-code-flow.js';
import type { AuthorityExchange } from '../src/auth/network-client.js';
import { TenantlinkError } from '../src/errors.js';
import {
  type AuthSandbox,
  refreshTokenByPassword,
  startAuthSandbox,
  tokenRequestCounter,
} from './helpers/auth-sandbox.js';

/** A refresh token store that keeps every value written, to see rotation. */
function recordingStore(initial: string | null): RefreshTokenStore & { history: string[]; value: string | null } {
  const store = {
    value: initial,
    history: [] as string[],
    async get() {
      return store.value;
    },
    async set(token: string) {
      store.value = token;
      store.history.push(token);
    },
  };
  return store;
}

describe('DelegatedRefreshTokenProvider against the sandbox', () => {
  let s: AuthSandbox;
  let publicApp: { appId: string };

  async function newPerson(name: string) {
    return s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: name });
  }

  function provider(store: RefreshTokenStore, extra: { onExchange?: (e: AuthorityExchange) => void } = {}) {
    return new DelegatedRefreshTokenProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: publicApp.appId,
      refreshTokenStore: store,
      scopes: ['User.Read'],
      ...extra,
    });
  }

  async function failure(p: DelegatedRefreshTokenProvider): Promise<TenantlinkError> {
    try {
      await p.getToken({ forceRefresh: true });
    } catch (err) {
      assert.ok(err instanceof TenantlinkError, `expected a TenantlinkError, got ${err}`);
      return err;
    }
    throw new Error('expected the refresh to fail');
  }

  before(async () => {
    s = await startAuthSandbox();
    publicApp = await s.createApp({
      displayName: 'Auth Delegated App',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
  });
  after(() => s.close());

  test('refreshes a delegated token and stores the rotated refresh token every time', async () => {
    const person = await newPerson('Delegated Person');
    const original = await refreshTokenByPassword(s, publicApp.appId, person);
    const store = recordingStore(original);
    const counter = tokenRequestCounter();
    const p = provider(store, { onExchange: counter.onExchange });

    const first = await p.getToken();
    const claims = decodeAccessTokenClaims(first.token);
    assert.equal(claims.upn, person.userPrincipalName);
    assert.match(claims.scp ?? '', /\bUser\.Read\b/);
    assert.equal(store.history.length, 1);
    assert.notEqual(store.value, original, 'the stored refresh token rotated');

    assert.equal((await p.getToken()).token, first.token, 'served from memory');
    assert.equal(counter.tokenRequests, 1);

    const rotatedOnce = store.value;
    await p.getToken({ forceRefresh: true });
    assert.equal(store.history.length, 2);
    assert.notEqual(store.value, rotatedOnce, 'rotated again on the next refresh');
    assert.equal(new Set([original, ...store.history]).size, 3);

    // Concurrent refreshes share one request, so two rotations cannot race each other.
    await Promise.all(Array.from({ length: 5 }, () => p.getToken({ forceRefresh: true })));
    assert.equal(counter.tokenRequests, 3);
    assert.equal(store.history.length, 3);
  });

  test('revoking the user’s sessions gives REFRESH_TOKEN_REVOKED', async () => {
    const person = await newPerson('Revoked Person');
    const store = recordingStore(await refreshTokenByPassword(s, publicApp.appId, person));
    const p = provider(store);
    await p.getToken();
    await s.control('POST', `/tenants/${s.tenantId}/users/${person.id}/revokeSignInSessions`);
    const err = await failure(p);
    assert.equal(err.code, 'REFRESH_TOKEN_REVOKED');
    assert.equal(err.microsoftCode, 'AADSTS50173');
    assert.match(err.diagnosis?.fix ?? '', /Sign in again/);
    assert.doesNotMatch(JSON.stringify(err.toJSON()), new RegExp(store.value!.slice(0, 20)));
  });

  test('a refresh token unused for 90 days gives REFRESH_TOKEN_EXPIRED', async () => {
    const person = await newPerson('Idle Person');
    const store = recordingStore(await refreshTokenByPassword(s, publicApp.appId, person));
    await s.control('POST', '/clock', { advanceSeconds: 91 * 86_400 });
    try {
      const err = await failure(provider(store));
      assert.equal(err.code, 'REFRESH_TOKEN_EXPIRED');
      assert.equal(err.microsoftCode, 'AADSTS700082');
    } finally {
      await s.control('DELETE', '/clock');
    }
  });

  test('a user who must now do MFA gives MFA_REQUIRED; consent not granted gives CONSENT_MISSING', async () => {
    const person = await newPerson('Later Mfa');
    const store = recordingStore(await refreshTokenByPassword(s, publicApp.appId, person));
    await s.control('PATCH', `/tenants/${s.tenantId}/users/${person.id}`, { mfaRequired: true });
    assert.equal((await failure(provider(store))).code, 'MFA_REQUIRED');

    const other = await newPerson('Consent Person');
    const otherStore = recordingStore(await refreshTokenByPassword(s, publicApp.appId, other));
    const mail = new DelegatedRefreshTokenProvider({
      cloud: s.cloud,
      tenant: s.tenantId,
      clientId: publicApp.appId,
      refreshTokenStore: otherStore,
      scopes: ['Mail.Read'],
    });
    const err = await failure(mail);
    assert.equal(err.code, 'CONSENT_MISSING');
    assert.match(err.diagnosis?.fix ?? '', new RegExp(`Grant admin consent for ${s.tenantId}`));
  });

  test('no refresh token stored yet: REFRESH_TOKEN_MISSING', async () => {
    const err = await failure(provider(recordingStore(null)));
    assert.equal(err.code, 'REFRESH_TOKEN_MISSING');
  });
});

describe('DeviceCodeFlow against the sandbox', () => {
  test('start shows the user code and verification page; cancel stops polling', async () => {
    const s = await startAuthSandbox();
    try {
      const app = await s.createApp({
        displayName: 'Auth Device App',
        allowPublicClient: true,
        requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
        grantAdminConsent: true,
      });
      const flow = new DeviceCodeFlow({
        cloud: s.cloud,
        tenant: s.tenantId,
        clientId: app.appId,
        scopes: ['User.Read'],
      });
      const prompts: DeviceCodePrompt[] = [];
      const done = flow.start((prompt) => {
        prompts.push(prompt);
        flow.cancel();
      });
      await assert.rejects(done, (err: unknown) => err instanceof TenantlinkError);
      assert.equal(prompts.length, 1);
      assert.match(prompts[0]!.userCode, /\S{6,}/);
      assert.equal(prompts[0]!.verificationUri, `${s.sandbox.authority}/devicelogin`);
      assert.match(prompts[0]!.message, new RegExp(prompts[0]!.userCode));
      assert.equal(prompts[0]!.expiresIn, 900);
    } finally {
      await s.close();
    }
  });

  test('a person completes the device code sign-in; the refresh token it returns works and rotates', async () => {
    const s = await startAuthSandbox();
    try {
      const app = await s.createApp({
        displayName: 'Auth Device App',
        allowPublicClient: true,
        requiredPermissions: { delegated: ['User.Read', 'openid', 'profile', 'offline_access'] },
        grantAdminConsent: true,
      });
      const person = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Device Person' });
      const dispatcher = new Agent({ connect: { ca: s.sandbox.caCertPem } });
      const harness = {
        sandbox: s.sandbox,
        fetch: (url: string, init: Parameters<typeof fetch>[1] = {}) => fetch(url, { ...init, dispatcher }),
      } as unknown as Harness;
      let browsing: Promise<void> | undefined;
      const flow = new DeviceCodeFlow({
        cloud: s.cloud,
        tenant: s.tenantId,
        clientId: app.appId,
        scopes: ['User.Read'],
      });
      const result = await flow.start((prompt) => {
        browsing = (async () => {
          const browser = new Browser(harness);
          const entry = asPage(await browser.open(prompt.verificationUri), 'device-code');
          const done = await completeSignIn(browser, await browser.post(entry.form!.action, { otc: prompt.userCode }), {
            userPrincipalName: person.userPrincipalName,
            password: person.password,
            consent: 'accept',
          });
          assert.equal(asPage(done).step, 'device-done');
        })();
      });
      await browsing;
      assert.equal(result.account?.username, person.userPrincipalName);
      assert.equal(decodeAccessTokenClaims(result.accessToken).upn, person.userPrincipalName);
      assert.ok(result.refreshToken, 'offline_access gives a refresh token');

      const store = recordingStore(result.refreshToken!);
      const provider = new DelegatedRefreshTokenProvider({
        cloud: s.cloud,
        tenant: s.tenantId,
        clientId: app.appId,
        refreshTokenStore: store,
        scopes: ['User.Read'],
      });
      const refreshed = await provider.getToken({ forceRefresh: true });
      assert.equal(decodeAccessTokenClaims(refreshed.token).upn, person.userPrincipalName);
      assert.equal(store.history.length, 1);
      assert.notEqual(store.value, result.refreshToken);
      await dispatcher.close();
    } finally {
      await s.close();
    }
  });
});
