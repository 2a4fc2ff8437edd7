import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { asPage, type Browser, completeSignIn } from '@tenantlink/sandbox/testing';
import { decodeAccessTokenClaims } from '../src/auth/claims.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import { type ConnectServer, RETURN_URL, sandboxCloudOf, startConnectServer } from './helpers/connect-server.js';
import { storeTargets } from './helpers/store-databases.js';
import { startWebhookReceiver, type WebhookReceiver, waitFor } from './helpers/webhook-receiver.js';

let s: AuthSandbox;
before(async () => {
  s = await startAuthSandbox();
});
after(() => s.close());

/** The person on another device: opens the verification page, enters the code, signs in (or cancels). */
async function enterCode(browser: Browser, started: Json, person: Json, decision: 'continue' | 'cancel' = 'continue') {
  const entry = asPage(await browser.open(started.verificationUri), 'device-code');
  const confirm = await browser.post(entry.form!.action, { otc: started.userCode });
  if (decision === 'cancel') return browser.submit(asPage(confirm, 'device-confirm'), { decision: 'cancel' });
  const done = await completeSignIn(browser, confirm, { ...person, consent: 'accept' });
  assert.equal(asPage(done).step, 'device-done');
  return done;
}

async function waitForEnd(server: ConnectServer, flowId: string): Promise<Json> {
  for (let i = 0; i < 100; i++) {
    const status = await server.api('GET', `/api/v1/connect/device-code/${flowId}`);
    assert.equal(status.status, 200, status.text);
    if (status.json.status !== 'pending') return status.json;
    await sleep(150);
  }
  throw new Error('the device-code sign-in did not end');
}

