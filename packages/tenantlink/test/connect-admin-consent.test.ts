import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { asRedirect, completeSignIn } from '@tenantlink/sandbox/testing';
import { decodeAccessTokenClaims } from '../src/auth/claims.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import {
  type ConnectServer,
  RETURN_URL,
  sandboxCloudOf,
  startConnectServer,
  TenantlinkBrowser,
} from './helpers/connect-server.js';
import { storeTargets } from './helpers/store-databases.js';

let s: AuthSandbox;
before(async () => {
  s = await startAuthSandbox();
});
after(() => s.close());

for (const target of storeTargets()) {
  describe(`admin consent through a multi-tenant integration (${target.name})`, () => {
    let server: ConnectServer;
    let vendorApp: Json;

    before(async () => {
      server = await startConnectServer(s, target);
      // The vendor's own app: multi-tenant, registered in its home tenant, with the callback as Web redirect URI.
      vendorApp = await s.createApp({
        displayName: `Vendor Connector ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
        secret: {},
      });
      const added = await server.api('POST', '/api/v1/integrations', {
        name: 'acme',
        clientId: vendorApp.appId,
        authMode: 'multi-tenant',
        clientSecret: vendorApp.secret.value,
        features: ['directory'],
        returnUrl: RETURN_URL,
        cloud: sandboxCloudOf(s),
      });
      assert.equal(added.status, 201, added.text);
      assert.equal(added.json.integration.redirectUri, server.callbackUrl);
      assert.doesNotMatch(added.text, new RegExp(vendorApp.secret.value.slice(0, 12)), 'the secret is write-only');
    });
    after(async () => {
      await server.close();
      await target.cleanUp();
    });

    const newCustomer = (displayName: string) => s.control('POST', '/tenants', { displayName, users: 5 });

    /** The vendor's product asks for a link; the admin's browser opens it and is sent to Microsoft to sign in. */
    async function startConnecting(state: string) {
      const session = await server.api('POST', '/api/v1/connect-sessions', { integration: 'acme', state });
      assert.equal(session.status, 201, session.text);
      const browser = new TenantlinkBrowser();
      const start = await browser.get(session.json.url);
      assert.equal(start.status, 302, start.text);
      return { browser, signInUrl: start.location! };
    }

    /** The admin signs in (leg 1); tenantlink sends them on to admin consent in their tenant (leg 2). */
    async function signIn(browser: TenantlinkBrowser, signInUrl: string, admin: Json) {
      const sandboxBrowser = server.sandboxBrowser();
      const signedIn = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(signInUrl), { ...admin, consent: 'accept' }),
      );
      assert.equal(signedIn.origin + signedIn.pathname, server.callbackUrl);
      const toConsent = await browser.get(signedIn.toString());
      assert.equal(toConsent.status, 302, toConsent.text);
      return { sandboxBrowser, consentUrl: toConsent.location! };
    }

    /** Both legs; returns where Microsoft sends the browser back after the consent page. */
    async function consent(
      browser: TenantlinkBrowser,
      signInUrl: string,
      admin: Json,
      decision: 'accept' | 'cancel' = 'accept',
    ) {
      const { sandboxBrowser, consentUrl } = await signIn(browser, signInUrl, admin);
      return asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(consentUrl), { ...admin, consent: decision }),
      );
    }

    const connectionsFor = async (tenantId: string) =>
      (await server.service.list()).filter((c) => c.tenant === tenantId);

    test("a customer's admin consents in their tenant: a tested connection exists and the browser returns with ok", async () => {
      const customer = await newCustomer('Customer Ltd');
      const { browser, signInUrl } = await startConnecting('vendor-123');
      // Leg 1: the admin signs in (OpenID scopes only), which proves their tenant.
      const signInRequest = new URL(signInUrl);
      assert.equal(
        signInRequest.origin + signInRequest.pathname,
        `${s.sandbox.authority}/organizations/oauth2/v2.0/authorize`,
      );
      assert.equal(signInRequest.searchParams.get('client_id'), vendorApp.appId);
      assert.equal(signInRequest.searchParams.get('redirect_uri'), server.callbackUrl);
      assert.equal(signInRequest.searchParams.get('scope'), 'openid profile offline_access');
      assert.equal(signInRequest.searchParams.get('code_challenge_method'), 'S256');
      const firstState = signInRequest.searchParams.get('state')!;
      assert.ok(firstState.length >= 40 && firstState !== 'vendor-123', 'our own random state, not the vendor’s');

      // Leg 2: admin consent in that tenant, with a new state.
      const { sandboxBrowser, consentUrl } = await signIn(browser, signInUrl, customer.admin);
      const consentRequest = new URL(consentUrl);
      assert.equal(
        consentRequest.origin + consentRequest.pathname,
        `${s.sandbox.authority}/${customer.id}/v2.0/adminconsent`,
      );
      assert.equal(consentRequest.searchParams.get('client_id'), vendorApp.appId);
      assert.equal(consentRequest.searchParams.get('scope'), 'https://graph.microsoft.com/.default');
      assert.equal(consentRequest.searchParams.get('redirect_uri'), server.callbackUrl);
      assert.notEqual(consentRequest.searchParams.get('state'), firstState);

      const back = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(consentUrl), {
          ...customer.admin,
          consent: 'accept',
        }),
      );
      assert.equal(back.origin + back.pathname, server.callbackUrl);
      assert.equal(back.searchParams.get('tenant'), customer.id);
      const done = await browser.get(back.toString());
      assert.equal(done.status, 302, done.text);
      const result = new URL(done.location!);
      assert.equal(result.origin + result.pathname, 'https://vendor.example.test/tenants/connected');
      assert.equal(result.searchParams.get('from'), 'tenantlink', 'the return URL keeps its own query');
      assert.equal(result.searchParams.get('state'), 'vendor-123');
      assert.equal(result.searchParams.get('result'), 'ok');
      assert.equal(result.searchParams.get('tenant'), customer.id);
      assert.equal(result.searchParams.get('error'), null);

      const id = result.searchParams.get('connection')!;
      const connection = await server.service.show(id);
      assert.equal(connection.tenant, customer.id);
      assert.equal(connection.authMode, 'multi-tenant');
      assert.equal(connection.clientId, vendorApp.appId);
      assert.deepEqual(connection.features, ['directory']);
      assert.equal(connection.name, `acme-${customer.defaultDomain}`);
      assert.equal(connection.settings.integration, 'acme');
      assert.deepEqual(
        connection.secrets.map((x) => x.kind),
        ['client_secret'],
      );

      const tests = await server.api('GET', `/api/v1/connections/${id}/tests`);
      assert.equal(tests.json.tests.length, 1, 'the doctor ran once and its run was recorded');
      assert.equal(tests.json.tests[0].ok, true, JSON.stringify(tests.json.tests[0].findings));
      const token = await (await server.service.tokenProvider(id)).getToken();
      const claims = decodeAccessTokenClaims(token.token);
      assert.equal(claims.tid, customer.id);
      assert.deepEqual([...(claims.roles ?? [])].sort(), ['GroupMember.Read.All', 'User.Read.All']);
      // The state and the binding cookie are gone with the flow.
      assert.equal(browser.cookies.size, 0);
    });

    test('consenting again for the same tenant repairs its connection instead of adding another', async () => {
      const customer = await newCustomer('Returning Customer');
      for (const state of ['first', 'second']) {
        const { browser, signInUrl } = await startConnecting(state);
        const done = await browser.get((await consent(browser, signInUrl, customer.admin)).toString());
        assert.equal(new URL(done.location!).searchParams.get('result'), 'ok');
        assert.equal(new URL(done.location!).searchParams.get('state'), state);
      }
      const connections = await connectionsFor(customer.id);
      assert.equal(connections.length, 1);
      const tests = await server.api('GET', `/api/v1/connections/${connections[0]!.id}/tests`);
      assert.equal(tests.json.tests.length, 2);
    });

    test("the vendor replaces its app's client secret: the integration and every connection made through it use the new one", async () => {
      const customer = await newCustomer('Rotating Customer');
      const first = await startConnecting('before-rotation');
      const connected = await first.browser.get(
        (await consent(first.browser, first.signInUrl, customer.admin)).toString(),
      );
      const id = new URL(connected.location!).searchParams.get('connection')!;
      const runTest = async () => (await server.api('POST', `/api/v1/connections/${id}/test`)).json.test;

      // In Entra: a new secret, and the old one deleted. The stored connection no longer gets a token.
      const home = `/tenants/${s.tenantId}/applications/${vendorApp.appId}/secrets`;
      const fresh = await s.control('POST', home, { displayName: 'rotated' });
      await s.control('DELETE', `${home}/${vendorApp.secret.keyId}`);
      const broken = await runTest();
      assert.equal(broken.ok, false);
      assert.ok(
        broken.findings.some((f: Json) => f.code === 'SECRET_INVALID'),
        JSON.stringify(broken.findings),
      );

      // Bad changes are refused and change nothing.
      for (const [body, code] of [
        [{}, 'INVALID_INPUT'],
        [{ clientSecret: '6f1c2a4e-8b7d-4c3e-9a1f-2b3c4d5e6f70' }, 'SECRET_IS_SECRET_ID'],
        [{ clientId: vendorApp.appId }, 'INVALID_INPUT'],
        [{ returnUrl: 'javascript:alert(1)' }, 'INVALID_INPUT'],
        [{ secretExpiresAt: 'next spring' }, 'INVALID_INPUT'],
      ] as const) {
        const refused = await server.api('PATCH', '/api/v1/integrations/acme', body);
        assert.equal(refused.status, 400, `${JSON.stringify(body)}: ${refused.text}`);
        assert.equal(refused.json.error.code, code, refused.text);
      }
      assert.equal((await server.api('PATCH', '/api/v1/integrations/nope', { returnUrl: RETURN_URL })).status, 404);
      assert.equal((await server.api('PATCH', '/api/v1/integrations/acme', { returnUrl: RETURN_URL }, {})).status, 401);

      // The new secret's expiry goes with it: 10 days left.
      const expires = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
      const updated = await server.api('PATCH', '/api/v1/integrations/acme', {
        clientSecret: fresh.value,
        secretExpiresAt: expires,
      });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.json.integration.secretExpiresAt.slice(0, 10), expires);
      assert.ok(updated.json.connectionsUpdated.includes(`acme-${customer.defaultDomain}`), updated.text);
      const everyAcmeConnection = (await server.service.list()).filter((c) => c.settings.integration === 'acme');
      assert.deepEqual([...updated.json.connectionsUpdated].sort(), everyAcmeConnection.map((c) => c.name).sort());
      assert.doesNotMatch(updated.text, new RegExp(fresh.value.slice(0, 12)), 'the secret is write-only');
      const fixed = await runTest();
      assert.equal(fixed.ok, true, JSON.stringify(fixed.findings));
      const soon = fixed.findings.find((f: Json) => f.code === 'SECRET_EXPIRES_SOON');
      assert.equal(soon?.severity, 'warning', JSON.stringify(fixed.findings));

      // The connect flow itself now signs in with the new secret.
      const other = await newCustomer('Customer After Rotation');
      const second = await startConnecting('after-rotation');
      const done = await second.browser.get((await consent(second.browser, second.signInUrl, other.admin)).toString());
      assert.equal(new URL(done.location!).searchParams.get('result'), 'ok', String(done.location));
      // ... and the tenant connected from now on knows when that secret ends.
      const made = await server.service.show(new URL(done.location!).searchParams.get('connection')!);
      assert.equal(String(made.settings.secretExpiresAt).slice(0, 10), expires);
    });

    test('the admin declines: the browser returns with result=failed and the error, and nothing is connected', async () => {
      const customer = await newCustomer('Declining Customer');
      const { browser, signInUrl } = await startConnecting('vendor-declined');
      const back = await consent(browser, signInUrl, customer.admin, 'cancel');
      assert.equal(back.searchParams.get('error'), 'access_denied');
      const done = await browser.get(back.toString());
      assert.equal(done.status, 302);
      const result = new URL(done.location!);
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('state'), 'vendor-declined');
      assert.equal(result.searchParams.get('error'), 'access_denied');
      assert.match(result.searchParams.get('error_description')!, /^AADSTS65004:/);
      assert.doesNotMatch(result.searchParams.get('error_description')!, /Trace ID/);
      assert.equal(result.searchParams.get('connection'), null);
      assert.deepEqual(await connectionsFor(customer.id), []);

      // The same answer again (a reload, or someone replaying it): a page, not a second outcome.
      const again = await browser.get(back.toString());
      assert.equal(again.status, 400);
      assert.match(again.headers.get('content-type')!, /^text\/html/);
      assert.match(again.text, /data-error-code="CONNECT_STATE_INVALID"/);
      assert.match(again.text, /already used or has expired/);
    });

    test('an unknown state, a used one, or one from another browser gives a 400 page and connects nothing', async () => {
      const customer = await newCustomer('Careful Customer');
      const before = (await server.service.list()).length;
      const unknown = await new TenantlinkBrowser().get(
        `${server.callbackUrl}?admin_consent=True&tenant=${customer.id}&state=not-a-state-we-made`,
      );
      assert.equal(unknown.status, 400);
      assert.match(unknown.text, /CONNECT_STATE_INVALID/);
      assert.equal(unknown.headers.get('cache-control'), 'no-store');
      const none = await new TenantlinkBrowser().get(`${server.callbackUrl}?admin_consent=True&tenant=${customer.id}`);
      assert.equal(none.status, 400);

      const { browser, signInUrl } = await startConnecting('vendor-bound');
      const back = await consent(browser, signInUrl, customer.admin);
      // Another browser cannot finish this flow (the state is bound to the one that started it)...
      const stranger = await new TenantlinkBrowser().get(back.toString());
      assert.equal(stranger.status, 400);
      assert.match(stranger.text, /not started in this browser/);
      assert.equal((await server.service.list()).length, before);
      // ...and trying did not use it up: the right browser still can, once.
      const done = await browser.get(back.toString());
      assert.equal(new URL(done.location!).searchParams.get('result'), 'ok');
      const replay = await browser.get(back.toString());
      assert.equal(replay.status, 400);
      assert.equal((await server.service.list()).length, before + 1);
    });

    test('the answer of admin consent is not believed when it names another tenant than the one signed in to', async () => {
      // A customer of the vendor who holds a valid link tries to have another customer's (consented) tenant.
      const victim = await newCustomer('Victim Ltd');
      const victimLink = await startConnecting('victim');
      await victimLink.browser.get((await consent(victimLink.browser, victimLink.signInUrl, victim.admin)).toString());
      const victimConnections = await connectionsFor(victim.id);
      assert.equal(victimConnections.length, 1);

      const attacker = await newCustomer('Attacker Ltd');
      const { browser, signInUrl } = await startConnecting('attacker');
      const { consentUrl } = await signIn(browser, signInUrl, attacker.admin);
      const state = new URL(consentUrl).searchParams.get('state')!;
      const forged = await browser.get(
        `${server.callbackUrl}?admin_consent=True&tenant=${victim.id}&state=${encodeURIComponent(state)}`,
      );
      const result = new URL(forged.location!);
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('error'), 'TENANT_MISMATCH');
      assert.equal(result.searchParams.get('connection'), null);
      assert.equal(result.searchParams.get('tenant'), null);
      assert.deepEqual(await connectionsFor(attacker.id), []);
      const after = await connectionsFor(victim.id);
      assert.equal(after.length, 1);
      assert.equal(after[0]!.updatedAt, victimConnections[0]!.updatedAt, "the victim's connection is untouched");
    });
  });
}
