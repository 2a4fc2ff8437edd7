import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { Migrator, sql } from 'kysely';
import { fetch } from 'undici';
import { loadKeyring } from '../src/connections/keyring.js';
import { ConnectionService } from '../src/connections/service.js';
import { Vault } from '../src/connections/vault.js';
import type { TenantlinkError } from '../src/errors.js';
import { buildSetupGuide } from '../src/guide/setup-guide.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { SERVE_LOCK_FILE, type ServeLockHolder } from '../src/server/data-folder-lock.js';
import { buildServer } from '../src/server/server.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { integrationsRepository } from '../src/store/integrations-repository.js';
import { MIGRATIONS, migrateToLatest } from '../src/store/migrations/index.js';
import type { Json } from './helpers/auth-sandbox.js';
import { runCliHere } from './helpers/cli-in-process.js';
import { startCliProcess } from './helpers/cli-process.js';
import { storeTargets, type TestStore } from './helpers/store-databases.js';

const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const SECRET = 'abc~DEFghijklmnopqrstuvwxyz0123456789ABCD';
const RETURN_URL = 'https://app.example.test/connected';
const CALLBACK = '/connect/microsoft/callback';

/** An API call's status and parsed body. */
interface Answer {
  status: number;
  json: Json;
}

for (const target of storeTargets()) {
  describe(`integration branding through the API (${target.name})`, () => {
    let store: TestStore;
    let service: ConnectionService;
    let app: FastifyInstance;
    let url: string;
    let apiKey: string;
    const api = async (method: string, path: string, body?: unknown): Promise<Answer> => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, json: text ? JSON.parse(text) : null };
    };
    const integration = (overrides: Record<string, unknown> = {}) => ({
      name: 'acme',
      clientId: CLIENT_ID,
      clientSecret: SECRET,
      features: ['directory'],
      returnUrl: RETURN_URL,
      ...overrides,
    });
    /** Asserts the body is refused with a 400 whose detail names the field and says why. */
    const refused = async (method: string, path: string, body: unknown, field: string, why: RegExp) => {
      const res = await api(method, path, body);
      assert.equal(res.status, 400, JSON.stringify(res.json));
      assert.equal(res.json.error.code, 'INVALID_INPUT');
      const detail = res.json.error.details?.find((d: Json) => d.path === field);
      assert.ok(detail, `a detail for ${field}: ${JSON.stringify(res.json)}`);
      assert.match(detail.message, why);
    };

    before(async () => {
      store = await target.open();
      const vault = new Vault(
        await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-branding-keys-')), env: {} }),
      );
      service = new ConnectionService({ store, vault });
      app = await buildServer({ store, service, consoleDir: null });
      await app.listen({ port: 0, host: '127.0.0.1' });
      url = `http://127.0.0.1:${(app.addresses()[0] as { port: number }).port}`;
      apiKey = (await createApiKey(apiKeysRepository(store), 'branding tests')).key;
    });
    after(async () => {
      await app.close();
      await service.close();
      await store.close();
      await target.cleanUp();
    });

    test('an integration carries the name customers see and its logo; without them, its name and no logo', async () => {
      const added = await api(
        'POST',
        '/api/v1/integrations',
        integration({ displayName: '  Acme CRM  ', logoUrl: 'https://CDN.example.com/acme/logo 2x.png' }),
      );
      assert.equal(added.status, 201, JSON.stringify(added.json));
      assert.equal(added.json.integration.displayName, 'Acme CRM');
      assert.equal(added.json.integration.logoUrl, 'https://cdn.example.com/acme/logo%202x.png', 'as browsers read it');

      const plain = await api('POST', '/api/v1/integrations', integration({ name: 'plain' }));
      assert.equal(plain.status, 201);
      assert.equal(plain.json.integration.displayName, 'plain');
      assert.equal(plain.json.integration.logoUrl, null);

      const listed = (await api('GET', '/api/v1/integrations')).json.integrations;
      assert.deepEqual(
        listed.map((i: Json) => [i.name, i.displayName, i.logoUrl]),
        [
          ['acme', 'Acme CRM', 'https://cdn.example.com/acme/logo%202x.png'],
          ['plain', 'plain', null],
        ],
      );
    });

    test('a display name is plain text on one line of 1 to 80 characters; a logo is https without credentials', async () => {
      const create = (overrides: Record<string, unknown>) => integration({ name: 'refused', ...overrides });
      const post = (overrides: Record<string, unknown>, field: string, why: RegExp) =>
        refused('POST', '/api/v1/integrations', create(overrides), field, why);
      await post({ displayName: '   ' }, 'displayName', /name customers see/);
      await post({ displayName: 'A'.repeat(81) }, 'displayName', /at most 80 characters/);
      await post({ displayName: 'Acme\nCRM' }, 'displayName', /plain text on one line/);
      await post({ displayName: 'Acme \u202eMRC' }, 'displayName', /plain text on one line/);
      await post({ logoUrl: 'http://cdn.example.com/logo.png' }, 'logoUrl', /must be https:\/\/.*not http:/);
      await post({ logoUrl: 'javascript:alert(1)' }, 'logoUrl', /must be https:\/\//);
      await post({ logoUrl: 'data:image/png;base64,AAAA' }, 'logoUrl', /must be https:\/\//);
      await post({ logoUrl: '/logo.png' }, 'logoUrl', /an absolute https:\/\/ URL/);
      await post({ logoUrl: 'https://user:pw@cdn.example.com/logo.png' }, 'logoUrl', /user name or password/);
      await post({ logoUrl: `https://cdn.example.com/${'a'.repeat(2030)}` }, 'logoUrl', /at most 2048 characters/);
      // Within 2048 as typed, longer once percent-encoded: what would be stored counts.
      await post({ logoUrl: `https://cdn.example.com/${' '.repeat(700)}x` }, 'logoUrl', /once percent-encoded/);
      const names = (await api('GET', '/api/v1/integrations')).json.integrations.map((i: Json) => i.name);
      assert.ok(!names.includes('refused'), 'nothing was added');
      // 80 characters of any script are fine, and so is what looks like markup: it is shown as text.
      const wide = `${'Ä'.repeat(79)}<`;
      const accepted = await api('POST', '/api/v1/integrations', create({ name: 'wide', displayName: wide }));
      assert.equal(accepted.status, 201, JSON.stringify(accepted.json));
      assert.equal(accepted.json.integration.displayName, wide);
    });

    test('PATCH changes the branding; null goes back to the name and removes the logo', async () => {
      const changed = await api('PATCH', '/api/v1/integrations/plain', {
        displayName: 'Plain Books',
        logoUrl: 'https://plain.example.com/logo.svg',
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.json));
      assert.equal(changed.json.integration.displayName, 'Plain Books');
      assert.equal(changed.json.integration.logoUrl, 'https://plain.example.com/logo.svg');
      assert.deepEqual(changed.json.connectionsUpdated, []);
      const row = await store.db
        .selectFrom('integrations')
        .select(['display_name', 'logo_url'])
        .where('name', '=', 'plain')
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { display_name: 'Plain Books', logo_url: 'https://plain.example.com/logo.svg' });

      await refused(
        'PATCH',
        '/api/v1/integrations/plain',
        { logoUrl: 'ftp://plain.example.com/l.png' },
        'logoUrl',
        /https/,
      );
      await refused('PATCH', '/api/v1/integrations/plain', { displayName: '' }, 'displayName', /name customers see/);

      const reset = await api('PATCH', '/api/v1/integrations/plain', { displayName: null, logoUrl: null });
      assert.equal(reset.status, 200, JSON.stringify(reset.json));
      assert.equal(reset.json.integration.displayName, 'plain');
      assert.equal(reset.json.integration.logoUrl, null);
      // The other fields stay as they were.
      assert.equal(reset.json.integration.returnUrl, RETURN_URL);
    });

    test("the integration's redirect URI is one the guide accepts for a multi-tenant app", async () => {
      const [{ redirectUri }] = (await api('GET', '/api/v1/integrations')).json.integrations;
      assert.equal(redirectUri, `${url}${CALLBACK}`, 'http to 127.0.0.1, where the server listens');
      const guide = await api(
        'GET',
        `/api/v1/guide?features=directory&mode=multi-tenant&redirectUri=${encodeURIComponent(redirectUri)}`,
      );
      assert.equal(guide.status, 200, JSON.stringify(guide.json));
      assert.ok(guide.json.guide.adminConsentUrl.endsWith(`&redirect_uri=${encodeURIComponent(redirectUri)}`));
      assert.ok(guide.json.markdown.includes(`select Web and enter ${redirectUri}`));

      const lan = await api(
        'GET',
        `/api/v1/guide?features=directory&mode=multi-tenant&redirectUri=${encodeURIComponent('http://192.168.1.20:3000/cb')}`,
      );
      assert.equal(lan.status, 400);
      assert.match(
        lan.json.error.message,
        /must be https: Microsoft accepts http only to this machine .* not to 192\.168\.1\.20/,
      );
    });

    test('integrations made before branding show their name and no logo', async () => {
      const old = await target.open();
      try {
        const names = Object.keys(MIGRATIONS).sort();
        const previous = names[names.indexOf('0011_integration_branding') - 1]!;
        const migrator = new Migrator({
          db: old.db,
          provider: { getMigrations: async () => MIGRATIONS },
          ...(old.options.postgresSchema ? { migrationTableSchema: old.options.postgresSchema } : {}),
        });
        assert.equal((await migrator.migrateTo(previous)).error, undefined);
        await sql`insert into integrations (id, name, client_id, auth_mode, cloud, features, return_url,
            secret_ciphertext, secret_key_id, created_at, updated_at)
          values ('old-id', 'legacy', ${CLIENT_ID}, 'multi-tenant', '"global"', '["directory"]', ${RETURN_URL},
            'v1.x', 'k1', '2025-01-31T09:15:00.000Z', '2025-01-31T09:15:00.000Z')`.execute(old.db);

        assert.ok((await migrateToLatest(old.db, old.options.postgresSchema)).includes('0011_integration_branding'));
        const legacy = await integrationsRepository(old).find('legacy');
        assert.equal(legacy?.displayName, 'legacy');
        assert.equal(legacy?.logoUrl, null);
      } finally {
        await old.close();
      }
    });
  });
}

