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
      // The vendor's own app, registered as the guide says: multi-tenant, the callback as Web redirect URI, and the
      // delegated openid/profile beside the application permissions so admin consent covers the sign-in.
      vendorApp = await s.createApp({
        displayName: `Vendor Connector ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: {
          application: ['User.Read.All', 'GroupMember.Read.All'],
          delegated: ['openid', 'profile'],
        },
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

    /** The vendor's product asks for a link; the admin opens it and presses "Continue with Microsoft". */
    async function startConnecting(state: string) {
      const session = await server.api('POST', '/api/v1/connect-sessions', { integration: 'acme', state });
      assert.equal(session.status, 201, session.text);
      const browser = new TenantlinkBrowser();
      const { start, next } = await browser.continueFrom(session.json.url);
      assert.equal(start.status, 200, start.text);
      assert.equal(next.status, 303, next.text);
      return { browser, consentUrl: next.location!, sessionId: session.json.id as string };
    }

    /**
     * The admin signs in and answers the one consent page; tenantlink then proves the tenant with a silent sign-in on
     * the session the consent left. Returns tenantlink's last answer (the redirect to the return URL, or a page).
     */
    async function consent(
      browser: TenantlinkBrowser,
      consentUrl: string,
      admin: Json,
      decision: 'accept' | 'cancel' = 'accept',
    ) {
      const sandboxBrowser = server.sandboxBrowser();
      const back = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(consentUrl), { ...admin, consent: decision }),
      );
      assert.equal(back.origin + back.pathname, server.callbackUrl);
      const afterConsent = await browser.get(back.toString());
      if (decision === 'cancel' || !afterConsent.location?.startsWith(s.sandbox.authority))
        return { back, silent: null, done: afterConsent, sandboxBrowser };
      const silent = new URL(afterConsent.location);
      const proved = asRedirect(await sandboxBrowser.open(silent.toString()));
      return { back, silent, done: await browser.get(proved.toString()), sandboxBrowser };
    }

    const connectionsFor = async (tenantId: string) =>
      (await server.service.list()).filter((c) => c.tenant === tenantId);
    const grantsIn = async (tenantId: string) =>
      (await s.control('GET', `/tenants/${tenantId}`)).servicePrincipals.find((p: Json) => p.appId === vendorApp.appId);

    test("a customer's admin consents once: the tenant is proven silently, a tested connection exists, the vendor hears it", async () => {
      const customer = await newCustomer('Customer Ltd');
      const { browser, consentUrl, sessionId } = await startConnecting('vendor-123');
      const consentRequest = new URL(consentUrl);
      assert.equal(
        consentRequest.origin + consentRequest.pathname,
        `${s.sandbox.authority}/organizations/v2.0/adminconsent`,
      );
      assert.equal(consentRequest.searchParams.get('client_id'), vendorApp.appId);
      assert.equal(consentRequest.searchParams.get('scope'), 'https://graph.microsoft.com/.default');
      assert.equal(consentRequest.searchParams.get('redirect_uri'), server.callbackUrl);
      const firstState = consentRequest.searchParams.get('state')!;
      assert.ok(firstState.length >= 40 && firstState !== 'vendor-123', 'our own random state, not the vendor’s');
      const opened = await server.api('GET', `/api/v1/connect-sessions/${sessionId}`);
      assert.equal(opened.json.status, 'opened', opened.text);

      const { back, silent, done } = await consent(browser, consentUrl, customer.admin);
      assert.equal(back.searchParams.get('admin_consent'), 'True');
      assert.equal(back.searchParams.get('tenant'), customer.id);
      // The proof: a sign-in in the consented tenant, openid/profile only, without a page.
      assert.ok(silent, 'a silent sign-in follows the consent');
      assert.equal(silent.origin + silent.pathname, `${s.sandbox.authority}/${customer.id}/oauth2/v2.0/authorize`);
      assert.equal(silent.searchParams.get('prompt'), 'none');
      assert.equal(silent.searchParams.get('scope'), 'openid profile');
      assert.equal(silent.searchParams.get('code_challenge_method'), 'S256');
      assert.notEqual(silent.searchParams.get('state'), firstState);

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
      assert.equal(connection.settings.integration, 'acme');
      assert.equal(
        connection.settings.testUser,
        customer.admin.userPrincipalName,
        'the consenting admin is the test user',
      );
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
      // No per-user grant: the admin consent covered openid/profile for the whole organisation.
      const principal = await grantsIn(customer.id);
      assert.ok(principal, 'the app has a service principal in the customer tenant');
      assert.ok(
        (principal.delegatedGrants ?? []).every((g: Json) => g.consentType === 'AllPrincipals'),
        JSON.stringify(principal.delegatedGrants),
      );

      const session = await server.api('GET', `/api/v1/connect-sessions/${sessionId}`);
      assert.equal(session.status, 200, session.text);
      assert.equal(session.json.status, 'connected');
      assert.equal(session.json.state, 'vendor-123');
      assert.equal(session.json.connection, id);
      assert.equal(session.json.tenant, customer.id);
      assert.equal(session.json.error, null);
      assert.equal(session.json.test.result, 'ok');
      // Only the cookie that says this browser opened the link stays (until it expires).
      assert.deepEqual([...browser.cookies.keys()], ['tenantlink_connect_browser']);
    });

    test('consenting again for the same tenant repairs its connection instead of adding another', async () => {
      const customer = await newCustomer('Returning Customer');
      for (const state of ['first', 'second']) {
        const { browser, consentUrl } = await startConnecting(state);
        const { done } = await consent(browser, consentUrl, customer.admin);
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
      const connected = (await consent(first.browser, first.consentUrl, customer.admin)).done;
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
      const everyAcmeConnection = (await server.service.list()).filter((c) => c.settings.integration === 'acme');
      assert.deepEqual([...updated.json.connectionsUpdated].sort(), everyAcmeConnection.map((c) => c.name).sort());
      assert.ok(updated.json.connectionsUpdated.length >= 1, updated.text);
      assert.doesNotMatch(updated.text, new RegExp(fresh.value.slice(0, 12)), 'the secret is write-only');
      const fixed = await runTest();
      assert.equal(fixed.ok, true, JSON.stringify(fixed.findings));
      const soon = fixed.findings.find((f: Json) => f.code === 'SECRET_EXPIRES_SOON');
      assert.equal(soon?.severity, 'warning', JSON.stringify(fixed.findings));

      // The connect flow itself now signs in with the new secret.
      const other = await newCustomer('Customer After Rotation');
      const second = await startConnecting('after-rotation');
      const done = (await consent(second.browser, second.consentUrl, other.admin)).done;
      assert.equal(new URL(done.location!).searchParams.get('result'), 'ok', String(done.location));
      // ... and the tenant connected from now on knows when that secret ends.
      const made = await server.service.show(new URL(done.location!).searchParams.get('connection')!);
      assert.equal(String(made.settings.secretExpiresAt).slice(0, 10), expires);
    });

    test('the admin declines: result=failed&error=consent_declined, nothing connected and no grant left behind', async () => {
      const customer = await newCustomer('Declining Customer');
      const { browser, consentUrl, sessionId } = await startConnecting('vendor-declined');
      const { back, done } = await consent(browser, consentUrl, customer.admin, 'cancel');
      assert.equal(back.searchParams.get('error'), 'access_denied');
      assert.equal(done.status, 302, done.text);
      const result = new URL(done.location!);
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('state'), 'vendor-declined');
      assert.equal(result.searchParams.get('error'), 'consent_declined');
      assert.doesNotMatch(result.searchParams.get('error_description')!, /Trace ID/);
      assert.equal(result.searchParams.get('connection'), null);
      assert.deepEqual(await connectionsFor(customer.id), []);
      const principal = await grantsIn(customer.id);
      assert.deepEqual(principal?.delegatedGrants ?? [], [], 'declining leaves no grant');
      const session = await server.api('GET', `/api/v1/connect-sessions/${sessionId}`);
      assert.equal(session.json.status, 'failed');
      assert.equal(session.json.error.code, 'consent_declined');

      // The same answer again (Back, a reload): the page says how it ended, with the way back — not a second outcome.
      const again = await browser.get(back.toString());
      assert.equal(again.status, 200);
      assert.match(again.headers.get('content-type')!, /^text\/html/);
      assert.match(again.text, /data-error-code="consent_declined"/);
      assert.match(again.text, /Return to acme/);
      assert.match(again.text, /result=failed&amp;error=consent_declined/);
    });

    test('an unknown state, or one from another browser, gives a 400 page and connects nothing', async () => {
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

      const { browser, consentUrl } = await startConnecting('vendor-bound');
      const sandboxBrowser = server.sandboxBrowser();
      const back = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(consentUrl), {
          ...customer.admin,
          consent: 'accept',
        }),
      );
      // Another browser cannot go on with this flow (the state is bound to the one that started it)...
      const stranger = await new TenantlinkBrowser().get(back.toString());
      assert.equal(stranger.status, 400);
      assert.match(stranger.text, /not started in this browser/);
      // ...and trying did not use it up: the right browser still can, once.
      const silent = await browser.get(back.toString());
      assert.equal(silent.status, 302, silent.text);
      const proved = asRedirect(await sandboxBrowser.open(silent.location!));
      const done = await browser.get(proved.toString());
      assert.equal(new URL(done.location!).searchParams.get('result'), 'ok');
      assert.equal((await server.service.list()).length, before + 1);
    });

    test('a forged consent answer naming another tenant connects nothing: the tenant must be proven by sign-in', async () => {
      // A customer of the vendor who holds a valid link tries to have another customer's (consented) tenant.
      const victim = await newCustomer('Victim Ltd');
      const victimLink = await startConnecting('victim');
      await consent(victimLink.browser, victimLink.consentUrl, victim.admin);
      const victimConnections = await connectionsFor(victim.id);
      assert.equal(victimConnections.length, 1);

      const attacker = await newCustomer('Attacker Ltd');
      const { browser, consentUrl, sessionId } = await startConnecting('attacker');
      const state = new URL(consentUrl).searchParams.get('state')!;
      const forged = await browser.get(
        `${server.callbackUrl}?admin_consent=True&tenant=${victim.id}&state=${encodeURIComponent(state)}`,
      );
      // tenantlink asks for a sign-in in the victim's tenant, which the attacker cannot pass...
      assert.equal(forged.status, 302, forged.text);
      const silent = new URL(forged.location!);
      assert.equal(silent.pathname, `/${victim.id}/oauth2/v2.0/authorize`);
      // ...so they answer with a code from their own tenant, made for the same state and PKCE challenge.
      const own = new URL(silent);
      own.pathname = `/${attacker.id}/oauth2/v2.0/authorize`;
      own.searchParams.delete('prompt');
      const sandboxBrowser = server.sandboxBrowser();
      const code = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(own.toString()), {
          ...attacker.admin,
          consent: 'accept',
        }),
      );
      const done = await browser.get(code.toString());
      const result = new URL(done.location!);
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('connection'), null);
      assert.equal(result.searchParams.get('tenant'), null);
      assert.ok(result.searchParams.get('error') === 'tenant_mismatch', String(done.location));
      assert.deepEqual(await connectionsFor(attacker.id), []);
      const after = await connectionsFor(victim.id);
      assert.equal(after.length, 1);
      assert.equal(after[0]!.updatedAt, victimConnections[0]!.updatedAt, "the victim's connection is untouched");
      const session = await server.api('GET', `/api/v1/connect-sessions/${sessionId}`);
      assert.equal(session.json.status, 'failed');
    });
  });
}
