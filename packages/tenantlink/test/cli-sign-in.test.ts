import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type RunningSandbox, startSandbox } from '@tenantlink/sandbox';
import { asPage, Browser, completeSignIn, type Harness } from '@tenantlink/sandbox/testing';
import { Agent, fetch } from 'undici';
import { type CliRun, startCliProcess } from './helpers/cli-process.js';
import { type Control, type Json, sandboxControl } from './helpers/sandbox-control.js';

describe('tenantlink connections sign-in: a delegated connection from a terminal, by device code', () => {
  let sandbox: RunningSandbox;
  let dispatcher: Agent;
  let control: Control;
  let work: string;
  let stateFile: string;
  let tenantId: string;
  let app: Json;
  let person: Json;

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'tl-cli-sign-in-'));
    stateFile = join(work, 'sandbox-state.json');
    sandbox = await startSandbox({
      port: 0,
      dataDir: join(work, 'sandbox'),
      stateFile,
      users: 5,
      identity: { deviceCodeIntervalSeconds: 1 },
    });
    dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
    control = sandboxControl(sandbox, dispatcher);
    tenantId = sandbox.tenants[0]!.id;
    app = await control('POST', `/tenants/${tenantId}/applications`, {
      displayName: 'Headless Calendar Reader',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    person = await control('POST', `/tenants/${tenantId}/users`, { displayName: 'Desk Person' });
  });
  after(async () => {
    await sandbox.close();
    await dispatcher.close();
  });

  /** Starts `tenantlink <args>`; `prompt` resolves with what it printed on stderr once Microsoft's prompt is there. */
  function start(args: string[]): { prompt: Promise<string>; done: Promise<CliRun> } {
    const cli = startCliProcess(['--sandbox', stateFile, ...args], { work });
    const prompt = new Promise<string>((resolve) =>
      cli.onStderr((stderr) => {
        if (/enter the code/i.test(stderr)) resolve(stderr);
      }),
    );
    return { prompt, done: cli.done };
  }

  const run = (args: string[]) => start(args).done;

  /** The person, on another device: opens the page the prompt names, enters its code and signs in. */
  async function enterCode(message: string) {
    const uri = /https:\/\/\S+\/devicelogin/.exec(message)?.[0];
    const code = /enter the code (\S+)/i.exec(message)?.[1];
    assert.ok(uri && code, `a page and a code in: ${message}`);
    const harness = {
      sandbox,
      fetch: (u: string, init: Parameters<typeof fetch>[1] = {}) => fetch(u, { ...init, dispatcher }),
    } as unknown as Harness;
    const browser = new Browser(harness);
    const entry = asPage(await browser.open(uri), 'device-code');
    const confirm = await browser.post(entry.form!.action, { otc: code });
    const end = await completeSignIn(browser, confirm, { ...person, consent: 'accept' });
    assert.equal(asPage(end).step, 'device-done');
  }

  test('a new connection: the prompt on stderr, the sign-in elsewhere, then a stored, tested connection', async () => {
    const signIn = start([
      ...['connections', 'sign-in', '--name', 'desk', '--tenant', tenantId],
      ...['--client-id', app.appId, '--features', 'calendar'],
    ]);
    await enterCode(await signIn.prompt);
    const done = await signIn.done;
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, new RegExp(`Signed in as ${person.userPrincipalName}; connection 'desk' added\\.`));
    assert.match(done.stdout, /Its test passed\./);

    const shown = JSON.parse((await run(['--json', 'connections', 'show', 'desk'])).stdout).connection;
    assert.equal(shown.authMode, 'delegated');
    assert.equal(shown.tenant, tenantId);
    assert.equal(shown.settings.signedInUser, person.userPrincipalName);
    assert.deepEqual(
      shown.secrets.map((x: Json) => x.kind),
      ['refresh_token'],
    );
  });

  test('signing in again repairs a connection whose refresh token was revoked', async () => {
    await control('POST', `/tenants/${tenantId}/users/${person.id}/revokeSignInSessions`);
    const broken = await run(['--json', 'doctor', 'desk']);
    assert.equal(broken.code, 1, broken.stdout);
    const finding = JSON.parse(broken.stdout).findings.find((f: Json) => f.code === 'REFRESH_TOKEN_REVOKED');
    assert.ok(finding, broken.stdout);
    assert.match(finding.fix, /tenantlink connections sign-in <connection>/);

    const again = start(['--json', 'connections', 'sign-in', 'desk']);
    await enterCode(await again.prompt);
    const done = await again.done;
    assert.equal(done.code, 0, done.stderr);
    const answer = JSON.parse(done.stdout);
    assert.equal(answer.connection.name, 'desk');
    assert.equal(answer.test.ok, true, JSON.stringify(answer.test.findings));
    assert.equal((await run(['doctor', 'desk'])).code, 0);
  });

  test('misuse is a usage error (exit 2), before anything is asked of Microsoft', async () => {
    for (const args of [
      ['connections', 'sign-in'],
      ['connections', 'sign-in', '--name', 'x', '--tenant', tenantId],
      ['connections', 'sign-in', 'desk', '--tenant', tenantId],
    ]) {
      const refused = await run(args);
      assert.equal(refused.code, 2, `${args.join(' ')}: ${refused.stderr}`);
      assert.doesNotMatch(refused.stderr, /enter the code/i);
    }
  });
});
