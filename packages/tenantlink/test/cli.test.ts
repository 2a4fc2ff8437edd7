import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningSandbox, startSandbox } from '@tenantlink/sandbox';
import { Agent } from 'undici';
import { type CliRun, startCliProcess } from './helpers/cli-process.js';
import { type Control, type Json, sandboxControl } from './helpers/sandbox-control.js';

type Run = CliRun;

describe('the tenantlink CLI against the sandbox', () => {
  let sandbox: RunningSandbox;
  let dispatcher: Agent;
  let work: string;
  let stateFile: string;
  let tenantId: string;
  let app: Json;
  let cert: Json;
  /** Everything every command printed or logged, scanned for secrets at the end. */
  const transcript: string[] = [];
  /** Access tokens seen: fetched by the test itself, so the scan can look for tokens of the same apps. */
  const secrets: string[] = [];

  let control: Control;

  /** Runs `tenantlink <args>` as its own process with the sandbox and a trace-level log on stderr. */
  const cli = async (args: string[], stdin?: string): Promise<Run> => {
    const run = await startCliProcess(['--sandbox', stateFile, '--log-level', 'trace', ...args], {
      work,
      ...(stdin === undefined ? {} : { stdin }),
    }).done;
    transcript.push(run.stdout, run.stderr);
    return run;
  };

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tenantlink-cli-'));
    stateFile = join(work, 'sandbox-state.json');
    sandbox = await startSandbox({ port: 0, dataDir: join(work, 'sandbox'), stateFile, users: 20 });
    dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
    control = sandboxControl(sandbox, dispatcher);
    tenantId = sandbox.tenants[0]!.id;
    app = await control('POST', `/tenants/${tenantId}/applications`, {
      displayName: 'CLI App',
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    const certApp = await control('POST', `/tenants/${tenantId}/applications`, {
      displayName: 'CLI Certificate App',
      requiredPermissions: { application: ['Group.Read.All'] },
      grantAdminConsent: true,
    });
    cert = await control('POST', `/tenants/${tenantId}/applications/${certApp.appId}/certificates`, {
      generate: true,
    });
    cert.appId = certApp.appId;
    writeFileSync(join(work, 'cert.pem'), `${cert.privateKeyPem}\n${cert.certificatePem}`, { mode: 0o600 });
    writeFileSync(join(work, 'secret.txt'), `${app.secret.value}\n`, { mode: 0o600 });
    secrets.push(app.secret.value);
  });
  after(async () => {
    await dispatcher.close();
    await sandbox.close();
  });

  test('connections add reads the secret from stdin and prints no secret', async () => {
    const run = await cli(
      ['connections', 'add', '--name', 'acme', '--tenant', tenantId, '--client-id', app.appId, '--client-secret-stdin'],
      `${app.secret.value}\n`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Added connection 'acme'/);
    assert.match(run.stdout, /tenantlink token acme/);
  });

  test('connections add with one PEM file holding key and certificate prints the thumbprint', async () => {
    const run = await cli([
      '--json',
      'connections',
      'add',
      '--name',
      'acme-cert',
      '--tenant',
      tenantId,
      '--client-id',
      cert.appId,
      '--certificate',
      join(work, 'cert.pem'),
      '--features',
      'directory,scan',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const { connection } = JSON.parse(run.stdout);
    assert.equal(connection.authMode, 'certificate');
    assert.equal(connection.certificateThumbprint, String(cert.thumbprint).toUpperCase());
    assert.deepEqual(connection.features, ['directory', 'scan']);
  });

  test('token prints what the token grants, never the token', async () => {
    const run = await cli(['--json', 'token', 'acme']);
    assert.equal(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout);
    assert.equal(out.kind, 'app-only');
    assert.equal(out.tenantId, tenantId);
    assert.deepEqual(out.permissions, ['User.Read.All']);
    assert.doesNotMatch(run.stdout, /eyJ/);
    const human = await cli(['token', 'acme-cert', '--force-refresh']);
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /Permissions: Group\.Read\.All/);
  });

  test('list and show describe connections and their secrets without any value', async () => {
    const list = await cli(['--json', 'connections', 'list']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(
      JSON.parse(list.stdout).connections.map((c: Json) => c.name),
      ['acme', 'acme-cert'],
    );
    const show = await cli(['connections', 'show', 'acme']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /Secrets: +client_secret \(key [\w-]+\), token_cache/);
  });

  test('doctor names each missing permission with its fix; exit 1 on errors, 0 when clean, 2 on misuse', async () => {
    const json = await cli(['--json', 'doctor', 'acme', '--features', 'directory']);
    assert.equal(json.code, 1, json.stderr);
    const report = JSON.parse(json.stdout);
    assert.equal(report.ok, false);
    assert.deepEqual(Object.keys(report.findings[0]).sort(), ['code', 'feature', 'fix', 'message', 'severity']);
    assert.deepEqual(
      report.findings.map((f: Json) => [f.code, f.severity, f.feature]),
      [['PERMISSION_MISSING', 'error', 'directory']],
    );
    assert.match(report.findings[0].fix, /GroupMember\.Read\.All/);
    const human = await cli(['doctor', 'acme', '--features', 'directory']);
    assert.equal(human.code, 1, human.stderr);
    assert.match(human.stdout, /^1 error found\.$/m, 'one error, in the singular');

    const directoryApp = await control('POST', `/tenants/${tenantId}/applications`, {
      displayName: 'CLI Directory App',
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    secrets.push(directoryApp.secret.value);
    const clean = await cli(
      [
        'doctor',
        '--tenant',
        tenantId,
        '--client-id',
        directoryApp.appId,
        '--client-secret-stdin',
        '--features',
        'directory',
      ],
      `${directoryApp.secret.value}\n`,
    );
    assert.equal(clean.code, 0, clean.stdout + clean.stderr);
    assert.match(clean.stdout, /✔ The app gets a token from the tenant/);
    assert.match(clean.stdout, /No errors found\./);
    const noFeatures = await cli(['doctor', 'acme']);
    assert.equal(noFeatures.code, 2);
    assert.match(noFeatures.stderr, /Name the features to check with --features/);

    const byHand = await cli(
      ['doctor', '--tenant', tenantId, '--client-id', app.appId, '--client-secret-stdin', '--features', 'directory'],
      `${app.secret.keyId}\n`,
    );
    assert.equal(byHand.code, 1);
    assert.match(byHand.stdout, /✘ SECRET_IS_SECRET_ID: The client secret is a GUID/);
    assert.match(byHand.stdout, /Fix: In Certificates & secrets, the secret is the Value column/);

    const misuse = await cli(['doctor']);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /Give a connection, or --tenant and --client-id/);
  });

  test("doctor uses a stored connection's settings; set-credential replaces the secret and its recorded expiry", async () => {
    const filesApp = await control('POST', `/tenants/${tenantId}/applications`, {
      displayName: 'CLI Files App',
      requiredPermissions: { application: ['Files.ReadWrite.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    secrets.push(filesApp.secret.value);
    const account = await control('POST', `/tenants/${tenantId}/users`, {
      displayName: 'CLI Service Account',
      oneDriveProvisioned: true,
    });
    const soon = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
    const addArgs = ['connections', 'add', '--name', 'files-co', '--tenant', tenantId, '--client-id', filesApp.appId];
    const badDate = await cli([...addArgs, '--client-secret-stdin', '--secret-expires', 'soon'], filesApp.secret.value);
    assert.equal(badDate.code, 2, badDate.stderr);
    assert.match(badDate.stderr, /settings\.secretExpiresAt must be a date/);
    const added = await cli(
      [
        ...addArgs,
        '--client-secret-stdin',
        '--features',
        'files',
        '--service-account',
        account.userPrincipalName,
        '--secret-expires',
        soon,
      ],
      filesApp.secret.value,
    );
    assert.equal(added.code, 0, added.stderr);
    const shown = await cli(['connections', 'show', 'files-co']);
    assert.match(shown.stdout, new RegExp(`Secret ends: ${soon}`));
    assert.match(shown.stdout, /Service acc: cli\.service\.account@/i);

    const first = await cli(['--json', 'doctor', 'files-co']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const report = JSON.parse(first.stdout);
    assert.deepEqual(
      report.findings.map((f: Json) => `${f.code}:${f.severity}`),
      ['SECRET_EXPIRES_SOON:warning'],
    );
    assert.ok(
      report.checks.some(
        (c: Json) => c.name === 'Create a test file and sharing links, then delete it' && c.status === 'pass',
      ),
    );

    const fresh = await control('POST', `/tenants/${tenantId}/applications/${filesApp.appId}/secrets`, {});
    secrets.push(fresh.value);
    const replaced = await cli(['connections', 'set-credential', 'files-co', '--client-secret-stdin'], fresh.value);
    assert.equal(replaced.code, 0, replaced.stderr);
    assert.match(replaced.stdout, /Replaced the credential of 'files-co'/);
    const again = await cli(['--json', 'doctor', 'files-co']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(JSON.parse(again.stdout).findings, [], 'the old secret’s expiry went with it');
  });

  test('bad input is named, with exit code 2; failures exit 1 with a diagnosis', async () => {
    const noCredential = await cli([
      'connections',
      'add',
      '--name',
      'x',
      '--tenant',
      tenantId,
      '--client-id',
      app.appId,
    ]);
    assert.equal(noCredential.code, 2);
    assert.match(noCredential.stderr, /exactly one credential/);

    const secretOnCommandLine = await cli([
      'connections',
      'add',
      '--name',
      'x',
      '--tenant',
      tenantId,
      '--client-id',
      app.appId,
      '--client-secret',
      'oops',
    ]);
    assert.equal(secretOnCommandLine.code, 2);
    assert.match(secretOnCommandLine.stderr, /unknown option '--client-secret'/);

    const invalid = await cli(
      ['--json', 'connections', 'add', '--name', 'x', '--tenant', 'not a tenant', '--client-id', 'abc'],
      'a'.repeat(40),
    );
    assert.equal(invalid.code, 2, invalid.stdout);
    assert.match(invalid.stdout, /"USAGE"|exactly one credential/);

    const invalidValues = await cli(
      [
        '--json',
        'connections',
        'add',
        '--name',
        'x',
        '--tenant',
        'not a tenant',
        '--client-id',
        'abc',
        '--client-secret-stdin',
      ],
      'a'.repeat(40),
    );
    assert.equal(invalidValues.code, 2);
    const error = JSON.parse(invalidValues.stdout).error;
    assert.equal(error.code, 'INVALID_INPUT');
    assert.match(error.message, /tenant must be the Directory \(tenant\) ID/);
    assert.match(error.message, /client ID must be the Application \(client\) ID/);

    const secretId = await cli(
      ['connections', 'add', '--name', 'sid', '--tenant', tenantId, '--client-id', app.appId, '--client-secret-stdin'],
      `${app.secret.keyId}\n`,
    );
    assert.equal(secretId.code, 2);
    assert.match(secretId.stderr, /that is the Secret ID/);
    assert.match(secretId.stderr, /Copy the Value column/);

    const unknown = await cli(['token', 'nobody']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /No connection is named or has the id 'nobody'/);
    assert.match(unknown.stderr, /How to fix it: List them/);

    const wrongSecret = await cli(
      [
        'connections',
        'add',
        '--name',
        'wrong',
        '--tenant',
        tenantId,
        '--client-id',
        app.appId,
        '--client-secret-stdin',
      ],
      `${'W'.repeat(20)}~${'w'.repeat(19)}\n`,
    );
    assert.equal(wrongSecret.code, 0, wrongSecret.stderr);
    const failed = await cli(['token', 'wrong']);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /Microsoft says: AADSTS7000215/);
    assert.match(failed.stderr, /How to fix it:/);
    assert.match(failed.stderr, /Request ID/);
    assert.ok(!failed.stderr.includes('w'.repeat(19)), 'the wrong secret is not echoed');
    secrets.push(`${'W'.repeat(20)}~${'w'.repeat(19)}`);
  });

  test('vault rotate re-encrypts every secret; tokens still work afterwards', async () => {
    const rotate = await cli(['--json', 'vault', 'rotate']);
    assert.equal(rotate.code, 0, rotate.stderr);
    const report = JSON.parse(rotate.stdout);
    assert.notEqual(report.primaryKeyId, report.previousPrimaryKeyId);
    assert.equal(report.failed.length, 0);
    assert.ok(report.reencrypted >= 4, `re-encrypted ${report.reencrypted}`);
    const token = await cli(['token', 'acme', '--force-refresh']);
    assert.equal(token.code, 0, token.stderr);
  });

  test('remove deletes a connection; showing it afterwards fails with exit 1', async () => {
    const removed = await cli(['connections', 'remove', 'wrong']);
    assert.equal(removed.code, 0, removed.stderr);
    const show = await cli(['--json', 'connections', 'show', 'wrong']);
    assert.equal(show.code, 1);
    assert.equal(JSON.parse(show.stdout).error.code, 'CONNECTION_NOT_FOUND');
  });

  test('no secret, key or token appears in anything printed or logged, nor in plaintext in the data folder', async () => {
    const everything = transcript.join('\n');
    assert.ok(everything.length > 1000, 'the commands logged at trace level');
    assert.match(everything, /"level":/, 'structured log lines were captured');
    const privateKeyBody = String(cert.privateKeyPem).split('\n')[1]!;
    for (const secret of [...secrets, privateKeyBody]) {
      assert.ok(!everything.includes(secret), `a secret leaked into the output: ${secret.slice(0, 4)}…`);
    }
    assert.doesNotMatch(everything, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/, 'no JWT in the output');
    const dataDir = join(work, 'data');
    for (const file of readdirSync(dataDir)) {
      if (file === 'master-key.json') continue;
      const bytes = readFileSync(join(dataDir, file)).toString('latin1');
      for (const secret of [...secrets, privateKeyBody]) assert.ok(!bytes.includes(secret), `plaintext in ${file}`);
      assert.doesNotMatch(bytes, /eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/, `a token in plaintext in ${file}`);
    }
  });
});