describe('tenantlink integrations: branding and the real redirect URI (CLI)', () => {
  const work = mkdtempSync(join(tmpdir(), 'tl-cli-branding-'));
  const dataDir = join(work, 'data');
  const secretFile = join(work, 'secret.txt');
  writeFileSync(secretFile, `${SECRET}\n`);
  after(() => rmSync(work, { recursive: true, force: true }));
  const cli = (args: string[], env: Record<string, string> = {}) => runCliHere(['--data', dataDir, ...args], { env });
  const add = (name: string, more: string[] = [], env: Record<string, string> = {}) =>
    cli(
      [
        ...['integrations', 'add', '--name', name, '--client-id', CLIENT_ID, '--features', 'directory'],
        ...['--return-url', RETURN_URL, '--client-secret-file', secretFile, ...more],
      ],
      env,
    );

  test('add and update take the display name and the logo; list shows them', async () => {
    const added = await add('acme', ['--display-name', 'Acme CRM', '--logo-url', 'https://cdn.example.com/acme.png']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(
      added.stdout,
      /^Customers see it as "Acme CRM", with the logo https:\/\/cdn\.example\.com\/acme\.png\.$/m,
    );

    const refused = await add('refused', ['--logo-url', 'http://cdn.example.com/acme.png']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /logoUrl: must be https:\/\//);
    const multiline = await add('refused', ['--display-name', 'Acme\nCRM']);
    assert.equal(multiline.code, 2);
    assert.match(multiline.stderr, /displayName: plain text on one line/);

    let listed = await cli(['integrations', 'list']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^acme\t"Acme CRM"\tmulti-tenant\t.*\tlogo https:\/\/cdn\.example\.com\/acme\.png$/m);

    const updated = await cli(['integrations', 'update', 'acme', '--display-name', 'Acme Cloud', '--no-logo-url']);
    assert.equal(updated.code, 0, updated.stderr);
    listed = await cli(['--json', 'integrations', 'list']);
    const [acme] = JSON.parse(listed.stdout).integrations;
    assert.deepEqual([acme.displayName, acme.logoUrl], ['Acme Cloud', null]);
    assert.ok(!listed.stdout.includes(SECRET.slice(0, 10)), 'never the secret');
    assert.equal(
      (await cli(['integrations', 'update', 'acme', '--logo-url', 'https://cdn.example.com/2.png'])).code,
      0,
    );
    assert.match(
      (await cli(['integrations', 'list'])).stdout,
      /^acme\t"Acme Cloud"\t.*\tlogo https:\/\/cdn\.example\.com\/2\.png$/m,
    );
  });

  test('the redirect URI comes from --public-url, else TENANTLINK_PUBLIC_URL; a bad one is named', async () => {
    const fromOption = await add('by-option', ['--public-url', 'https://tl.example.com/']);
    assert.equal(fromOption.code, 0, fromOption.stderr);
    assert.match(
      fromOption.stdout,
      /^ {2}https:\/\/tl\.example\.com\/connect\/microsoft\/callback\n {2}\(from --public-url\)$/m,
    );
    assert.doesNotMatch(fromOption.stdout, /<public URL>/);

    const env = { TENANTLINK_PUBLIC_URL: 'https://env.example.com' };
    const fromEnv = await cli(['--json', 'integrations', 'list'], env);
    assert.equal(fromEnv.code, 0, fromEnv.stderr);
    for (const i of JSON.parse(fromEnv.stdout).integrations)
      assert.equal(i.redirectUri, `https://env.example.com${CALLBACK}`);
    const optionWins = await cli(['integrations', 'list', '--public-url', 'http://127.0.0.1:3100'], env);
    assert.match(
      optionWins.stdout,
      /^Web redirect URI of every integration's app: http:\/\/127\.0\.0\.1:3100\/connect\/microsoft\/callback \(from --public-url\)\.$/m,
    );

    const withPath = await add('bad-url', ['--public-url', 'https://tl.example.com/tenantlink']);
    assert.equal(withPath.code, 2);
    assert.match(withPath.stderr, /--public-url: The public URL must not have a path/);
    const badEnv = await cli(['integrations', 'list'], { TENANTLINK_PUBLIC_URL: 'tl.example.com' });
    assert.equal(badEnv.code, 2);
    assert.match(badEnv.stderr, /TENANTLINK_PUBLIC_URL: The public URL 'tl\.example\.com' is not an absolute URL/);
    assert.equal(
      JSON.parse((await cli(['--json', 'integrations', 'list'])).stdout).integrations.some(
        (i: Json) => i.name === 'bad-url',
      ),
      false,
      'a bad public URL stops add before it changes anything',
    );
  });

  test('with no public URL and no server running, it gives the form and says what it depends on', async () => {
    // A lock left by a server that was killed is not a running server.
    mkdirSync(dataDir, { recursive: true });
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale: ServeLockHolder = {
      pid: gone,
      hostname: hostname(),
      host: '127.0.0.1',
      port: 3999,
      startedAt: new Date().toISOString(),
      url: 'http://127.0.0.1:3999',
    };
    writeFileSync(join(dataDir, SERVE_LOCK_FILE), JSON.stringify(stale));
    try {
      const added = await add('nowhere');
      assert.equal(added.code, 0, added.stderr);
      assert.match(added.stdout, /^ {2}<public URL>\/connect\/microsoft\/callback$/m);
      assert.match(added.stdout, /depends on where the server is reached/);
      assert.match(added.stdout, /pass --public-url URL, or set TENANTLINK_PUBLIC_URL/);
      assert.doesNotMatch(added.stdout, /3999/);
      const listed = await cli(['--json', 'integrations', 'list']);
      assert.equal(JSON.parse(listed.stdout).integrations[0].redirectUri, null);
    } finally {
      rmSync(join(dataDir, SERVE_LOCK_FILE), { force: true });
    }
  });

  test("beside a running serve, it prints the server's own redirect URI; serve takes TENANTLINK_PUBLIC_URL", async () => {
    const serveWork = mkdtempSync(join(tmpdir(), 'tl-cli-branding-serve-'));
    const serveData = join(serveWork, 'data');
    const served = await startServe(serveWork, serveData);
    try {
      const added = await runCliHere(
        [
          ...['--data', serveData, 'integrations', 'add', '--name', 'acme', '--client-id', CLIENT_ID],
          ...['--features', 'directory', '--return-url', RETURN_URL, '--client-secret-stdin'],
        ],
        { stdin: `${SECRET}\n` },
      );
      assert.equal(added.code, 0, added.stderr);
      assert.ok(added.stdout.includes(`\n  ${served.url}${CALLBACK}\n`), added.stdout);
      assert.match(added.stdout, /\(from the tenantlink serve running on this data folder/);
      assert.equal((await integrationView(served.url, serveData)).redirectUri, `${served.url}${CALLBACK}`);
    } finally {
      await served.stop();
    }
    // Stopped, the server no longer says where it is.
    const stopped = await runCliHere(['--data', serveData, '--json', 'integrations', 'list']);
    assert.equal(JSON.parse(stopped.stdout).integrations[0].redirectUri, null);

    const publicUrl = 'https://tenantlink.example.test';
    const behindProxy = await startServe(serveWork, serveData, publicUrl);
    try {
      assert.ok(behindProxy.stdout.includes(`connect   ${publicUrl}${CALLBACK}`), behindProxy.stdout);
      assert.equal((await integrationView(behindProxy.url, serveData)).redirectUri, `${publicUrl}${CALLBACK}`);
    } finally {
      await behindProxy.stop();
    }
    rmSync(serveWork, { recursive: true, force: true });
  });
});

describe('the guide takes the redirect URIs Microsoft takes for a Web app', () => {
  const guideFor = (redirectUri: string) =>
    buildSetupGuide({ features: ['directory'], mode: 'multi-tenant', redirectUri });
  const refused = (redirectUri: string, why: RegExp) =>
    assert.throws(
      () => guideFor(redirectUri),
      (err: TenantlinkError) => err.code === 'INVALID_INPUT' && why.test(err.message),
      redirectUri,
    );

  test('https, and http to localhost, 127.0.0.1 and [::1] (the connect flow on this machine)', () => {
    for (const uri of [
      'https://app.example.com/connect/microsoft/callback',
      `http://127.0.0.1:3000${CALLBACK}`,
      `http://localhost:3000${CALLBACK}`,
      `http://[::1]:3000${CALLBACK}`,
      'http://localhost/cb',
    ]) {
      const guide = guideFor(uri);
      assert.ok(guide.azureCli.includes(`--web-redirect-uris '${uri}'`), uri);
      assert.ok(guide.adminConsentUrl?.endsWith(`&redirect_uri=${encodeURIComponent(uri)}`), uri);
    }
  });

  test('anything else is refused with the reason', () => {
    refused(
      'http://app.example.com/cb',
      /^The redirect URI must be https: Microsoft accepts http only to this machine \(localhost, 127\.0\.0\.1, \[::1\]\), not to app\.example\.com\. Use https:\/\/app\.example\.com\/cb/,
    );
    refused('http://127.0.0.2:3000/cb', /not to 127\.0\.0\.2/);
    refused('http://localhost.example.com/cb', /not to localhost\.example\.com/);
    refused('ftp://app.example.com/cb', /must be https \(or http to localhost, 127\.0\.0\.1, \[::1\]\), not ftp:/);
    refused('https://app.example.com/cb#done', /must not have a #fragment/);
    refused(CALLBACK, /is not an absolute URL/);
  });

  test('tenantlink guide --redirect-uri takes http://127.0.0.1 and names what it refuses', async () => {
    const args = ['guide', '--features', 'directory', '--mode', 'multi-tenant', '--redirect-uri'];
    const local = await runCliHere([...args, `http://127.0.0.1:3000${CALLBACK}`]);
    assert.equal(local.code, 0, local.stderr);
    assert.ok(local.stdout.includes(`Redirect URI: select Web and enter http://127.0.0.1:3000${CALLBACK}.`));
    const lan = await runCliHere([...args, 'http://10.0.0.5:3000/cb']);
    assert.equal(lan.code, 2);
    assert.match(lan.stderr, /must be https: Microsoft accepts http only to this machine .* not to 10\.0\.0\.5/);
  });
});

/** `tenantlink serve --port 0 --no-demo` as a process on the data folder, once it listens. */
async function startServe(work: string, dataDir: string, publicUrl?: string) {
  // The child takes the environment as it is when it is spawned.
  if (publicUrl) process.env.TENANTLINK_PUBLIC_URL = publicUrl;
  const serve = startCliProcess(['--data', dataDir, 'serve', '--port', '0', '--no-demo'], { work });
  delete process.env.TENANTLINK_PUBLIC_URL;
  let stdout = '';
  serve.onStdout((text) => {
    stdout = text;
  });
  let exited = false;
  void serve.done.then(() => {
    exited = true;
  });
  const lock = join(dataDir, SERVE_LOCK_FILE);
  for (let waited = 0; !/connect {3}/.test(stdout); waited += 100) {
    if (exited || waited > 60_000) assert.fail(`serve did not start: ${(await serve.done).stderr}`);
    await sleep(100);
  }
  assert.ok(existsSync(lock));
  const holder = JSON.parse(readFileSync(lock, 'utf8')) as ServeLockHolder;
  return {
    url: holder.url!,
    stdout,
    async stop() {
      serve.kill('SIGTERM');
      const run = await serve.done;
      assert.equal(run.code, 0, run.stderr);
    },
  };
}

/** The first integration as the server's API shows it, with an API key made by the CLI on the same data folder. */
async function integrationView(url: string, dataDir: string): Promise<Json> {
  const created = await runCliHere(['--data', dataDir, '--json', 'apikeys', 'create', '--name', `k${Date.now()}`]);
  assert.equal(created.code, 0, created.stderr);
  const res = await fetch(`${url}/api/v1/integrations`, {
    headers: { authorization: `Bearer ${JSON.parse(created.stdout).key}` },
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as Json).integrations[0];
}