for (const target of storeTargets()) {
  describe(`device code for headless setups (${target.name})`, () => {
    let server: ConnectServer;
    let deviceApp: Json;
    let person: Json;
    let receiver: WebhookReceiver;
    /** The lifecycle event of a type whose body matches, once delivered to the vendor's webhook. */
    const eventOf = async (type: string, match: (body: Json) => boolean): Promise<Json> => {
      const find = () =>
        receiver
          .accepted()
          .map((d) => d.body as Json)
          .find((b) => b.type === type && match(b));
      await waitFor(`a ${type} event`, () => find() !== undefined);
      return find()!;
    };

    before(async () => {
      receiver = await startWebhookReceiver();
      server = await startConnectServer(s, target, { outbound: { allowPrivateTargets: true } });
      const hook = await server.api('POST', '/api/v1/webhooks', { url: receiver.url });
      assert.equal(hook.status, 201, hook.text);
      deviceApp = await s.createApp({
        displayName: `Vendor Device App ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        allowPublicClient: true,
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
        grantAdminConsent: true,
        secret: {},
      });
      const added = await server.api('POST', '/api/v1/integrations', {
        name: 'acme-device',
        clientId: deviceApp.appId,
        authMode: 'delegated',
        clientSecret: deviceApp.secret.value,
        features: ['calendar'],
        returnUrl: RETURN_URL,
        cloud: sandboxCloudOf(s),
      });
      assert.equal(added.status, 201, added.text);
      person = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: `Device Person ${target.name}` });
    });
    after(async () => {
      await server.close();
      await receiver.close();
      await target.cleanUp();
    });

    test('through a delegated integration: start, sign in on /devicelogin, poll until connected', async () => {
      const started = await server.api('POST', '/api/v1/connect/device-code', { integration: 'acme-device' });
      assert.equal(started.status, 201, started.text);
      assert.equal(started.json.verificationUri, `${s.sandbox.authority}/devicelogin`);
      assert.match(started.json.message, new RegExp(started.json.userCode));
      assert.ok(Date.parse(started.json.expiresAt) > Date.now() + 10 * 60_000);
      assert.equal(
        (await server.api('GET', `/api/v1/connect/device-code/${started.json.flowId}`)).json.status,
        'pending',
      );

      await enterCode(server.sandboxBrowser(), started.json, person);
      const end = await waitForEnd(server, started.json.flowId);
      assert.equal(end.status, 'connected', JSON.stringify(end));
      const connection = await server.service.show(end.connection);
      assert.equal(connection.authMode, 'delegated');
      assert.equal(connection.tenant, s.tenantId);
      assert.equal(connection.settings.integration, 'acme-device');
      assert.equal(connection.settings.signedInUser, person.userPrincipalName);
      assert.deepEqual(
        connection.secrets.map((x) => x.kind),
        ['refresh_token'],
        'a public client flow: no client secret is kept with it',
      );
      // The vendor's server hears it without polling: no connect session, the integration named.
      const created = await eventOf('connection.created', (b) => b.connection.id === connection.id);
      assert.equal(created.session, null);
      assert.equal(created.connection.integration, 'acme-device');
      assert.equal(created.test.result, 'ok');
      const tests = await server.api('GET', `/api/v1/connections/${connection.id}/tests`);
      assert.equal(tests.json.tests.length, 1);
      assert.equal(tests.json.tests[0].ok, true, JSON.stringify(tests.json.tests[0].findings));
      const token = await (await server.service.tokenProvider(connection.id)).getToken({ forceRefresh: true });
      assert.equal(decodeAccessTokenClaims(token.token).upn, person.userPrincipalName);
      // The status survives in the store: it reads the same later.
      assert.equal(
        (await server.api('GET', `/api/v1/connect/device-code/${started.json.flowId}`)).json.status,
        'connected',
      );
    });

    test("on a customer's own public client app, named by the caller", async () => {
      const started = await server.api('POST', '/api/v1/connect/device-code', {
        name: 'contoso-headless',
        tenantId: s.tenantId,
        clientId: deviceApp.appId,
        features: ['calendar'],
        cloud: sandboxCloudOf(s),
      });
      assert.equal(started.status, 201, started.text);
      await enterCode(server.sandboxBrowser(), started.json, person);
      const end = await waitForEnd(server, started.json.flowId);
      assert.equal(end.status, 'connected', JSON.stringify(end));
      const connection = await server.service.show('contoso-headless');
      assert.equal(connection.id, end.connection);
      assert.equal(connection.authMode, 'delegated');
    });

    test('a stored delegated connection whose sessions were revoked signs in again, in place', async () => {
      await s.control('POST', `/tenants/${s.tenantId}/users/${person.id}/revokeSignInSessions`);
      const broken = await server.api('POST', '/api/v1/connections/contoso-headless/test');
      assert.ok(
        broken.json.test.findings.some((f: Json) => f.code === 'REFRESH_TOKEN_REVOKED'),
        JSON.stringify(broken.json.test.findings),
      );
      const before = await server.service.show('contoso-headless');
      const started = await server.api('POST', '/api/v1/connect/device-code', { connection: 'contoso-headless' });
      assert.equal(started.status, 201, started.text);
      await enterCode(server.sandboxBrowser(), started.json, person);
      const end = await waitForEnd(server, started.json.flowId);
      assert.deepEqual([end.status, end.connection], ['connected', before.id], JSON.stringify(end));
      const after = await server.service.show('contoso-headless');
      assert.notEqual(after.secrets[0]!.updatedAt, before.secrets[0]!.updatedAt, 'a new refresh token');
      const tests = (await server.api('GET', `/api/v1/connections/${before.id}/tests`)).json.tests;
      assert.equal(tests[0].ok, true, JSON.stringify(tests[0].findings));
      assert.equal(
        (await server.api('POST', '/api/v1/connect/device-code', { connection: 'nope' })).json.error.code,
        'CONNECTION_NOT_FOUND',
      );
    });

    test('a person who cancels on the device page: failed, with the reason', async () => {
      const started = await server.api('POST', '/api/v1/connect/device-code', { integration: 'acme-device' });
      await enterCode(server.sandboxBrowser(), started.json, person, 'cancel');
      const end = await waitForEnd(server, started.json.flowId);
      assert.equal(end.status, 'failed');
      assert.equal(end.error.code, 'SIGN_IN_DECLINED', JSON.stringify(end.error));
      assert.equal(end.connection, undefined);
      const failed = await eventOf('connect.failed', (b) => b.error.code === 'SIGN_IN_DECLINED');
      assert.deepEqual([failed.integration, failed.session], ['acme-device', null]);
    });

    test('misuse: no API key, an admin-consent integration, an unknown flow', async () => {
      const anonymous = await server.api('POST', '/api/v1/connect/device-code', { integration: 'acme-device' }, {});
      assert.equal(anonymous.status, 401);
      const unknown = await server.api('GET', '/api/v1/connect/device-code/not-a-flow');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json.error.code, 'CONNECT_FLOW_NOT_FOUND');
      const noIntegration = await server.api('POST', '/api/v1/connect/device-code', { integration: 'nope' });
      assert.equal(noIntegration.status, 404);
      const both = await server.api('POST', '/api/v1/connect/device-code', {
        integration: 'acme-device',
        clientId: deviceApp.appId,
      });
      assert.equal(both.status, 400);
      const consentOnly = await server.api('POST', '/api/v1/integrations', {
        name: 'acme-consent',
        clientId: deviceApp.appId,
        authMode: 'multi-tenant',
        clientSecret: deviceApp.secret.value,
        features: ['directory'],
        returnUrl: RETURN_URL,
        cloud: sandboxCloudOf(s),
      });
      assert.equal(consentOnly.status, 201, consentOnly.text);
      const wrongMode = await server.api('POST', '/api/v1/connect/device-code', { integration: 'acme-consent' });
      assert.equal(wrongMode.status, 400);
      assert.match(wrongMode.json.error.message, /admin consent/);
    });
  });
}

describe('device code when the server stops', () => {
  test('a sign-in under way is recorded as failed, so nobody polls for ever', async () => {
    const [target] = storeTargets();
    const server = await startConnectServer(s, target!);
    try {
      const app = await s.createApp({
        displayName: 'Interrupted Device App',
        allowPublicClient: true,
        requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
        grantAdminConsent: true,
      });
      const started = await server.api('POST', '/api/v1/connect/device-code', {
        name: 'interrupted',
        tenantId: s.tenantId,
        clientId: app.appId,
        features: ['calendar'],
        cloud: sandboxCloudOf(s),
      });
      assert.equal(started.status, 201, started.text);
      await server.app.close();
      const rows = await server.store.db.selectFrom('connect_flows').selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]!.status, 'failed');
      assert.match(rows[0]!.error!, /SERVER_STOPPED/);
    } finally {
      await server.close();
      await target!.cleanUp();
    }
  });
});
