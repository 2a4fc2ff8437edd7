import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { asPage, completeSignIn, type Harness, Browser as SandboxBrowser } from '@tenantlink/sandbox/testing';
import { type Browser, chromium, type Page } from 'playwright-core';
import { Agent, fetch } from 'undici';
import { defaultConsoleDir } from '../src/server/console.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { jobsRepository } from '../src/store/jobs-repository.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { type AuthSandbox, type Json, refreshTokenByPassword, startAuthSandbox } from './helpers/auth-sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'console e2e password';
/** Screenshots of each screen, for people to look at; not committed (.gitignore). */
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-results', 'console');

describe('the console in Chromium, against the server and the sandbox', () => {
  let s: AuthSandbox;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let app: Json;
  let receiver: WebhookReceiver;
  let sandboxAgent: Agent;
  const problems: string[] = [];
  const shot = (name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  /** Chooses an action from a row's "More actions" menu. */
  const fromMenu = async (action: string, row = page.locator('main')) => {
    await row.getByRole('button', { name: 'More actions' }).first().click();
    await page.getByRole('menuitem', { name: action, exact: true }).click();
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`);
    assert.ok(existsSync(join(defaultConsoleDir(), 'index.html')), 'build the console first (npm run build)');
    mkdirSync(SHOTS, { recursive: true });
    receiver = await startWebhookReceiver();
    s = await startAuthSandbox();
    sandboxAgent = new Agent({ connect: { ca: s.sandbox.caCertPem } });
    app = await s.createApp({
      displayName: 'Console E2E App',
      requiredPermissions: { application: ['User.Read.All'] },
      grantAdminConsent: true,
      secret: {},
    });
    server = await startServer({
      dataDir: mkdtempSync(join(tmpdir(), 'tl-e2e-')),
      port: 0,
      demo: false,
      adminPassword: PASSWORD,
      customClouds: [s.cloud],
      // The webhook receiver listens on this machine.
      allowPrivateTargets: true,
      env: {},
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    // The sandbox's pages are served with its own CA, which this throwaway browser profile does not know.
    page = await browser.newPage({ viewport: { width: 1366, height: 768 }, ignoreHTTPSErrors: true });
    page.on('console', (m) => {
      // Only the console's own errors count; Microsoft's (the sandbox's) pages are not ours to judge.
      if (m.type() === 'error' && m.location().url.startsWith(server.url))
        problems.push(`console: ${m.text()} (${m.location().url})`);
    });
    page.on('pageerror', (e) => problems.push(`page: ${e.message}`));
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await s?.close();
    await receiver?.close();
    await sandboxAgent?.close();
  });

  test('sign in, add a connection that lacks a permission, Run test names it, grant it, Run test passes', async () => {
    await page.goto(server.url);
    await page.getByLabel('Password', { exact: true }).fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That is not the admin password.').waitFor();
    // The browser logs the refused sign-in's 401 as a console error; that one is expected.
    problems.splice(0);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await shot('01-sign-in');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Connected accounts' }).waitFor();
    await shot('02-connected-accounts-empty');

    await page.getByRole('button', { name: 'Add connection' }).click();
    await page.getByRole('heading', { name: 'Add connection' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('contoso');
    await page.getByLabel('Directory (tenant) ID').fill(s.tenantId);
    await page.getByLabel('Application (client) ID').fill(app.appId);
    // The Secret ID pasted by mistake is flagged while typing.
    await page.getByLabel('Client secret value').fill(app.secret.keyId);
    await page.getByText(/looks like a Secret ID/).waitFor();
    await page.getByLabel('Client secret value').fill(app.secret.value);
    await page.getByRole('checkbox', { name: /Directory: users and groups/ }).check();
    await page.getByText('GroupMember.Read.All').first().waitFor();
    await shot('03-add-connection-with-guide');
    await page.getByRole('button', { name: 'Save and test' }).click();

    const findings = page.getByRole('list', { name: 'Findings' });
    await findings.getByText('PERMISSION_MISSING').waitFor({ timeout: 15_000 });
    const text = (await findings.textContent()) ?? '';
    assert.match(text, /GroupMember\.Read\.All/);
    assert.match(text, /Grant admin consent/);
    await shot('04-run-test-permission-missing');

    await s.control('POST', `/tenants/${s.tenantId}/consent`, {
      appId: app.appId,
      application: ['GroupMember.Read.All'],
    });
    await page.getByRole('button', { name: 'Re-run test' }).click();
    await page.getByRole('button', { name: 'Re-run test' }).waitFor();
    const latest = page.locator('.test-summary').first();
    await latest.getByText('Passed').waitFor({ timeout: 15_000 });
    const passed = (await page.locator('main').textContent()) ?? '';
    assert.match(passed, /Nothing to fix\./);
    assert.match(passed, /Read one user/);
    await shot('05-run-test-passes');

    // A webhook added in the console; its secret is shown once.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add webhook' }).click();
    await page.getByLabel('Endpoint URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save webhook' }).click();
    const secretPanel = page.getByRole('region', { name: 'Signing secret' });
    await secretPanel.waitFor();
    const secret = ((await secretPanel.locator('code.secret').textContent()) ?? '').trim();
    assert.ok(secret.length >= 32, `the signing secret is shown: ${secret}`);
    await shot('05a-webhook-secret');
    await page.getByRole('button', { name: 'More actions' }).click();
    await page.getByRole('menuitem', { name: 'Send test' }).waitFor();
    await shot('05a-webhook-actions-menu');
    await page.getByRole('menuitem', { name: 'Send test' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /Test event delivered in \d+ ms\./ })
      .waitFor();
    const ping = receiver.received.find((d) => d.headers['tenantlink-event'] === 'ping');
    assert.ok(
      ping && verifyWebhookSignature(ping.rawBody, ping.headers['tenantlink-signature'], secret),
      'ping signed',
    );
    await page.getByRole('link', { name: 'Connected accounts' }).first().click();
    await page.getByRole('link', { name: 'contoso' }).click();

    // The directory sync, started from the connection's Directory tab, fills the counts and the recent changes,
    // which read as people and groups once their names are looked up.
    const tabs = page.getByRole('navigation', { name: 'Connection' });
    assert.deepEqual(await tabs.getByRole('link').allTextContents(), ['Overview', 'Directory', 'Tests', 'Settings']);
    await tabs.getByRole('link', { name: 'Directory' }).click();
    assert.match(new URL(page.url()).pathname, /^\/connections\/[^/]+\/directory$/);
    await page.getByRole('button', { name: 'Sync now' }).click();
    const recent = page.getByRole('table', { name: 'Recent changes' });
    await recent.waitFor({ timeout: 20_000 });
    // A person joins a new group in the tenant; the next sync reads only that, and says it with their names.
    const dana = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Dana Console' });
    await s.control('POST', `/tenants/${s.tenantId}/groups`, { displayName: 'Console Team', members: [dana.id] });
    await page.getByRole('button', { name: 'Sync now' }).click();
    await recent.getByRole('cell', { name: 'Dana Console → Console Team' }).waitFor({ timeout: 20_000 });
    const guid = /[0-9a-f]{8}-[0-9a-f]{4}|[0-9a-f]{8}…[0-9a-f]{4}/;
    for (let i = 0; i < 100 && guid.test((await recent.textContent()) ?? ''); i++) await page.waitForTimeout(100);
    const changesText = (await recent.textContent()) ?? '';
    assert.doesNotMatch(changesText, guid, 'members and groups are named, not shown by ID');
    assert.match(changesText, /Joined the group/);
    await shot('05b-directory-sync');
    // ... and its committed changes reach the webhook, signed with that secret.
    // Users, groups and memberships commit in separate batches, in no fixed order: wait for the users.
    const changes = () => receiver.accepted().filter((d) => d.headers['tenantlink-event'] === 'records.changed');
    const hasUsers = () => changes().some((d) => d.body.entries.some((e) => e.model === 'users'));
    for (let i = 0; i < 150 && !hasUsers(); i++) await new Promise((r) => setTimeout(r, 100));
    const deliveries = changes();
    assert.ok(deliveries.length > 0, 'a delivery arrived');
    assert.ok(hasUsers(), `a delivery carries users: ${deliveries.map((d) => d.body.entries.length).join(', ')}`);
    for (const delivery of deliveries) {
      assert.ok(
        verifyWebhookSignature(delivery.rawBody, delivery.headers['tenantlink-signature'], secret),
        `signature ${delivery.headers['tenantlink-signature']} with secret ${secret.slice(0, 6)}… (${secret.length})`,
      );
      assert.equal(delivery.body.type, 'records.changed');
    }

    // The secret rotated in the console: the new one is shown once, and the old one still signs beside it.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    // The row's menu works from the keyboard: Enter opens it on its first item, arrows move, Escape closes it.
    const menuButton = page.getByRole('button', { name: 'More actions' });
    await menuButton.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('menuitem', { name: 'Send test' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Send test');
    await page.keyboard.press('Escape');
    assert.equal(await page.getByRole('menu').count(), 0, 'Escape closes the menu');
    assert.equal(await menuButton.evaluate((b) => b === document.activeElement), true, 'focus is back on its button');
    await page.keyboard.press('Enter');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Rotate secret');
    await page.keyboard.press('Enter');
    await page.getByLabel('Old secret still signs for').selectOption({ label: '24 hours' });
    await page.getByRole('button', { name: 'Make new secret' }).click();
    const rotatedPanel = page.getByRole('region', { name: 'Signing secret' });
    await rotatedPanel.getByText(/signed with the old secret as well/).waitFor();
    const newSecret = ((await rotatedPanel.locator('code.secret').textContent()) ?? '').trim();
    assert.ok(newSecret.length >= 32 && newSecret !== secret, 'a new secret is shown');
    await page.getByText(/Old secret also signs until/).waitFor();
    await shot('05c-webhook-secret-rotated');
    const beforeReplay = receiver.accepted().length;
    await fromMenu('Replay');
    await page.locator('form.replay-form').getByRole('button', { name: 'Replay' }).click();
    for (let i = 0; i < 100 && receiver.accepted().length === beforeReplay; i++)
      await new Promise((r) => setTimeout(r, 100));
    const replayed = receiver.accepted().slice(beforeReplay);
    assert.ok(replayed.length > 0, 'the replay was delivered');
    for (const d of replayed)
      for (const key of [newSecret, secret])
        assert.ok(verifyWebhookSignature(d.rawBody, d.headers['tenantlink-signature'], key), 'both secrets verify');

    await page.getByRole('link', { name: 'Connected accounts' }).first().click();
    await page.getByRole('link', { name: 'contoso' }).waitFor();
    await shot('06-connected-accounts');
    assert.deepEqual(problems, [], 'no console errors');
  });

  test("multi-tenant admin consent: an integration added in the console, a customer's admin consents, a tenant is connected", async () => {
    const vendorApp = await s.createApp({
      displayName: 'Vendor Connector',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [`${server.url}/connect/microsoft/callback`] },
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'], delegated: ['openid', 'profile'] },
      secret: {},
    });
    const customer = await s.control('POST', '/tenants', { displayName: 'Fabrikam', users: 5 });

    await page.goto(`${server.url}/integrations`);
    await page.getByRole('heading', { name: 'Integrations', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add integration' }).click();
    await page.getByLabel('Name', { exact: true }).fill('acme');
    await page.getByLabel('Application (client) ID').fill(vendorApp.appId);
    await page.getByLabel('Client secret value').fill(vendorApp.secret.value);
    await page.getByRole('checkbox', { name: /Directory: users and groups/ }).check();
    await page.getByLabel('Return URL').fill(`${server.url}/`);
    await page.getByRole('button', { name: 'Save integration' }).click();
    await page.getByText(`${server.url}/connect/microsoft/callback`).first().waitFor();
    await shot('07-integrations');

    await page.getByRole('link', { name: 'Connect a tenant' }).click();
    // tenantlink's start page, then Microsoft's: sign in as the customer's admin and accept, until back at tenantlink.
    await page.getByRole('button', { name: 'Continue with Microsoft' }).click();
    for (let step = 0; step < 8 && !page.url().startsWith(`${server.url}/?`); step++) {
      await page.waitForLoadState();
      if (page.url().startsWith(server.url)) {
        await page.waitForURL((u) => !u.pathname.startsWith('/connect/'), { timeout: 15_000 });
        continue;
      }
      if (await page.locator('#i0116').isVisible()) {
        await page.locator('#i0116').fill(customer.admin.userPrincipalName);
        await page.locator('#i0118').fill(customer.admin.password);
        if (step === 0) await shot('08-microsoft-sign-in');
        await page.getByRole('button', { name: 'Sign in' }).click();
      } else if (await page.getByRole('button', { name: 'Accept' }).isVisible()) {
        await shot(`09-microsoft-consent-${step}`);
        await page.getByRole('button', { name: 'Accept' }).click();
      } else await page.waitForTimeout(200);
    }
    const back = new URL(page.url());
    assert.equal(back.searchParams.get('result'), 'ok', page.url());
    assert.equal(back.searchParams.get('tenant'), customer.id);
    const connection = (await server.service.list()).find((c) => c.tenant === customer.id);
    assert.ok(connection, 'a connection for the customer tenant');
    assert.equal(connection.authMode, 'multi-tenant');
    await page.getByRole('link', { name: connection.name }).waitFor();
    await shot('10-connected-tenant');

    // The vendor's secret is due to expire: a new one, saved on the integration, reaches the customer's connection.
    const fresh = await s.control('POST', `/tenants/${s.tenantId}/applications/${vendorApp.appId}/secrets`, {});
    await s.control(
      'DELETE',
      `/tenants/${s.tenantId}/applications/${vendorApp.appId}/secrets/${vendorApp.secret.keyId}`,
    );
    await page.goto(`${server.url}/integrations`);
    await fromMenu('Replace secret');
    await page.getByLabel('New client secret value').fill(fresh.value);
    await page.getByLabel('New secret expires on').fill('2027-05-31');
    await page.getByRole('button', { name: 'Save secret' }).click();
    const saved = page.getByRole('status').filter({ hasText: 'New client secret saved for acme' });
    await saved.waitFor();
    assert.match((await saved.textContent()) ?? '', new RegExp(`1 connection now uses it: ${connection.name}`));
    await page.getByText(/secret expires May 31, 2027/i).waitFor();
    assert.equal(
      String((await server.service.show(connection.id)).settings.secretExpiresAt).slice(0, 10),
      '2027-05-31',
      "the connection's tests warn ahead of the integration secret's expiry",
    );
    await shot('11-integration-secret-replaced');
    // The old secret is gone from Entra, so a token now proves the connection holds the new one.
    const token = await (await server.service.tokenProvider(connection.id)).getToken();
    assert.ok(token.token.length > 0);
    assert.deepEqual(problems, [], 'no console errors');
  });

  test('a delegated connection whose sessions were revoked signs in again from its page, by device code', async () => {
    const deskApp = await s.createApp({
      displayName: 'Console Delegated App',
      allowPublicClient: true,
      requiredPermissions: { delegated: ['User.Read', 'Calendars.Read', 'openid', 'profile', 'offline_access'] },
      grantAdminConsent: true,
    });
    const person = await s.control('POST', `/tenants/${s.tenantId}/users`, { displayName: 'Console Person' });
    const refreshToken = await refreshTokenByPassword(s, deskApp.appId, person, ['User.Read', 'Calendars.Read']);
    const connection = await server.service.add({
      name: 'desk-delegated',
      tenant: s.tenantId,
      clientId: deskApp.appId,
      cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
      features: ['calendar'],
      credential: { refreshToken },
    });
    await s.control('POST', `/tenants/${s.tenantId}/users/${person.id}/revokeSignInSessions`);

    await page.goto(`${server.url}/connections/${connection.id}`);
    await page.getByRole('button', { name: 'Run test' }).click();
    await page.getByRole('list', { name: 'Findings' }).getByText('REFRESH_TOKEN_REVOKED').waitFor({ timeout: 15_000 });
    // Signing in again is the credential's business: it is on the Settings tab.
    await page.getByRole('navigation', { name: 'Connection' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('button', { name: 'Sign in again' }).click();
    const code = ((await page.locator('code.user-code').textContent()) ?? '').trim();
    assert.match(code, /^\S{6,}$/);
    await shot('12-sign-in-again-code');

    // The person, on another device, enters the code on Microsoft's page and signs in.
    const sandboxBrowser = new SandboxBrowser({
      sandbox: s.sandbox,
      fetch: (u: string, init: Parameters<typeof fetch>[1] = {}) => fetch(u, { ...init, dispatcher: sandboxAgent }),
    } as unknown as Harness);
    const entry = asPage(await sandboxBrowser.open(`${s.sandbox.authority}/devicelogin`), 'device-code');
    const confirm = await sandboxBrowser.post(entry.form!.action, { otc: code });
    asPage(await completeSignIn(sandboxBrowser, confirm, { ...person, consent: 'accept' }), 'device-done');

    await page.locator('.device-code-status').getByText('Connected').waitFor({ timeout: 15_000 });
    await page.getByRole('navigation', { name: 'Connection' }).getByRole('link', { name: 'Overview' }).click();
    await page.locator('.test-summary').first().getByText('Passed').waitFor({ timeout: 15_000 });
    await shot('13-signed-in-again');
    assert.equal((await server.service.show(connection.id)).settings.signedInUser, person.userPrincipalName);
    assert.deepEqual(problems, [], 'no console errors');
  });

  test('API keys: a read key created on its page is shown once, listed with its scope, and revoked', async () => {
    const earlierProblems = problems.length;
    await page.goto(server.url);
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create API key' }).click();
    const form = page.getByRole('region', { name: 'Create API key' });
    await form.getByLabel('Name', { exact: true }).fill('dashboard');
    await form.getByRole('radio', { name: 'read', exact: true }).check();
    await form.getByRole('button', { name: 'Create API key' }).click();
    const panel = page.getByRole('region', { name: 'API key', exact: true });
    const key = ((await panel.locator('code.secret').textContent()) ?? '').trim();
    assert.match(key, /^tlk_\S{20,}$/);
    const row = page.getByRole('row', { name: /dashboard/ });
    await row.getByRole('cell', { name: 'read', exact: true }).waitFor();
    const call = (k: string) =>
      fetch(`${server.url}/api/v1/connections`, { headers: { authorization: `Bearer ${k}` } });
    assert.equal((await call(key)).status, 200, 'the key works');
    await shot('14-api-key-created');

    await panel.getByRole('button', { name: 'Close' }).click();
    assert.ok(!((await page.locator('main').textContent()) ?? '').includes(key), 'shown only once');
    await row.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'API key dashboard revoked.' }).waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await call(key)).status, 401, 'the revoked key is refused');
    assert.deepEqual(problems.slice(earlierProblems), [], 'no console errors');
  });

  test('Jobs: a sync that failed for good is listed with its last error; the other views list the rest', async () => {
    const earlierProblems = problems.length;
    const [connection] = await server.service.list();
    assert.ok(connection, 'the first test added a connection');
    const jobs = jobsRepository(server.store);
    const at = new Date().toISOString();
    await jobs.insertJob({
      id: 'job-dead-1',
      connectionId: connection.id,
      kind: 'sync.directory',
      payload: null,
      scheduledAt: at,
    });
    await jobs.recordStart({ runId: 'run-dead-1', jobId: 'job-dead-1', attempt: 5, scheduledAt: at, startedAt: at });
    await jobs.recordFinish({
      runId: 'run-dead-1',
      jobId: 'job-dead-1',
      runStatus: 'failed',
      jobStatus: 'failed',
      error: 'PERMISSION_MISSING: GroupMember.Read.All is not granted',
      finishedAt: at,
    });
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /sync\.directory/ });
    await row.getByRole('cell', { name: /PERMISSION_MISSING/ }).waitFor();
    assert.equal(await row.getByRole('cell', { name: 'failed', exact: true }).count(), 1);
    await shot('15-jobs-failed');
    await page.getByLabel('Show').selectOption({ label: 'Waiting or running' });
    await page.getByText('No job to show.').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Jobs', level: 1 }).waitFor();
    assert.deepEqual(problems.slice(earlierProblems), [], 'no console errors');
  });

  test('keyboard only: the sign-out button and the add form are reachable with Tab', async () => {
    await page.goto(`${server.url}/connections/new`);
    await page.getByRole('heading', { name: 'Add connection' }).waitFor();
    const reached = new Set<string>();
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      reached.add(
        await page.evaluate(
          () => document.activeElement?.getAttribute('id') || document.activeElement?.textContent?.trim() || '',
        ),
      );
    }
    assert.ok(
      [...reached].some((r) => /Sign out/.test(r)),
      [...reached].join(' | '),
    );
    assert.ok(
      [...reached].some((r) => /Save and test/.test(r)),
      [...reached].join(' | '),
    );
  });

  test("a connection's tabs are links: reached with the keyboard, and a reload stays on the tab", async () => {
    const earlierProblems = problems.length;
    const contoso = (await server.service.list()).find((c) => c.name === 'contoso');
    assert.ok(contoso, 'the first test added contoso');
    await page.goto(`${server.url}/connections/${contoso.id}`);
    const tabs = page.getByRole('navigation', { name: 'Connection' });
    await tabs.getByRole('link', { name: 'Overview' }).waitFor();
    assert.equal(await tabs.getByRole('link', { name: 'Overview' }).getAttribute('aria-current'), 'page');
    // From the page's heading, Tab reaches the tabs; Enter follows one.
    let onTests = false;
    for (let i = 0; i < 15 && !onTests; i++) {
      await page.keyboard.press('Tab');
      onTests = await page.evaluate(() => document.activeElement?.textContent === 'Tests');
    }
    assert.ok(onTests, 'the Tests tab is reachable with Tab');
    await page.keyboard.press('Enter');
    await page.waitForURL(`${server.url}/connections/${contoso.id}/tests`);
    await page.getByRole('heading', { name: 'Test history' }).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Tests', 'focus stays on the tab');

    await tabs.getByRole('link', { name: 'Directory' }).click();
    await page.getByRole('heading', { name: 'Directory sync' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Directory sync' }).waitFor();
    assert.equal(await tabs.getByRole('link', { name: 'Directory' }).getAttribute('aria-current'), 'page');
    assert.equal(await page.title(), 'Directory · contoso · tenantlink');

    // A tab the connection does not have says so, inside the connection's page.
    await page.goto(`${server.url}/connections/${contoso.id}/calendar`);
    await page.getByRole('heading', { name: 'No such tab' }).waitFor();
    assert.deepEqual(problems.slice(earlierProblems), [], 'no console errors');
  });

  test("an address with no page gets the console's own not-found page; API paths keep their JSON 404", async () => {
    const response = await page.goto(`${server.url}/no-such-page`);
    assert.equal(response?.status(), 404);
    assert.match(response?.headers()['content-type'] ?? '', /^text\/html/);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    assert.equal(await page.title(), 'Page not found · tenantlink');
    await shot('15-not-found');
    await page.getByRole('link', { name: 'Connected accounts' }).last().click();
    await page.getByRole('heading', { name: 'Connected accounts' }).waitFor();

    const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };
    for (const path of ['/api/v1/no-such-route', '/connect/no-such-page', '/metrics/nothing', '/healthz/x']) {
      const answer = await fetch(`${server.url}${path}`, { headers: html });
      assert.equal(answer.status, 404, path);
      assert.match(answer.headers.get('content-type') ?? '', /^application\/json/, path);
      assert.equal(((await answer.json()) as Json).error.code, 'NOT_FOUND', path);
    }
    const script = await fetch(`${server.url}/no-such-file.js`, { headers: { accept: '*/*' } });
    assert.equal(script.status, 404);
    assert.match(script.headers.get('content-type') ?? '', /^application\/json/, 'only pages get the console');
  });

  test('at 390 px wide (a phone) every screen fits the width', async () => {
    const contoso = (await server.service.list()).find((c) => c.name === 'contoso');
    assert.ok(contoso);
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, ignoreHTTPSErrors: true });
    try {
      await phone.goto(server.url);
      await phone.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await phone.getByRole('button', { name: 'Sign in' }).click();
      await phone.getByRole('heading', { name: 'Connected accounts' }).waitFor();
      const screens: [string, string, string][] = [
        ['/', 'Connected accounts', '16-phone-connected-accounts'],
        [`/connections/${contoso.id}`, 'contoso', '17-phone-connection-overview'],
        [`/connections/${contoso.id}/directory`, 'contoso', '18-phone-connection-directory'],
        ['/webhooks', 'Webhooks', '19-phone-webhooks'],
        ['/integrations', 'Integrations', '20-phone-integrations'],
      ];
      for (const [path, heading, name] of screens) {
        await phone.goto(`${server.url}${path}`);
        await phone
          .getByRole('heading', { name: heading, exact: true })
          .waitFor()
          .catch(async (error) => {
            await phone.screenshot({ path: join(SHOTS, `${name}-failed.png`), fullPage: true });
            throw error;
          });
        await phone.waitForLoadState('networkidle');
        const width = await phone.evaluate(() => document.documentElement.scrollWidth);
        await phone.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
        assert.ok(width <= 390, `${path} is ${width} px wide at 390`);
      }
    } finally {
      await phone.close();
    }
  });

  test('the API docs are branded and say how to authenticate; every tag of the document is described', async () => {
    // The docs need a session or a key too: the browser's console session reads them, as a signed-in admin would.
    const docs = await page.request.get(`${server.url}/api/docs/`);
    assert.equal(docs.status(), 200);
    assert.match(await docs.text(), /<title>tenantlink API<\/title>/);
    await page.goto(`${server.url}/api/docs`);
    await page
      .getByText(/tenantlink apikeys create/)
      .first()
      .waitFor();
    await shot('21-api-docs');
    const doc = (await (await page.request.get(`${server.url}/api/openapi.json`)).json()) as Json;
    assert.equal(doc.info.title, 'tenantlink API');
    assert.match(doc.info.description, /tenantlink apikeys create/);
    assert.match(doc.info.description, /Authorization: Bearer/);
    assert.match(doc.info.description, /console's session/);
    const described = new Map((doc.tags as Json[]).map((tag) => [tag.name, tag.description]));
    const used = new Set(
      Object.values(doc.paths as Record<string, Record<string, { tags?: string[] }>>).flatMap((ops) =>
        Object.values(ops).flatMap((op) => op.tags ?? []),
      ),
    );
    for (const tag of used) assert.ok(described.get(tag), `the tag ${tag} has a description`);
    assert.ok(
      Object.keys(doc.paths).every((path) => /^\/(api|connect|notifications|healthz|readyz|metrics)\b/.test(path)),
      `only API routes: ${Object.keys(doc.paths).join(', ')}`,
    );
  });

  test('first run: the link serve prints fills in the setup token; the password is chosen and the token leaves the address bar', async () => {
    const fresh = await startServer({
      dataDir: mkdtempSync(join(tmpdir(), 'tl-e2e-setup-')),
      port: 0,
      demo: false,
      env: {},
    });
    const context = await browser.newContext();
    const setupPage = await context.newPage();
    try {
      assert.ok(fresh.setupToken, 'a server without a password has a setup token');
      await setupPage.goto(`${fresh.url}/#setup-token=${fresh.setupToken}`);
      await setupPage.getByRole('heading', { name: 'Choose an admin password' }).waitFor();
      assert.equal(await setupPage.getByLabel('Setup token').inputValue(), fresh.setupToken);
      assert.equal(new URL(setupPage.url()).hash, '', 'the token is no longer in the address bar');
      await setupPage.getByLabel('Setup token').fill('a wrong token');
      await setupPage.getByLabel('Admin password').fill('a first-run password');
      await setupPage.getByLabel('Confirm password').fill('a first-run password');
      await setupPage.getByRole('button', { name: 'Set password and sign in' }).click();
      await setupPage.getByText('The setup token is missing or wrong.').waitFor();
      await setupPage.getByLabel('Setup token').fill(fresh.setupToken);
      await setupPage.screenshot({ path: join(SHOTS, '00-first-run-setup.png'), fullPage: true });
      await setupPage.getByRole('button', { name: 'Set password and sign in' }).click();
      await setupPage.getByRole('heading', { name: 'Connected accounts' }).waitFor();
    } finally {
      await context.close();
      await fresh.close();
    }
  });
});
