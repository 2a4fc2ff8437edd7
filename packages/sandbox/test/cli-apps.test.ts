import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/run.js';
import { type Harness, type Json, startHarness } from '../src/testing/index.js';

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Runs the CLI in-process, as the bin does, and keeps what it printed. */
async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (text) => out.push(text), err: (text) => err.push(text) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** A port nothing listens on: one the system just handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('tenantlink-sandbox apps create', () => {
  let h: Harness;
  let stateFile: string;
  before(async () => {
    stateFile = join(mkdtempSync(join(tmpdir(), 'sandbox-cli-apps-')), 'state.json');
    h = await startHarness({ stateFile, tenants: 2 });
  });
  after(() => h.close());

  test('--json: an app in the first tenant whose secret gets a token with the admin-consented permissions', async () => {
    const run = await cli([
      'apps',
      'create',
      '--name',
      'Directory Sync',
      '--state-file',
      stateFile,
      '--application-permissions',
      'User.Read.All,GroupMember.Read.All',
      '--admin-consent',
      '--json',
    ]);
    assert.equal(run.code, 0, run.err);
    const app = JSON.parse(run.out);
    assert.match(app.appId, GUID);
    assert.equal(app.tenantId, h.tenantId);
    assert.equal(app.authority, `${h.sandbox.authority}/${h.tenantId}`);
    assert.match(app.clientSecret, /^.{3}\dQ~/);

    const result = await h
      .confidentialClient(app.appId, {
        clientSecret: app.clientSecret,
      })
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    const claims = await h.verify(
      result!.accessToken,
      'https://graph.microsoft.com',
      `https://sts.windows.net/${h.tenantId}/`,
    );
    assert.equal(claims.appid, app.appId);
    assert.equal(claims.app_displayname, 'Directory Sync');
    assert.deepEqual(claims.roles, ['GroupMember.Read.All', 'User.Read.All']);
  });

  test('prints the IDs and the secret once, in the tenant named by domain, with the platform options', async () => {
    const second = h.sandbox.tenants[1]!;
    const run = await cli([
      'apps',
      'create',
      '--name',
      'Desk App',
      '--state-file',
      stateFile,
      '--tenant',
      second.defaultDomain.toUpperCase(),
      '--delegated-permissions',
      'User.Read, Mail.Read',
      '--public-client',
      '--redirect-uri',
      'http://localhost',
      '--redirect-uri',
      'http://localhost:8400/callback',
      '--multi-tenant',
    ]);
    assert.equal(run.code, 0, run.err);
    const appId = /app \(client\) ID +(\S+)/.exec(run.out)?.[1];
    const secret = /client secret +(\S+)/.exec(run.out)?.[1];
    assert.match(appId ?? '', GUID, run.out);
    assert.match(run.out, new RegExp(`tenant ID +${second.id}`));
    assert.match(run.out, new RegExp(`Registered "Desk App" in ${second.defaultDomain}`));
    assert.match(run.out, /shown only this once/);

    const registered: Json = await h.control('GET', `/tenants/${second.id}/applications/${appId}`);
    assert.equal(registered.homeTenantId, second.id);
    assert.equal(registered.signInAudience, 'AzureADMultipleOrgs');
    assert.equal(registered.allowPublicClient, true);
    assert.deepEqual(registered.redirectUris, {
      web: [],
      publicClient: ['http://localhost', 'http://localhost:8400/callback'],
      spa: [],
    });
    const scopes = registered.requiredResourceAccess.flatMap((r: Json) => r.resourceAccess);
    assert.deepEqual(
      scopes.map((a: Json) => a.type),
      ['Scope', 'Scope'],
    );
    assert.equal(registered.secrets.length, 1);
    assert.equal(secret?.slice(0, 3), registered.secrets[0].hint);
    // No --admin-consent: nothing is granted yet.
    const tenant: Json = await h.control('GET', `/tenants/${second.id}`);
    const sp = tenant.servicePrincipals.find((s: Json) => s.appId === appId);
    assert.deepEqual(sp.delegatedGrants, []);
  });

  test("a refusal ends with exit 1 and the control API's reason; nothing is printed on stdout", async () => {
    const unknownPermission = await cli([
      'apps',
      'create',
      '--name',
      'Bad',
      '--state-file',
      stateFile,
      '--application-permissions',
      'User.Read.Everything',
    ]);
    assert.equal(unknownPermission.code, 1);
    assert.equal(unknownPermission.out, '');
    assert.match(unknownPermission.err, /400 BadRequest/);
    assert.match(unknownPermission.err, /User\.Read\.Everything/);

    const unknownTenant = await cli([
      'apps',
      'create',
      '--name',
      'Bad',
      '--state-file',
      stateFile,
      '--tenant',
      'x.com',
    ]);
    assert.equal(unknownTenant.code, 1);
    assert.match(unknownTenant.err, /no tenant 'x\.com'/);
    assert.ok(unknownTenant.err.includes(h.tenantId), 'names the tenants there are');

    const badUri = await cli(['apps', 'create', '--name', 'Bad', '--state-file', stateFile, '--redirect-uri', 'cb']);
    assert.equal(badUri.code, 1);
    assert.match(badUri.err, /--redirect-uri.*expected an absolute URL/);
  });

  test('without a running sandbox it says how to start one', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'sandbox-cli-apps-'));
    const missing = await cli(['apps', 'create', '--name', 'X', '--state-file', join(folder, 'none.json')]);
    assert.equal(missing.code, 1);
    assert.match(missing.err, /No sandbox state file at .*none\.json \(ENOENT\).*tenantlink-sandbox start/);

    // A state file left behind by a sandbox that was killed: it names a port nothing listens on.
    const stale = join(folder, 'stale.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8'));
    writeFileSync(stale, JSON.stringify({ ...state, control: `https://localhost:${await closedPort()}/_sandbox` }));
    const unreachable = await cli(['apps', 'create', '--name', 'X', '--state-file', stale]);
    assert.equal(unreachable.code, 1);
    assert.match(unreachable.err, /Cannot reach the sandbox's control API .*ECONNREFUSED.*still running/);

    const notState = join(folder, 'other.json');
    writeFileSync(notState, '{"hello":"world"}');
    const wrongFile = await cli(['apps', 'create', '--name', 'X', '--state-file', notState]);
    assert.equal(wrongFile.code, 1);
    assert.match(wrongFile.err, /is not a sandbox state file/);
  });

  test('the installed command prints the JSON on stdout and exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CLI, 'apps', 'create', '--name', 'From Bin', '--state-file', stateFile, '--json'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 0, stderr);
    const app = JSON.parse(stdout);
    assert.equal(app.tenantId, h.tenantId);
    const registered: Json = await h.control('GET', `/tenants/${h.tenantId}/applications/${app.appId}`);
    assert.equal(registered.displayName, 'From Bin');
  });
});
