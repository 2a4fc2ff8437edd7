import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { fetch } from 'undici';
import { runCli } from '../src/cli/run.js';
import { IntegrationService } from '../src/connect/integrations.js';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { integrationSecretContext, Vault } from '../src/connections/vault.js';
import { buildServer } from '../src/server/server.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import {
  ADMIN_PASSWORD,
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
  describe(`integrations and connect links (${target.name})`, () => {
    let server: ConnectServer;
    let vendorApp: Json;
    let webApp: Json;
    const integration = (overrides: Record<string, unknown> = {}) => ({
      name: 'acme',
      clientId: vendorApp.appId,
      clientSecret: vendorApp.secret.value,
      features: ['directory'],
      returnUrl: RETURN_URL,
      cloud: sandboxCloudOf(s),
      ...overrides,
    });
    const link = async (body: Record<string, unknown>) => {
      const res = await server.api('POST', '/api/v1/connect-sessions', body);
      assert.equal(res.status, 201, res.text);
      return res.json as { id: string; url: string; expiresAt: string };
    };

    before(async () => {
      server = await startConnectServer(s, target);
      vendorApp = await s.createApp({
        displayName: `Links Vendor App ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: { application: ['User.Read.All'], delegated: ['openid', 'profile'] },
        secret: {},
      });
      webApp = await s.createApp({
        displayName: `Links Web App ${target.name}`,
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: [server.callbackUrl] },
        requiredPermissions: { delegated: ['User.Read', 'Calendars.Read'] },
        secret: {},
      });
      assert.equal((await server.api('POST', '/api/v1/integrations', integration())).status, 201);
    });
    after(async () => {
      await server.close();
      await target.cleanUp();
    });

    test('integrations: the API needs a key, never returns the secret, and refuses what cannot work', async () => {
      assert.equal((await server.api('GET', '/api/v1/integrations', undefined, {})).status, 401);
      assert.equal((await server.api('POST', '/api/v1/integrations', integration({ name: 'x' }), {})).status, 401);
      const list = await server.api('GET', '/api/v1/integrations');
      assert.equal(list.status, 200);
      assert.equal(list.json.integrations.length, 1);
      const [acme] = list.json.integrations;
      assert.equal(acme.name, 'acme');
      assert.equal(acme.authMode, 'multi-tenant');
      assert.equal(acme.redirectUri, server.callbackUrl);
      assert.equal(acme.returnUrl, RETURN_URL);
      assert.ok(!list.text.includes(vendorApp.secret.value));
      assert.ok(!('clientSecret' in acme) && !('secret' in acme));
      const row = await server.store.db.selectFrom('integrations').selectAll().executeTakeFirstOrThrow();
      assert.match(row.secret_ciphertext, /^v1\./);
      assert.ok(!JSON.stringify(row).includes(vendorApp.secret.value), 'stored encrypted');

      const refused = async (body: Record<string, unknown>, status: number, code: string, message?: RegExp) => {
        const res = await server.api('POST', '/api/v1/integrations', body);
        assert.equal(res.status, status, res.text);
        assert.equal(res.json.error.code, code);
        if (message) assert.match(res.json.error.message, message);
      };
      await refused(integration(), 409, 'INTEGRATION_EXISTS');
      await refused(integration({ name: 'guid', clientSecret: vendorApp.appId }), 400, 'SECRET_IS_SECRET_ID');
      await refused(integration({ name: 'plain', returnUrl: 'http://vendor.example.test/x' }), 400, 'INVALID_INPUT');
      await refused(integration({ name: 'shared', features: ['mail.shared'] }), 400, 'INVALID_INPUT', /delegated/);
      await refused(integration({ name: 'bad name!' }), 400, 'INVALID_INPUT', /name/);
      await refused(integration({ name: 'nothing', features: [] }), 400, 'INVALID_INPUT');

      const openapi = (await server.api('GET', '/api/openapi.json')).json;
      for (const path of [
        '/api/v1/integrations',
        '/api/v1/integrations/{id}',
        '/api/v1/connect-sessions',
        '/api/v1/connect/device-code',
        '/api/v1/connect/device-code/{flowId}',
        '/connect/microsoft',
        '/connect/microsoft/callback',
      ])
        assert.ok(openapi.paths[path], `the OpenAPI document describes ${path}`);
      assert.deepEqual(openapi.paths['/connect/microsoft/callback'].get.security, [], 'the callback is public');
    });

    test('/connect/microsoft without a token or a session is a 401 page', async () => {
      const res = await new TenantlinkBrowser().get(`${server.url}/connect/microsoft?integration=acme&state=x`);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('content-type')!, /^text\/html/);
      assert.match(res.text, /data-error-code="UNAUTHENTICATED"/);
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.match(res.headers.get('content-security-policy')!, /default-src 'none'/);
      const forged = await new TenantlinkBrowser().get(`${server.url}/connect/microsoft?integration=acme&token=forged`);
      assert.equal(forged.status, 401);
      assert.match(forged.text, /CONNECT_LINK_INVALID/);
    });

    test('a connect link shows its start page to any GET, and opens once, for one browser, on Continue', async () => {
      const { id, url, expiresAt } = await link({ integration: 'acme', state: 'vendor-once' });
      const parsed = new URL(url);
      assert.equal(parsed.origin + parsed.pathname, `${server.url}/connect/microsoft`);
      assert.equal(parsed.searchParams.get('integration'), 'acme');
      assert.equal(parsed.searchParams.get('state'), null, 'the vendor’s state stays on the server');
      const minutes = (Date.parse(expiresAt) - Date.now()) / 60_000;
      assert.ok(minutes > 14 && minutes <= 15, `expires in 15 minutes, not ${minutes}`);
      const token = parsed.searchParams.get('token')!;
      const rows = JSON.stringify(await server.store.db.selectFrom('connect_sessions').selectAll().execute());
      assert.ok(!rows.includes(token), 'only the token’s hash is stored');
      assert.ok(rows.includes('vendor-once'), 'the vendor’s state is stored with the session');

      // A mail scanner, a link preview: GETs show the page and use nothing up.
      for (let i = 0; i < 3; i++) {
        const scanned = await new TenantlinkBrowser().get(url);
        assert.equal(scanned.status, 200, scanned.text);
        assert.match(scanned.text, /data-page="start"/);
        assert.match(scanned.text, /Continue with Microsoft/);
        assert.equal(scanned.headers.get('cache-control'), 'no-store');
        assert.equal(scanned.headers.get('set-cookie'), null, 'showing the page sets nothing');
      }
      assert.equal((await server.api('GET', `/api/v1/connect-sessions/${id}`)).json.status, 'pending');

      const admin = new TenantlinkBrowser();
      const { next } = await admin.continueFrom(url);
      assert.equal(next.status, 303, next.text);
      assert.match(next.location!, /\/organizations\/v2\.0\/adminconsent\?/);
      assert.equal((await server.api('GET', `/api/v1/connect-sessions/${id}`)).json.status, 'opened');
      // The admin abandons at Microsoft and opens the link again in the same browser: it resumes.
      const again = await admin.continueFrom(url);
      assert.match(again.start.text, /continue where you left off/);
      assert.equal(again.next.status, 303, again.next.text);
      assert.match(again.next.location!, /\/organizations\/v2\.0\/adminconsent\?/);
      // Another browser cannot: the page says so and offers the way back, with the result for the vendor.
      const other = await new TenantlinkBrowser().continueFrom(url);
      assert.equal(other.start.status, 410);
      assert.match(other.start.text, /data-error-code="link_used"/);
      assert.match(other.start.text, /Return to acme/);
      assert.match(other.start.text, /state=vendor-once&amp;result=failed&amp;error=link_used/);
      const forced = await new TenantlinkBrowser().post(`${server.url}/connect/microsoft`, {
        integration: 'acme',
        token,
      });
      assert.equal(forced.status, 410, forced.text);
      assert.equal(forced.location, null);
    });

    test('the start page and its form, as an attacker would try them: 4xx pages, never a 5xx, nothing used up', async () => {
      const { id, url } = await link({ integration: 'acme', state: 'attacked' });
      const token = new URL(url).searchParams.get('token')!;
      const post = (fields: Record<string, string>) =>
        new TenantlinkBrowser().post(`${server.url}/connect/microsoft`, fields);
      const tries: [Record<string, string>, number][] = [
        [{ integration: 'acme' }, 401],
        [{ integration: 'acme', token: 'x'.repeat(201) }, 400],
        [{ integration: 'acme', token: `${token}x` }, 401],
        [{ integration: 'other-integration', token }, 404],
        [{ token }, 400],
        [{ integration: 'acme', token, action: 'delete' }, 400],
        [{ integration: 'acme', token, returnUrl: 'https://attacker.example.test/' }, 303],
      ];
      for (const [fields, status] of tries) {
        const res = await post(fields);
        assert.equal(res.status, status, `${JSON.stringify(fields)}: ${res.text.slice(0, 300)}`);
        if (status === 303) {
          // An extra field changes nothing: the session's own return URL and state stand.
          assert.match(res.location!, /\/organizations\/v2\.0\/adminconsent\?/);
          break;
        }
        assert.equal((await server.api('GET', `/api/v1/connect-sessions/${id}`)).json.status, 'pending');
      }
      const multipart = await fetch(`${server.url}/connect/microsoft`, {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=x' },
        body: `--x\r\nContent-Disposition: form-data; name="token"\r\n\r\n${token}\r\n--x--\r\n`,
      });
      assert.equal(multipart.status, 415);
      // A session id is not a link: the API wants a key, and the pages want the token.
      assert.equal((await server.api('GET', `/api/v1/connect-sessions/${id}`, undefined, {})).status, 401);
      assert.equal((await server.api('GET', '/api/v1/connect-sessions/not-a-session')).status, 404);
      const byId = await new TenantlinkBrowser().get(`${server.url}/connect/microsoft?integration=acme&token=${id}`);
      assert.equal(byId.status, 401);
      const longState = await new TenantlinkBrowser().get(`${server.callbackUrl}?state=${'s'.repeat(5000)}`);
      assert.equal(longState.status, 400);
    });

    test('a connect link expires after 15 minutes', async () => {
      const { id, url } = await link({ integration: 'acme', state: 'late' });
      await server.store.db
        .updateTable('connect_sessions')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('id', '=', id)
        .execute();
      const res = await new TenantlinkBrowser().get(url);
      assert.equal(res.status, 410);
      assert.match(res.text, /data-error-code="link_expired"/);
      assert.match(res.text, /state=late&amp;result=failed&amp;error=link_expired/);
      const post = await new TenantlinkBrowser().post(`${server.url}/connect/microsoft`, {
        integration: 'acme',
        token: new URL(url).searchParams.get('token')!,
      });
      assert.equal(post.status, 410);
    });

    test('a link for one integration does not open another', async () => {
      const added = await server.api(
        'POST',
        '/api/v1/integrations',
        integration({
          name: 'other',
          clientId: webApp.appId,
          clientSecret: webApp.secret.value,
          authMode: 'delegated',
          features: ['calendar'],
        }),
      );
      assert.equal(added.status, 201, added.text);
      const { url } = await link({ integration: 'acme' });
      const swapped = new URL(url);
      swapped.searchParams.set('integration', 'other');
      assert.equal((await new TenantlinkBrowser().get(swapped.toString())).status, 401);
      const unknown = new URL(url);
      unknown.searchParams.set('integration', 'no-such-integration');
      const res = await new TenantlinkBrowser().get(unknown.toString());
      assert.equal(res.status, 404);
      assert.match(res.text, /INTEGRATION_NOT_FOUND/);
    });

    test("returnUrl must be on the integration's origin; an allowed one is where the browser returns", async () => {
      const elsewhere = await server.api('POST', '/api/v1/connect-sessions', {
        integration: 'acme',
        returnUrl: 'https://attacker.example.test/collect',
      });
      assert.equal(elsewhere.status, 400);
      assert.equal(elsewhere.json.error.code, 'RETURN_URL_NOT_ALLOWED');
      const noUrl = await server.api('POST', '/api/v1/connect-sessions', { integration: 'acme', returnUrl: 'nope' });
      assert.equal(noUrl.status, 400);
      assert.equal((await server.api('POST', '/api/v1/connect-sessions', { integration: 'nope' })).status, 404);
      assert.equal((await server.api('POST', '/api/v1/connect-sessions', { integration: 'acme' }, {})).status, 401);

      const { url } = await link({
        integration: 'acme',
        state: 'vendor-elsewhere',
        returnUrl: 'https://vendor.example.test/other/page',
      });
      const browser = new TenantlinkBrowser();
      const { next } = await browser.continueFrom(url);
      const state = new URL(next.location!).searchParams.get('state')!;
      // A non-admin chose "Return to the application" on "Need admin approval".
      const back = await browser.get(
        `${server.callbackUrl}?error=access_denied&error_subcode=cancel&state=${encodeURIComponent(state)}`,
      );
      const result = new URL(back.location!);
      assert.equal(result.origin + result.pathname, 'https://vendor.example.test/other/page');
      assert.equal(result.searchParams.get('result'), 'failed');
      assert.equal(result.searchParams.get('error'), 'admin_required');
      assert.equal(result.searchParams.get('state'), 'vendor-elsewhere');
    });

    test('the console may open /connect/microsoft directly with its session', async () => {
      const signIn = await server.api('POST', '/api/v1/session', { password: ADMIN_PASSWORD }, {});
      assert.equal(signIn.status, 200, signIn.text);
      const cookie = signIn.headers.getSetCookie().find((c) => c.startsWith('tenantlink_session='))!;
      const browser = new TenantlinkBrowser();
      browser.cookies.set('tenantlink_session', { value: cookie.split(';')[0]!.split('=')[1]!, path: '/' });
      const made = await browser.get(`${server.url}/connect/microsoft?integration=acme&state=from-console`);
      assert.equal(made.status, 303, made.text);
      assert.match(made.location!, /\/connect\/microsoft\?integration=acme&token=/);
      const consent = await browser.continueFrom(made.location!);
      assert.equal(consent.next.status, 303, consent.next.text);
      assert.match(consent.next.location!, /\/organizations\/v2\.0\/adminconsent\?/);
      const delegated = await browser.get(`${server.url}/connect/microsoft?integration=other`);
      assert.equal(delegated.status, 303, delegated.text);
      const signInPage = await browser.continueFrom(delegated.location!);
      const authorize = new URL(signInPage.next.location!);
      assert.equal(authorize.pathname, '/organizations/oauth2/v2.0/authorize');
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    });

    test('rotating the vault re-encrypts integration secrets and the secrets of flows under way', async () => {
      const service = new IntegrationService(server.store, server.vault);
      const other = await service.find('other');
      const pending = await server.store.db
        .selectFrom('connect_flows')
        .select(['id_hash', 'payload_key_id'])
        .where('payload_ciphertext', 'is not', null)
        .execute();
      assert.ok(pending.length >= 1, 'a sign-in under way keeps its PKCE verifier encrypted');
      const report = await server.service.rotateVault();
      assert.deepEqual(report.failed, []);
      const row = await server.store.db
        .selectFrom('integrations')
        .selectAll()
        .where('id', '=', other.id)
        .executeTakeFirstOrThrow();
      assert.equal(row.secret_key_id, report.primaryKeyId);
      assert.equal(
        server.vault.decrypt(row.secret_ciphertext, integrationSecretContext(other.id)),
        webApp.secret.value,
      );
      const flows = await server.store.db
        .selectFrom('connect_flows')
        .select(['payload_key_id'])
        .where('payload_ciphertext', 'is not', null)
        .execute();
      assert.ok(flows.every((f) => f.payload_key_id === report.primaryKeyId));
      assert.ok(report.reencrypted >= 2 + pending.length);
    });

    test('removing an integration removes its pending links', async () => {
      const { url } = await link({ integration: 'other' });
      const removed = await server.api('DELETE', '/api/v1/integrations/other');
      assert.equal(removed.status, 204);
      assert.equal((await server.api('DELETE', '/api/v1/integrations/other')).status, 404);
      assert.equal((await new TenantlinkBrowser().get(url)).status, 404);
      const sessions = await server.store.db.selectFrom('connect_sessions').select('integration_id').execute();
      const left = await server.store.db.selectFrom('connect_flows').select('integration_id').execute();
      const other = (await server.api('GET', '/api/v1/integrations')).json.integrations.map((i: Json) => i.id);
      assert.ok(left.every((f) => f.integration_id === null || other.includes(f.integration_id)));
      assert.ok(sessions.every((f) => other.includes(f.integration_id)));
    });
  });
}

describe('the public URL', () => {
  test('connect links, the redirect URI and the flow cookie follow --public-url', async () => {
    const [target] = storeTargets();
    const server = await startConnectServer(s, target!, { publicUrl: 'https://tenantlink.example.test/' });
    try {
      const vendorApp = await s.createApp({
        displayName: 'Public URL App',
        signInAudience: 'AzureADMultipleOrgs',
        redirectUris: { web: ['https://tenantlink.example.test/connect/microsoft/callback'] },
        secret: {},
      });
      const added = await server.api('POST', '/api/v1/integrations', {
        name: 'public',
        clientId: vendorApp.appId,
        clientSecret: vendorApp.secret.value,
        features: ['directory'],
        returnUrl: RETURN_URL,
        cloud: sandboxCloudOf(s),
      });
      assert.equal(added.json.integration.redirectUri, 'https://tenantlink.example.test/connect/microsoft/callback');
      const session = await server.api('POST', '/api/v1/connect-sessions', { integration: 'public' });
      assert.match(
        session.json.url,
        /^https:\/\/tenantlink\.example\.test\/connect\/microsoft\?integration=public&token=/,
      );
      const link = new URL(session.json.url);
      const page = await server.app.inject({ method: 'GET', url: link.pathname + link.search });
      assert.equal(page.statusCode, 200, page.body);
      const start = await server.app.inject({
        method: 'POST',
        url: link.pathname,
        payload: { integration: 'public', token: link.searchParams.get('token')! },
      });
      assert.equal(start.statusCode, 303, start.body);
      assert.equal(
        new URL(start.headers.location as string).searchParams.get('redirect_uri'),
        'https://tenantlink.example.test/connect/microsoft/callback',
      );
      const cookies = start.headers['set-cookie'] as string[];
      assert.equal(cookies.length, 2, 'the browser cookie and the flow cookie');
      for (const cookie of cookies) {
        assert.match(cookie, /; Secure/);
        assert.match(cookie, /; HttpOnly/);
        assert.match(cookie, /; SameSite=Lax/);
      }
      assert.match(cookies.join('\n'), /Path=\/connect\/microsoft\/callback/);
      assert.match(cookies.join('\n'), /tenantlink_connect_browser=.*Path=\/connect\/microsoft;/);
    } finally {
      await server.close();
      await target!.cleanUp();
    }
  });

  test('a public URL with a path is refused', async () => {
    const [target] = storeTargets();
    const store = await target!.open();
    const vault = new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-public-url-')), env: {} }));
    const service = new ConnectionService({ store, vault });
    try {
      await assert.rejects(
        buildServer({ store, service, publicUrl: 'https://example.test/tenantlink', consoleDir: null }),
        /must not have a path/,
      );
    } finally {
      await service.close();
      await store.close();
      await target!.cleanUp();
    }
  });
});

describe('tenantlink integrations (CLI)', () => {
  test('add, list, update and remove; the secret comes from a file or stdin, never the command line', async () => {
    const work = mkdtempSync(join(tmpdir(), 'tl-cli-integrations-'));
    const secretFile = join(work, 'secret.txt');
    writeFileSync(secretFile, 'abc~DEFghijklmnopqrstuvwxyz0123456789ABCD\n');
    const out: string[] = [];
    const err: string[] = [];
    const cli = (args: string[], stdin = '') =>
      runCli(['--data', join(work, 'data'), ...args], {
        out: (t) => out.push(t),
        err: (t) => err.push(t),
        stdin: Readable.from([stdin]),
        env: {},
      });
    const base = ['--client-id', '11111111-2222-3333-4444-555555555555', '--features', 'directory,calendar'];
    const common = [...base, '--return-url', 'https://app.example.test/connected'];
    assert.equal(
      await cli(['integrations', 'add', '--name', 'acme', ...common, '--client-secret-file', secretFile]),
      0,
      err.join('\n'),
    );
    assert.match(out.join('\n'), /Added integration 'acme'/);
    assert.match(out.join('\n'), /\/connect\/microsoft\/callback/);
    assert.equal(
      await cli(
        ['integrations', 'add', '--name', 'acme-signin', '--mode', 'delegated', ...common, '--client-secret-stdin'],
        'xyz~DEFghijklmnopqrstuvwxyz0123456789ABCD\n',
      ),
      0,
      err.join('\n'),
    );
    assert.equal(await cli(['integrations', 'add', '--name', 'nosecret', ...common]), 2);
    assert.equal(
      await cli(['integrations', 'add', '--name', 'acme', ...common, '--client-secret-file', secretFile]),
      1,
    );
    out.length = 0;
    assert.equal(await cli(['--json', 'integrations', 'list']), 0);
    const listed = JSON.parse(out.join('\n'));
    assert.deepEqual(
      listed.integrations.map((i: Json) => [i.name, i.authMode]),
      [
        ['acme', 'multi-tenant'],
        ['acme-signin', 'delegated'],
      ],
    );
    assert.ok(!out.join('\n').includes('abc~DEF'), 'never the secret');

    // update: a new secret from stdin, other features, another return URL; nothing to change is a usage error.
    assert.equal(await cli(['integrations', 'update', 'acme']), 2);
    assert.equal(await cli(['integrations', 'update', 'acme', '--features', 'mail.shared']), 2, 'delegated only');
    assert.match(err.join('\n'), /mail\.shared works only with a delegated integration/);
    out.length = 0;
    assert.equal(
      await cli(
        ['integrations', 'update', 'acme', '--client-secret-stdin', '--features', 'directory'],
        'new~DEFghijklmnopqrstuvwxyz0123456789ABCD\n',
      ),
      0,
      err.join('\n'),
    );
    assert.match(out.join('\n'), /Updated integration 'acme'\.\nNo connection made through it holds a client secret/);
    assert.equal(
      await cli([
        'integrations',
        'update',
        'acme',
        '--return-url',
        'https://app.example.test/back',
        '--secret-expires',
        '2027-05-31',
      ]),
      0,
    );
    assert.equal(await cli(['integrations', 'update', 'acme', '--secret-expires', 'soon']), 2);
    out.length = 0;
    assert.equal(await cli(['integrations', 'list']), 0);
    assert.match(out.join('\n'), /^acme\t.*\tsecret ends 2027-05-31$/m);
    out.length = 0;
    assert.equal(await cli(['--json', 'integrations', 'list']), 0);
    const acme = JSON.parse(out.join('\n')).integrations.find((i: Json) => i.name === 'acme');
    assert.deepEqual([acme.features, acme.returnUrl], [['directory'], 'https://app.example.test/back']);
    assert.ok(!out.join('\n').includes('new~DEF'), 'never the secret');
    assert.equal(await cli(['integrations', 'update', 'nope', '--return-url', 'https://app.example.test/']), 1);

    assert.equal(await cli(['integrations', 'remove', 'acme']), 0);
    assert.equal(await cli(['integrations', 'remove', 'acme']), 1);
  });
});
