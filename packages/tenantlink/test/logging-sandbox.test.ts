import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningSandbox, startSandbox } from '@tenantlink/sandbox';
import { Agent, fetch, Headers } from 'undici';
import { TenantlinkError } from '../src/errors.js';
import { createLogger, SecretRegistry } from '../src/logging/index.js';

// biome-ignore lint/suspicious/noExplicitAny: parsed log lines, checked by the assertions that read them.
type Json = any;

// Real token requests against the sandbox's identity platform, logged the way a careless caller would log them:
// whole request and response objects, the raw token response, and an error carrying the secret in its text.

let sandbox: RunningSandbox;
let dispatcher: Agent;

before(async () => {
  sandbox = await startSandbox({
    port: 0,
    dataDir: join(tmpdir(), 'tenantlink-sandbox-test'),
    stateFile: false,
    users: 50,
  });
  dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
});
after(async () => {
  await sandbox?.close();
  await dispatcher?.close();
});

async function createAppWithSecret(tenantId: string): Promise<{ appId: string; secret: string }> {
  const res = await fetch(`${sandbox.control}/tenants/${tenantId}/applications`, {
    method: 'POST',
    dispatcher,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      displayName: `logging-test-${randomUUID().slice(0, 8)}`,
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    }),
  });
  const body = (await res.json()) as { appId: string; secret: { value: string } };
  assert.equal(res.status, 201, JSON.stringify(body));
  return { appId: body.appId, secret: body.secret.value };
}

test('logging real token requests and their failures leaks no secret or token', async () => {
  const tenantId = sandbox.tenants[0]!.id;
  const { appId, secret } = await createAppWithSecret(tenantId);
  const lines: string[] = [];
  const secrets = new SecretRegistry();
  const logger = createLogger({ level: 'debug', destination: { write: (line: string) => lines.push(line) }, secrets });
  const tokenUrl = `${sandbox.authority}/${tenantId}/oauth2/v2.0/token`;

  const requestToken = async (clientSecret: string) => {
    const headers = new Headers({
      'content-type': 'application/x-www-form-urlencoded',
      'client-request-id': randomUUID(),
      authorization: `Basic ${Buffer.from(`${appId}:${clientSecret}`).toString('base64')}`,
    });
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: appId,
      client_secret: clientSecret,
      scope: 'https://graph.microsoft.com/.default',
    }).toString();
    const started = Date.now();
    const response = await fetch(tokenUrl, { method: 'POST', headers, body, dispatcher });
    const json = (await response.json()) as Record<string, string>;
    // Everything at once, including the form body and the token response, as a careless caller might.
    logger.debug(
      {
        req: { method: 'POST', url: `${tokenUrl}?client_secret=${encodeURIComponent(clientSecret)}`, headers, body },
        res: { status: response.status, headers: response.headers, body: json },
        durationMs: Date.now() - started,
        tokenResponse: json,
      },
      `token response ${JSON.stringify(json)} for form ${body}`,
    );
    return { response, json };
  };

  const ok = await requestToken(secret);
  assert.equal(ok.response.status, 200);
  const accessToken = ok.json['access_token']!;
  assert.ok(accessToken.length > 100);

  const wrongSecret = `${secret.slice(0, -4)}Zz9~`;
  const failed = await requestToken(wrongSecret);
  assert.equal(failed.response.status, 401);
  const requestId = failed.response.headers.get('x-ms-request-id')!;
  assert.ok(requestId);

  // An error whose text quotes the secret it was given: the registry catches what the field rules cannot.
  // The logger's own registry: nothing registered here reaches other tests' loggers.
  secrets.register(wrongSecret);
  logger.error(
    new TenantlinkError(
      'AUTH_INVALID_CLIENT',
      `Secret ${wrongSecret} was rejected: ${failed.json['error_description']}`,
      {
        status: 401,
        requestId,
        microsoftCode: 'AADSTS7000215',
      },
    ),
  );

  const output = lines.join('');
  for (const leaked of [secret, wrongSecret, encodeURIComponent(secret), accessToken, accessToken.split('.')[1]!]) {
    assert.ok(!output.includes(leaked), `log output leaked a secret or token:\n${output}`);
  }
  assert.ok(!output.includes(Buffer.from(`${appId}:${secret}`).toString('base64')), 'Basic credentials leaked');

  // What one needs to debug is still there.
  const [success, failure, error] = lines.map((line) => JSON.parse(line)) as Json[];
  assert.equal(success!.res.status, 200);
  assert.equal(success!.req.headers.authorization, 'REDACTED');
  assert.equal(success!.tokenResponse.token_type, 'Bearer');
  assert.equal(success!.tokenResponse.access_token, 'REDACTED');
  assert.ok(
    typeof success!.tokenResponse.expires_in === 'number' || typeof success!.tokenResponse.expires_in === 'string',
  );
  assert.equal(failure!.res.status, 401);
  assert.equal(failure!.res.headers['x-ms-request-id'], requestId);
  assert.ok(failure!.res.headers['client-request-id']);
  assert.match(success!.req.url, /\/\{id\}\/oauth2\/v2\.0\/token\?client_secret=REDACTED$/, 'the path as its template');
  assert.equal(error!.err.requestId, requestId);
  assert.equal(error!.err.status, 401);
  assert.match(error!.err.message, /AADSTS7000215/);
});
