import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, test } from 'node:test';
import { loadKeyring } from '../src/connections/keyring.js';
import { Vault } from '../src/connections/vault.js';
import { TenantlinkError } from '../src/errors.js';
import {
  createLogger,
  defaultSecretRegistry,
  type LogLevel,
  REDACTED,
  SecretRegistry,
  sanitizeUrl,
  scrubCredentialPatterns,
  scrubSecrets,
} from '../src/logging/index.js';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { openStore } from '../src/store/database.js';
import { generateWebhookSecret } from '../src/webhooks/signature.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed log lines, checked by the assertions that read them.
type Json = any;

/** A logger writing into memory, and the lines it wrote. */
function capture(level: LogLevel = 'trace', secrets?: SecretRegistry) {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: { write: (line: string) => lines.push(line) },
    ...(secrets ? { secrets } : {}),
  });
  return {
    logger,
    lines,
    text: () => lines.join(''),
    records: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

function assertAbsent(output: string, secrets: string[]) {
  for (const secret of secrets) assert.ok(!output.includes(secret), `leaked ${JSON.stringify(secret)} in:\n${output}`);
}

/** Secrets put into the process's default registry by a test, forgotten after it. */
const registered: string[] = [];
function register(value: string) {
  assert.equal(defaultSecretRegistry.register(value), true);
  registered.push(value);
}
afterEach(() => {
  for (const value of registered.splice(0)) defaultSecretRegistry.unregister(value);
});

describe('logger', () => {
  test('keeps request-id, status and path, and none of the secrets of a token request', () => {
    const { logger, text, records } = capture();
    const clientSecret = 'Xy8Q~client.secret-value_0123456789abcd';
    const bearer = 'opaque-access-token-0123456789abcdefghij';
    const querySecret = 'query~secret.value-987654321';
    const registeredSecret = 'registered-secret-A1B2C3D4E5';
    register(registeredSecret);

    logger.info(
      {
        req: {
          method: 'POST',
          url: `https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token?client_secret=${encodeURIComponent(querySecret)}&api-version=2.0`,
          headers: {
            Authorization: `Bearer ${bearer}`,
            'content-type': 'application/x-www-form-urlencoded',
            'client-request-id': 'c0ffee00-0000-4000-8000-000000000001',
          },
          body: `grant_type=client_credentials&client_id=abc&client_secret=${encodeURIComponent(clientSecret)}`,
        },
        res: {
          status: 401,
          headers: new Headers({ 'request-id': 'f00dbabe-0000-4000-8000-000000000002', 'x-unknown': 'whatever' }),
        },
        form: { client_id: 'abc', client_secret: clientSecret, scope: 'https://graph.microsoft.com/.default' },
        path: '/contoso.onmicrosoft.com/oauth2/v2.0/token',
      },
      'token request for %s failed; secret %s',
      'contoso',
      registeredSecret,
    );
    logger.error(
      new TenantlinkError('AUTH_INVALID_CLIENT', `The client secret ${registeredSecret} is wrong`, {
        status: 401,
        requestId: 'f00dbabe-0000-4000-8000-000000000002',
        microsoftCode: 'AADSTS7000215',
      }),
    );
    logger.warn({ url: `https://graph.microsoft.com/v1.0/users?client_secret=${querySecret}&$top=5` }, 'calling');

    const output = text();
    assertAbsent(output, [clientSecret, encodeURIComponent(clientSecret), bearer, querySecret, registeredSecret]);

    const [request, failure, call] = records() as Json[];
    assert.equal(request!.req.method, 'POST');
    assert.equal(request!.req.headers.authorization, REDACTED);
    assert.equal(request!.req.headers['client-request-id'], 'c0ffee00-0000-4000-8000-000000000001');
    assert.equal(request!.req.headers['content-type'], 'application/x-www-form-urlencoded');
    assert.equal(request!.req.body, REDACTED);
    assert.match(request!.req.url, /client_secret=REDACTED&api-version=2\.0$/);
    assert.equal(request!.res.status, 401);
    assert.equal(request!.res.headers['request-id'], 'f00dbabe-0000-4000-8000-000000000002');
    assert.equal(request!.res.headers['x-unknown'], REDACTED);
    assert.deepEqual(request!.form, {
      client_id: 'abc',
      client_secret: REDACTED,
      scope: 'https://graph.microsoft.com/.default',
    });
    assert.equal(request!.path, '/contoso.onmicrosoft.com/oauth2/v2.0/token');
    assert.equal(request!.msg, `token request for contoso failed; secret ${REDACTED}`);

    assert.deepEqual(failure!.err, {
      type: 'TenantlinkError',
      code: 'AUTH_INVALID_CLIENT',
      message: `The client secret ${REDACTED} is wrong`,
      status: 401,
      requestId: 'f00dbabe-0000-4000-8000-000000000002',
    });
    assert.equal(call!.url, 'https://graph.microsoft.com/v1.0/users?client_secret=REDACTED&$top=5');
  });

  test('request and response objects keep only allow-listed fields, headers and query parameters', () => {
    const { logger, records } = capture();
    logger.info({
      request: {
        method: 'GET',
        url: 'https://graph.microsoft.com/v1.0/users?$select=id,displayName&$filter=startswith(mail,%27a%27)&$skiptoken=opaque',
        headers: { 'x-custom-auth': 'token-like-value-12345', 'user-agent': 'tenantlink/0.1', Cookie: 'session=abc' },
        credentials: { anything: 'at all' },
        attempt: 2,
      },
      response: {
        status: 200,
        statusText: 'OK',
        headers: { 'retry-after': '3', location: 'https://x.sharepoint.com/upload?tempauth=abcdefgh&guid=1' },
        body: { value: [{ id: 'u1', mail: 'a@contoso.com' }] },
        json: () => ({}),
      },
    });
    const [record] = records() as Json[];
    assert.deepEqual(record!.request, {
      method: 'GET',
      url: 'https://graph.microsoft.com/v1.0/users?$select=id,displayName&$filter=REDACTED&$skiptoken=REDACTED',
      headers: { 'x-custom-auth': REDACTED, 'user-agent': 'tenantlink/0.1', cookie: REDACTED },
      attempt: 2,
      credentials: REDACTED,
    });
    assert.deepEqual(record!.response, {
      status: 200,
      statusText: 'OK',
      headers: { 'retry-after': '3', location: 'https://x.sharepoint.com/upload?tempauth=REDACTED&guid=REDACTED' },
      body: REDACTED,
      json: REDACTED,
    });
  });

  test('secret field names are redacted at any depth, in child bindings too', () => {
    const { logger, text, records } = capture();
    const values = {
      password: 'Pa55word-value!',
      refresh: 'refresh-token-value-abcdef',
      pem: 'private-key-pem-body-value',
      deep: 'deeply-nested-secret-value',
      bound: 'child-binding-secret-value',
      state: 'client-state-shared-secret',
      bytes: 'bytes-that-may-be-a-key',
    };
    const child = logger.child({ connection: 'c1', clientSecret: values.bound });
    child.info({
      user: { password: values.password },
      tokens: [{ refresh_token: values.refresh, expiresIn: 3600 }],
      certificate: { thumbprint: 'ABCDEF', privateKeyPem: values.pem },
      a: { b: { c: { d: { e: { apiKey: values.deep } } } } },
      subscription: { clientState: values.state, changeType: 'created' },
      key: Buffer.from(values.bytes),
    });
    assertAbsent(text(), Object.values(values));
    const [record] = records() as Json[];
    assert.equal(record!.connection, 'c1');
    assert.equal(record!.clientSecret, REDACTED);
    assert.equal(record!.tokens[0].expiresIn, 3600);
    assert.equal(record!.certificate.thumbprint, 'ABCDEF');
    assert.equal(record!.subscription.changeType, 'created');
  });

  test('errors are logged as code, message, status and request-id only', () => {
    const { logger, text, records } = capture();
    const error = Object.assign(new Error('request failed'), {
      code: 'ECONNRESET',
      config: { headers: { Authorization: 'Bearer attached-config-token-123456' } },
      body: 'client_secret=attached-body-secret',
    });
    logger.error({ err: error, nested: { error: new TenantlinkError('X', 'inner', { requestId: 'r-1' }) } }, 'failed');
    logger.error(new TenantlinkError('GRAPH_FORBIDDEN', 'denied', { status: 403, cause: new Error('cause-text-xyz') }));
    const output = text();
    assertAbsent(output, ['attached-config-token-123456', 'attached-body-secret', 'cause-text-xyz', 'at ']);
    const [first, second] = records() as Json[];
    assert.deepEqual(first!.err, { type: 'Error', code: 'ECONNRESET', message: 'request failed' });
    assert.deepEqual(first!.nested.error, { type: 'TenantlinkError', code: 'X', message: 'inner', requestId: 'r-1' });
    assert.deepEqual(second!.err, { type: 'TenantlinkError', code: 'GRAPH_FORBIDDEN', message: 'denied', status: 403 });
  });

  test('credential-shaped text in messages is replaced even when nobody registered it', () => {
    const { logger, text } = capture();
    const jwt =
      'eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20ifQ.c2lnbmF0dXJlLWJ5dGVz';
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----';
    logger.info(`got token ${jwt}`);
    logger.info(`key file:\n${pem}`);
    logger.info('header was Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345');
    logger.info('posted client_secret=plain-form-secret&grant_type=client_credentials');
    logger.info(`body ${JSON.stringify({ client_secret: 'json-body-secret', refresh_token: 'json-rt-secret' })}`);
    logger.info('redirect https://app.example.com/cb?code=authorization-code-value&state=1');
    const output = text();
    assertAbsent(output, [
      jwt.split('.')[1]!,
      'MIIEvQIBADANBgkqhkiG9w0BAQEFAASC',
      'abcdefghijklmnopqrstuvwxyz012345',
      'plain-form-secret',
      'json-body-secret',
      'json-rt-secret',
      'authorization-code-value',
    ]);
    assert.match(output, /grant_type=client_credentials/);
    assert.match(output, /Bearer REDACTED/);
  });

  test('a registered secret is replaced in every form it can take in a line', () => {
    const { logger, text } = capture();
    const secret = 'Ab+/c"d\\e~f.g_h-i?j&k=l';
    register(secret);
    logger.info({ form: `x=${encodeURIComponent(secret)}`, json: JSON.stringify({ v: secret }) }, secret);
    logger.info({ query: new URLSearchParams({ anything: secret }).toString() });
    logger.info({ unrelated: { label: `prefix${secret}suffix` } });
    const output = text();
    assertAbsent(output, [
      secret,
      JSON.stringify(secret).slice(1, -1),
      encodeURIComponent(secret),
      new URLSearchParams({ v: secret }).toString().slice(2),
    ]);
    assert.match(output, /prefixREDACTEDsuffix/);
  });

  test('a secret the vault decrypted is scrubbed from later log lines', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantlink-logging-vault-'));
    try {
      const keyring = await loadKeyring({ dataDir, env: {} });
      const vault = new Vault(keyring);
      const secret = 'decrypted-secret-value-QWERTY';
      // Stored by another process (whose vault registered it there, not here).
      const envelope = new Vault(keyring, { registerDecryptedSecrets: false }).encrypt(
        secret,
        'connection:c:client_secret',
      );
      const { logger, text } = capture();
      logger.info(`before decrypt: ${secret}`); // not yet known in this process: shows
      assert.ok(text().includes(secret));
      vault.decrypt(envelope, 'connection:c:client_secret');
      registered.push(secret);
      logger.info({ note: `oops ${secret}` }, `after decrypt: ${secret}`);
      assert.equal(text().split(secret).length - 1, 1, 'only the line written before decryption has it');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('a secret the vault encrypted, and never decrypted, is scrubbed from later log lines', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantlink-logging-vault-'));
    try {
      const vault = new Vault(await loadKeyring({ dataDir, env: {} }));
      const secret = 'just-stored-secret-value-ASDFGH';
      vault.encrypt(secret, 'connection:c:client_secret');
      registered.push(secret);
      const { logger, text, records } = capture();
      logger.info({ note: `oops ${secret}` }, `stored: ${secret}`);
      logger.error(new TenantlinkError('X', `failed with ${secret}`));
      assertAbsent(text(), [secret]);
      const [line, failure] = records() as Json[];
      assert.equal(line!.msg, `stored: ${REDACTED}`);
      assert.equal(line!.note, `oops ${REDACTED}`);
      assert.equal(failure!.err.message, `failed with ${REDACTED}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('webhook signing secrets (whsec_) and API keys (tlk_) are replaced even when nobody registered them', async () => {
    const webhookSecret = generateWebhookSecret();
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantlink-logging-keys-'));
    const store = await openStore({ dataDir });
    let apiKey: string;
    try {
      apiKey = (await createApiKey(apiKeysRepository(store), 'logging')).key;
    } finally {
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
    assert.match(apiKey, /^tlk_[A-Za-z0-9_-]{43}$/);
    const { logger, text, records } = capture();
    logger.info(`endpoint secret ${webhookSecret}, key ${apiKey}`);
    logger.error(new TenantlinkError('X', `refused ${apiKey} and ${webhookSecret}`));
    logger.warn({ endpoint: { note: webhookSecret }, header: `Bearer-ish ${apiKey}` }, 'fields');
    logger.info(`percent-encoded: a%20${apiKey}&b=${webhookSecret}`);
    const output = text();
    assertAbsent(output, [webhookSecret, webhookSecret.slice(6), apiKey, apiKey.slice(4)]);
    const [message, failure, fields, encoded] = records() as Json[];
    assert.equal(message!.msg, `endpoint secret whsec_${REDACTED}, key tlk_${REDACTED}`);
    assert.equal(failure!.err.message, `refused tlk_${REDACTED} and whsec_${REDACTED}`);
    assert.equal(fields!.endpoint.note, `whsec_${REDACTED}`);
    assert.equal(fields!.header, `Bearer-ish tlk_${REDACTED}`);
    assert.equal(encoded!.msg, `percent-encoded: a%20tlk_${REDACTED}&b=whsec_${REDACTED}`);
  });

  test('a non-plain object logged on its own is sanitized too', () => {
    const { logger, text, records } = capture();
    logger.info(new URL('https://graph.microsoft.com/v1.0/me?access_token=url-token-value-123&$top=1'));
    assertAbsent(text(), ['url-token-value-123']);
    assert.equal(records()[0]!['value'], 'https://graph.microsoft.com/v1.0/me?access_token=REDACTED&$top=1');
  });

  test('the level filters lines', () => {
    const { logger, lines } = capture('warn');
    logger.info('hidden');
    logger.warn('shown');
    assert.equal(lines.length, 1);
  });
});

describe('paths', () => {
  test('URLs and paths are logged as route templates: no UPN, ID or file name', () => {
    const { logger, text, records } = capture();
    const upn = 'adele@contoso.com';
    const id = '4f1c0e7a-2b3d-4c5e-8f90-1a2b3c4d5e6f';
    logger.info({
      url: `https://graph.microsoft.com/v1.0/users/${upn}/messages?$top=5`,
      path: `/users/${encodeURIComponent(upn)}/drive/root:/Salaries/Adele%20Vance%202026.xlsx:/content`,
      request: { method: 'GET', url: `https://graph.microsoft.com/v1.0/users/${id}/mailFolders/inbox/messages` },
      response: { status: 201, headers: { location: `https://graph.microsoft.com/v1.0/users/${id}` } },
      note: `https://graph.microsoft.com/v1.0/users/${upn}/events`,
    });
    assertAbsent(text(), ['adele', 'Adele', id, 'Salaries']);
    const [record] = records() as Json[];
    assert.equal(record!.url, 'https://graph.microsoft.com/v1.0/users/{id}/messages?$top=5');
    assert.equal(record!.path, '/users/{id}/drive/root:/{path}:/content');
    assert.equal(record!.request.url, 'https://graph.microsoft.com/v1.0/users/{id}/mailFolders/inbox/messages');
    assert.equal(record!.response.headers.location, 'https://graph.microsoft.com/v1.0/users/{id}');
    assert.equal(record!.note, 'https://graph.microsoft.com/v1.0/users/{id}/events');
  });
});

describe('secret registries', () => {
  test('two registries are independent: a secret registered in one is not scrubbed by a logger using the other', () => {
    const first = new SecretRegistry();
    const second = new SecretRegistry();
    const viaFirst = capture('trace', first);
    const viaSecond = capture('trace', second);
    const viaDefault = capture();
    const secret = 'first-registry-only-secret-42';
    assert.equal(first.register(secret), true);
    for (const { logger } of [viaFirst, viaSecond, viaDefault]) logger.info({ note: secret }, `value ${secret}`);
    assertAbsent(viaFirst.text(), [secret]);
    assert.deepEqual(
      [viaSecond, viaDefault].map(({ records }) => (records() as Json[]).map((r) => [r.msg, r.note])),
      [[[`value ${secret}`, secret]], [[`value ${secret}`, secret]]],
    );
    assert.equal(second.scrub(secret), secret);
    assert.equal(defaultSecretRegistry.scrub(secret), secret);
  });

  test('Vault and createLogger use the default registry when given none, and the one they are given otherwise', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'tenantlink-logging-registry-'));
    try {
      const keyring = await loadKeyring({ dataDir, env: {} });
      const context = 'connection:c:client_secret';
      const toDefault = 'default-registry-vault-secret-1';
      new Vault(keyring).encrypt(toDefault, context);
      registered.push(toDefault);
      assert.equal(defaultSecretRegistry.scrub(`x ${toDefault}`), `x ${REDACTED}`);
      const plain = capture();
      plain.logger.info(`default ${toDefault}`);
      assert.equal((plain.records() as Json[])[0].msg, `default ${REDACTED}`);

      const own = new SecretRegistry();
      const toOwn = 'own-registry-vault-secret-2';
      const envelope = new Vault(keyring, { registerDecryptedSecrets: false }).encrypt(toOwn, context);
      assert.equal(new Vault(keyring, { secrets: own }).decrypt(envelope, context), toOwn);
      assert.equal(own.scrub(toOwn), REDACTED);
      assert.equal(defaultSecretRegistry.scrub(toOwn), toOwn, 'a vault given a registry leaves the default alone');
      const withOwn = capture('trace', own);
      withOwn.logger.info(`own ${toOwn} and ${toDefault}`);
      assert.equal((withOwn.records() as Json[])[0].msg, `own ${REDACTED} and ${toDefault}`);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('scrubbing utilities', () => {
  test('scrubSecrets replaces given secrets, also short ones, and leaves other text', () => {
    assert.equal(
      scrubSecrets('a=topsecret1 b=pw c=topsecret1', ['topsecret1', 'pw']),
      `a=${REDACTED} b=${REDACTED} c=${REDACTED}`,
    );
    assert.equal(scrubSecrets('nothing here', ['absent-secret']), 'nothing here');
    assert.equal(scrubSecrets('x', []), 'x');
  });

  test('a registry ignores values too short to scrub safely, and unregister forgets', () => {
    const secrets = new SecretRegistry();
    assert.equal(secrets.register('short'), false);
    const { logger, text } = capture('trace', secrets);
    assert.equal(secrets.register('forget-me-later-123'), true);
    logger.info('one forget-me-later-123');
    secrets.unregister('forget-me-later-123');
    logger.info('two forget-me-later-123');
    assert.match(text(), /one REDACTED/);
    assert.match(text(), /two forget-me-later-123/);
  });

  test('sanitizeUrl redacts unknown query values, user info and fragments', () => {
    assert.equal(
      sanitizeUrl('postgres://tenantlink:db-password@db.internal:5432/tenantlink?sslmode=require'),
      'postgres://REDACTED@db.internal:5432/tenantlink?sslmode=REDACTED',
    );
    assert.equal(sanitizeUrl('https://app/cb#access_token=abc&state=1'), 'https://app/cb#REDACTED');
    assert.equal(sanitizeUrl('/v1.0/users?$top=5&flag'), '/v1.0/users?$top=5&flag');
    assert.equal(
      sanitizeUrl('https://app/%E0%A4%A/x?$top=1'),
      'https://app/%E0%A4%A/x?$top=1',
      'bad escapes do not throw',
    );
    // The Graph pipeline passes the route template it already knows in place of origin and path.
    assert.equal(
      sanitizeUrl('https://g/v1.0/users/a@b.c?$top=1&state=s', '/users/{id}'),
      '/users/{id}?$top=1&state=REDACTED',
    );
  });

  test('scrubCredentialPatterns leaves ordinary words alone', () => {
    const text = 'Basic authentication failed with status code 401 for key rotation';
    assert.equal(scrubCredentialPatterns(text), text);
    // An API key's listed prefix (tlk_ and 6 characters) is not the key.
    assert.equal(scrubCredentialPatterns('API key tlk_abcdef… revoked'), 'API key tlk_abcdef… revoked');
  });
});
