import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asRedirect, completeSignIn } from '@tenantlink/sandbox/testing';
import { decodeAccessTokenClaims } from '../src/auth/claims.js';
import { secretContext } from '../src/connections/vault.js';
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
  describe(`sign-in (auth code with PKCE) through a delegated integration (${target.name})`, () => {
    let server: ConnectServer;
    let webApp: Json;
    let customer: Json;

    before(async () => {
      server = await startConnectServer(s, target);
      webApp = await s.createApp({
        displayName: `Vendor Web App ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
        secret: {},
      });
      const added = await server.api('POST', '/api/v1/integrations', {
        name: 'acme-signin',
        clientId: webApp.appId,
        authMode: 'delegated',
        clientSecret: webApp.secret.value,
        features: ['calendar'],
        returnUrl: RETURN_URL,
        cloud: sandboxCloudOf(s),
      });
      assert.equal(added.status, 201, added.text);
      customer = await s.control('POST', '/tenants', { displayName: `Signing Customer ${target.name}`, users: 3 });
    });
    after(async () => {
      await server.close();
      await target.cleanUp();
    });

    async function startSignIn(state: string) {
      const session = await server.api('POST', '/api/v1/connect-sessions', { integration: 'acme-signin', state });
      assert.equal(session.status, 201, session.text);
      const browser = new TenantlinkBrowser();
      const { start, next } = await browser.continueFrom(session.json.url);
      assert.equal(start.status, 200, start.text);
      assert.match(start.text, /Who can sign in/);
      assert.equal(next.status, 303, next.text);
      return { browser, authorizeUrl: new URL(next.location!), sessionId: session.json.id as string };
    }

    test('a user signs in and consents: a delegated connection whose refresh token works and is stored encrypted', async () => {
      const person = await s.control('POST', `/tenants/${customer.id}/users`, { displayName: 'Signing Person' });
      const { browser, authorizeUrl } = await startSignIn('vendor-signin');
      assert.equal(
        authorizeUrl.origin + authorizeUrl.pathname,
        `${s.sandbox.authority}/organizations/oauth2/v2.0/authorize`,
      );
      const q = authorizeUrl.searchParams;
      assert.equal(q.get('client_id'), webApp.appId);
      assert.equal(q.get('redirect_uri'), server.callbackUrl);
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.match(q.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
      assert.ok(q.get('nonce'), 'a nonce, checked against the ID token');
      const scopes = q.get('scope')!.split(' ');
      for (const scope of ['Calendars.Read', 'User.Read', 'offline_access', 'openid', 'profile'])
        assert.ok(scopes.includes(scope), `asks for ${scope}: ${scopes.join(' ')}`);

      const sandboxBrowser = server.sandboxBrowser();
      const back = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(authorizeUrl.toString()), {
          ...person,
          consent: 'accept',
        }),
      );
      assert.equal(back.origin + back.pathname, server.callbackUrl);
      assert.ok(back.searchParams.get('code'));
      const done = await browser.get(back.toString());
      assert.equal(done.status, 302, done.text);
      const result = new URL(done.location!);
      assert.equal(result.searchParams.get('result'), 'ok', done.location!);
      assert.equal(result.searchParams.get('state'), 'vendor-signin');
      assert.equal(result.searchParams.get('tenant'), customer.id);

      const id = result.searchParams.get('connection')!;
      const connection = await server.service.show(id);
      assert.equal(connection.authMode, 'delegated');
      assert.equal(connection.tenant, customer.id);
      assert.equal(connection.clientId, webApp.appId);
      assert.equal(connection.name, `acme-signin-${customer.defaultDomain}`);
      assert.equal(connection.settings.signedInUser, person.userPrincipalName);
      assert.deepEqual(connection.secrets.map((x) => x.kind).sort(), ['client_secret', 'refresh_token']);
      const tests = await server.api('GET', `/api/v1/connections/${id}/tests`);
      assert.equal(tests.json.tests.length, 1);
      assert.equal(tests.json.tests[0].ok, true, JSON.stringify(tests.json.tests[0].findings));

      const token = await (await server.service.tokenProvider(id)).getToken({ forceRefresh: true });
      const claims = decodeAccessTokenClaims(token.token);
      assert.equal(claims.upn, person.userPrincipalName);
      assert.equal(claims.tid, customer.id);
      assert.match(claims.scp ?? '', /\bCalendars\.Read\b/);

      // The refresh token is in the store only as a vault envelope: not in any table, file or log line in clear.
      const stored = await server.store.db
        .selectFrom('secrets')
        .selectAll()
        .where('connection_id', '=', id)
        .where('kind', '=', 'refresh_token')
        .executeTakeFirstOrThrow();
      const refreshToken = server.vault.decrypt(stored.ciphertext, secretContext(id, 'refresh_token'));
      assert.ok(refreshToken.length > 20);
      assert.match(stored.ciphertext, /^v1\./);
      const tables = ['connections', 'secrets', 'connect_flows', 'doctor_runs', 'integrations'] as const;
      for (const table of tables) {
        const rows = JSON.stringify(await server.store.db.selectFrom(table).selectAll().execute());
        assert.ok(!rows.includes(refreshToken), `${table} holds no plaintext refresh token`);
        assert.ok(!rows.includes(webApp.secret.value), `${table} holds no plaintext client secret`);
      }
      const flows = await server.store.db.selectFrom('connect_flows').selectAll().execute();
      assert.ok(
        flows.every((f) => f.payload_ciphertext === null),
        'the PKCE verifier is dropped once the flow ended',
      );
      if (target.name === 'sqlite') {
        const dir = server.store.options.dataDir!;
        for (const file of ['tenantlink.db', 'tenantlink.db-wal'].map((f) => join(dir, f)).filter(existsSync))
          assert.ok(!readFileSync(file).includes(refreshToken), `${file} holds no plaintext refresh token`);
      }
      assert.ok(!server.logLines.join('').includes(refreshToken), 'no log line holds the refresh token');
      assert.ok(!server.logLines.join('').includes(back.searchParams.get('code')!), 'nor the code');

      // The code and state cannot be used twice: Back (or a reload) shows that it is connected, with the way back.
      const replay = await browser.get(back.toString());
      assert.equal(replay.status, 200);
      assert.match(replay.text, /data-error-code="connected"/);
      assert.match(replay.text, /Return to acme-signin/);
      assert.ok(replay.text.includes(`connection=${id}`), 'the way back carries the result again');
      assert.equal((await server.service.list()).filter((c) => c.id === id).length, 1);
    });

    test('a user who cancels on the consent page comes back with result=failed', async () => {
      const person = await s.control('POST', `/tenants/${customer.id}/users`, { displayName: 'Hesitant Person' });
      const before = (await server.service.list()).length;
      const { browser, authorizeUrl, sessionId } = await startSignIn('vendor-cancelled');
      const sandboxBrowser = server.sandboxBrowser();
      const back = asRedirect(
        await completeSignIn(sandboxBrowser, await sandboxBrowser.open(authorizeUrl.toString()), {
          ...person,
          consent: 'cancel',
        }),
      );
      const done = await browser.get(back.toString());
      const result = new URL(done.location!);
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('error'), 'consent_declined');
      assert.equal(result.searchParams.get('state'), 'vendor-cancelled');
      assert.equal((await server.service.list()).length, before);
      const session = (await server.api('GET', `/api/v1/connect-sessions/${sessionId}`)).json;
      assert.deepEqual(
        [session.status, session.error.code, session.state],
        ['failed', 'consent_declined', 'vendor-cancelled'],
      );
    });
  });
}
