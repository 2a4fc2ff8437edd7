import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { fetch } from 'undici';
import { createApiKey } from '../src/server/auth/api-keys.js';
import { type RunningServer, startServer } from '../src/server/start.js';
import { apiKeysRepository } from '../src/store/api-keys-repository.js';
import { verifyWebhookSignature } from '../src/webhooks/signature.js';
import { type AuthSandbox, type Json, startAuthSandbox } from './helpers/auth-sandbox.js';
import { startWebhookReceiver, type WebhookReceiver } from './helpers/webhook-receiver.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots of each page the admin sees, and the walks' figures, for people to look at; not committed. */
const SHOTS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-results', 'connect');
/** The vendor's logo: served by the browser's own route, so nothing leaves this machine. */
const LOGO_URL = 'https://vendor.example.test/logo.svg';
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="40"><rect width="160" height="40" rx="6" fill="#0f5ea8"/><text x="80" y="26" font-family="sans-serif" font-size="16" fill="#fff" text-anchor="middle">Acme Analytics</text></svg>';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The vendor's product: where the browser comes back; records each arrival's query. */
interface VendorApp {
  url: string;
  arrivals: URL[];
  close(): Promise<void>;
}

async function startVendorApp(): Promise<VendorApp> {
  const arrivals: URL[] = [];
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    arrivals.push(url);
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    const result = url.searchParams.get('result');
    response.end(
      `<!doctype html><title>Acme Analytics</title><h1 data-result="${result}">Acme Analytics: ${result === 'failed' ? `not connected (${url.searchParams.get('error')})` : 'connected'}</h1>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What one walk took, as the admin lived it. */
interface Walk {
  name: string;
  /** Documents shown before the vendor's page (redirects are not pages). */
  pages: string[];
  /** Buttons pressed (typing the credentials and pressing Enter is not counted). */
  clicks: number;
  /** From opening the link to the vendor's page, in milliseconds: Chromium and the automation, without screenshots. */
  ms: number;
  /** Time spent waiting for the servers: every document request and redirect hop, start to end of response. */
  serverMs: number;
  /** Document requests, redirect hops included. */
  requests: number;
  final: URL;
}

describe('the connect experience in Chromium: a customer admin connects their tenant through a one-time link', () => {
  let s: AuthSandbox;
  let server: RunningServer;
  let vendor: VendorApp;
  let receiver: WebhookReceiver;
  let browser: Browser;
  let apiKey: string;
  let webhookSecret: string;
  let vendorAppReg: Json;
  const walks: Walk[] = [];

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, text, json: text ? JSON.parse(text) : undefined };
  };
  const newCustomer = (displayName: string, users = 3) => s.control('POST', '/tenants', { displayName, users });
  const newLink = async (state: string) => {
    const made = await api('POST', '/api/v1/connect-sessions', { integration: 'acme', state });
    assert.equal(made.status, 201, made.text);
    return made.json as { id: string; url: string };
  };
  const sessionOf = async (id: string) => (await api('GET', `/api/v1/connect-sessions/${id}`)).json;

  /** A fresh browser profile (no Microsoft session) that never lets a request leave this machine. */
  async function newProfile(): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: true });
    await context.route('**/*', (route) => {
      const url = new URL(route.request().url());
      if (url.origin === new URL(LOGO_URL).origin && url.pathname === '/logo.svg')
        return route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO_SVG });
      if (!LOOPBACK_HOSTS.has(url.hostname)) return route.abort('blockedbyclient');
      return route.continue();
    });
    return { context, page: await context.newPage() };
  }

  /**
   * Opens a link and acts on each page as told until the vendor's page: counts the documents shown and the buttons
   * pressed, screenshots each page as `<walk>-<n>-<what>.png`.
   */
  async function walk(
    name: string,
    page: Page,
    url: string,
    act: (what: string, page: Page) => Promise<'clicked' | 'typed'>,
  ): Promise<Walk> {
    const pages: string[] = [];
    let clicks = 0;
    let shotsMs = 0;
    const documents: { ms: number }[] = [];
    const onFinished = (request: import('playwright-core').Request) => {
      if (request.resourceType() !== 'document') return;
      documents.push({ ms: Math.max(0, request.timing().responseEnd) });
    };
    page.on('requestfinished', onFinished);
    // A redirect hop is a request of its own that never "finishes": time it from its redirected successor.
    const onRequest = (request: import('playwright-core').Request) => {
      const hop = request.redirectedFrom();
      if (hop && request.resourceType() === 'document') documents.push({ ms: Math.max(0, hop.timing().responseEnd) });
    };
    page.on('request', onRequest);
    const started = performance.now();
    await page.goto(url);
    for (let n = 0; n < 10 && !page.url().startsWith(vendor.url); n++) {
      const what = await describePage(page);
      pages.push(what);
      const shooting = performance.now();
      await page.screenshot({ path: join(SHOTS, `${name}-${pages.length}-${what}.png`), fullPage: true });
      shotsMs += performance.now() - shooting;
      const navigated = page.waitForEvent('framenavigated', { timeout: 15_000 });
      if ((await act(what, page)) === 'clicked') clicks++;
      await navigated;
      await page.waitForLoadState();
    }
    const ms = Math.round(performance.now() - started - shotsMs);
    page.off('requestfinished', onFinished);
    page.off('request', onRequest);
    assert.ok(page.url().startsWith(vendor.url), `${name}: ended at ${page.url()} after ${pages.join(', ')}`);
    await page.screenshot({ path: join(SHOTS, `${name}-${pages.length + 1}-vendor.png`), fullPage: true });
    const done: Walk = {
      name,
      pages,
      clicks,
      ms,
      serverMs: Math.round(documents.reduce((sum, d) => sum + d.ms, 0)),
      requests: documents.length,
      final: new URL(page.url()),
    };
    walks.push(done);
    return done;
  }

  /** Which page this is: tenantlink's (start, or the code it shows) or the sandbox's step. */
  async function describePage(page: Page): Promise<string> {
    const main = page.locator('main').first();
    const start = await main.getAttribute('data-page');
    if (start) return start;
    const code = await main.getAttribute('data-error-code');
    if (code && page.url().startsWith(server.url)) return `tenantlink-${code}`;
    return (await main.getAttribute('data-step')) ?? 'unknown';
  }

  /** The usual answers: Continue on the start page, sign in as `who`, then the given decision on Microsoft's pages. */
  const as =
    (who: { userPrincipalName: string; password: string }, decision: 'accept' | 'cancel' = 'accept') =>
    async (what: string, page: Page): Promise<'clicked' | 'typed'> => {
      if (what === 'start') {
        await page.getByRole('button', { name: 'Continue with Microsoft' }).click();
        return 'clicked';
      }
      if (what === 'signin') {
        await page.locator('#i0116').fill(who.userPrincipalName);
        await page.locator('#i0118').fill(who.password);
        await page.locator('#i0118').press('Enter');
        return 'typed';
      }
      if (what === 'consent') {
        await page.getByRole('button', { name: decision === 'accept' ? 'Accept' : 'Cancel' }).click();
        return 'clicked';
      }
      if (what === 'admin-approval') {
        await page.getByRole('button', { name: /Return to the application/ }).click();
        return 'clicked';
      }
      throw new Error(`no answer for page ${what} at ${page.url()}`);
    };

  /** The lifecycle events delivered so far (signature checked), of a type, for a session. */
  const eventsFor = (type: string, sessionId: string) =>
    receiver
      .accepted()
      .filter((d) => d.headers['tenantlink-event'] === type)
      .map((d) => {
        const signature = String(d.headers['tenantlink-signature']);
        assert.ok(verifyWebhookSignature(d.rawBody, signature, webhookSecret), 'signed with the endpoint secret');
        return d.body as unknown as Json;
      })
      .filter((body) => body.session?.id === sessionId);
  async function eventFor(type: string, sessionId: string): Promise<Json> {
    for (let i = 0; i < 100; i++) {
      const [event] = eventsFor(type, sessionId);
      if (event) return event;
      await sleep(100);
    }
    assert.fail(`no ${type} event for session ${sessionId}`);
  }

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is needed at ${CHROMIUM} (apt-get install chromium)`);
    mkdirSync(SHOTS, { recursive: true });
    s = await startAuthSandbox();
    vendor = await startVendorApp();
    receiver = await startWebhookReceiver();
    server = await startServer({
      dataDir: mkdtempSync(join(tmpdir(), 'tl-connect-e2e-')),
      port: 0,
      demo: false,
      adminPassword: 'connect e2e password',
      customClouds: [s.cloud],
      // The webhook receiver listens on this machine.
      allowPrivateTargets: true,
      env: {},
    });
    apiKey = (await createApiKey(apiKeysRepository(server.store), 'vendor backend')).key;
    // The vendor's app, registered as the setup guide says.
    vendorAppReg = await s.createApp({
      displayName: 'Acme Analytics Connector',
      signInAudience: 'AzureADMultipleOrgs',
      redirectUris: { web: [`${server.url}/connect/microsoft/callback`] },
      requiredPermissions: { application: ['User.Read.All', 'GroupMember.Read.All'], delegated: ['openid', 'profile'] },
      secret: {},
    });
    const added = await api('POST', '/api/v1/integrations', {
      name: 'acme',
      displayName: 'Acme Analytics',
      logoUrl: LOGO_URL,
      clientId: vendorAppReg.appId,
      clientSecret: vendorAppReg.secret.value,
      authMode: 'multi-tenant',
      features: ['directory'],
      returnUrl: `${vendor.url}/tenants/connected`,
      cloud: { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint },
    });
    assert.equal(added.status, 201, added.text);
    const hook = await api('POST', '/api/v1/webhooks', { url: receiver.url });
    assert.equal(hook.status, 201, hook.text);
    webhookSecret = hook.json.secret;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
    });
  });
  after(async () => {
    if (walks.length > 0)
      writeFileSync(
        join(SHOTS, 'walks.json'),
        `${JSON.stringify(
          walks.map(({ final, ...w }) => ({ ...w, pageCount: w.pages.length, result: final.search })),
          null,
          2,
        )}\n`,
      );
    await browser?.close();
    await server?.close();
    await receiver?.close();
    await vendor?.close();
    await s?.close();
  });

  test('first connect: 3 pages and 2 clicks; a link fetched by a scanner first still works; Back after success says connected', async () => {
    const contoso = await newCustomer('Contoso');
    const link = await newLink('acme-customer-42');
    // A mail scanner follows the link before the admin does: it sees the start page and uses nothing up.
    const scanned = await fetch(link.url);
    assert.equal(scanned.status, 200);
    assert.match(await scanned.text(), /Continue with Microsoft/);
    assert.equal((await sessionOf(link.id)).status, 'pending');

    const { context, page } = await newProfile();
    const first = await walk('first-connect', page, link.url, async (what, p) => {
      if (what === 'start') {
        // What the admin reads before Microsoft: who asks (by its own name and logo), what and why, which role.
        const text = await p.locator('main').innerText();
        assert.match(text, /Connect your Microsoft 365 organisation to Acme Analytics/);
        assert.match(text, /User\.Read\.All/);
        assert.match(text, /Global Administrator or Privileged Role Administrator/);
        const logo = p.locator('img.logo');
        assert.equal(await logo.getAttribute('src'), LOGO_URL);
        assert.ok(await logo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'logo shown');
      }
      if (what === 'consent') {
        // One consent page: the organisation's, with no "on behalf of your organization" box to tick.
        const text = await p.locator('main').innerText();
        assert.match(text, /Acme Analytics Connector/);
        assert.equal(await p.getByRole('checkbox').count(), 0, 'no organisation checkbox on admin consent');
      }
      return as(contoso.admin)(what, p);
    });
    assert.deepEqual(first.pages, ['start', 'signin', 'consent']);
    assert.equal(first.clicks, 2);
    const result = first.final.searchParams;
    assert.equal(result.get('result'), 'ok', first.final.search);
    assert.equal(result.get('state'), 'acme-customer-42');
    assert.equal(result.get('tenant'), contoso.id);
    const connectionId = result.get('connection')!;
    assert.ok(connectionId);

    // The vendor's server hears the same without the browser: the session and the signed webhook.
    const session = await sessionOf(link.id);
    assert.equal(session.status, 'connected');
    assert.equal(session.state, 'acme-customer-42');
    assert.equal(session.connection, connectionId);
    assert.equal(session.tenant, contoso.id);
    const created = await eventFor('connection.created', link.id);
    assert.equal(created.type, 'connection.created');
    assert.equal(created.connection.id, connectionId);
    assert.equal(created.connection.tenantId, contoso.id);
    assert.equal(created.connection.integration, 'acme');
    assert.equal(created.session.state, 'acme-customer-42');
    assert.equal(created.test.result, 'ok');

    // Back: Microsoft's consent page again; accepting it again says the tenant is connected, with the way back.
    await page.goBack();
    const backTo = await describePage(page);
    if (backTo === 'consent') {
      await page.screenshot({ path: join(SHOTS, 'back-after-success-1-consent.png'), fullPage: true });
      await page.getByRole('button', { name: 'Accept' }).click();
      await page.waitForLoadState();
    }
    assert.equal(
      await describePage(page),
      'tenantlink-connected',
      `${backTo} ${page.url()} ${await page.locator('body').innerText()}`,
    );
    await page.screenshot({ path: join(SHOTS, 'back-after-success-2-connected.png'), fullPage: true });
    assert.match(await page.locator('main').innerText(), /already connected to Acme Analytics/);
    await page.getByRole('link', { name: 'Return to Acme Analytics' }).click();
    await page.waitForURL((u) => u.href.startsWith(vendor.url));
    assert.equal(new URL(page.url()).searchParams.get('connection'), connectionId, 'the result is sent again');
    // The link itself, opened again, says the same; nothing was connected twice and no second event went out.
    await page.goto(link.url);
    assert.equal(await describePage(page), 'tenantlink-connected');
    assert.equal((await server.service.list()).filter((c) => c.tenant === contoso.id).length, 1);
    await sleep(300);
    assert.equal(eventsFor('connection.created', link.id).length, 1);
    await context.close();
  });

  test('reconnect: the same admin connects the same tenant again, and its connection is repaired, not doubled', async () => {
    const fabrikam = await newCustomer('Fabrikam');
    const { context, page } = await newProfile();
    const first = await walk('reconnect-first', page, (await newLink('fabrikam-1')).url, as(fabrikam.admin));
    assert.equal(first.final.searchParams.get('result'), 'ok');
    const link = await newLink('fabrikam-2');
    // Still signed in at Microsoft: no sign-in page this time.
    const again = await walk('reconnect', page, link.url, as(fabrikam.admin));
    assert.equal(again.final.searchParams.get('result'), 'ok');
    assert.equal(again.final.searchParams.get('connection'), first.final.searchParams.get('connection'));
    assert.ok(!again.pages.includes('signin'), again.pages.join(', '));
    assert.equal((await server.service.list()).filter((c) => c.tenant === fabrikam.id).length, 1);
    assert.equal(
      (await eventFor('connection.created', link.id)).connection.id,
      again.final.searchParams.get('connection'),
    );
    await context.close();
  });

  test('declining on the start page or on the consent page: the vendor hears which, and nothing is left behind', async () => {
    const northwind = await newCustomer('Northwind');
    const grants = async () =>
      (await s.control('GET', `/tenants/${northwind.id}`)).servicePrincipals.find(
        (p: Json) => p.appId === vendorAppReg.appId,
      )?.delegatedGrants ?? [];

    const { context, page } = await newProfile();
    const atStart = await newLink('northwind-start');
    const cancelled = await walk('decline-start', page, atStart.url, async (what, p) => {
      assert.equal(what, 'start');
      await p.getByRole('button', { name: 'Cancel and return to Acme Analytics' }).click();
      return 'clicked';
    });
    assert.deepEqual(cancelled.pages, ['start']);
    assert.equal(cancelled.final.searchParams.get('result'), 'failed');
    assert.equal(cancelled.final.searchParams.get('error'), 'cancelled');
    assert.equal((await sessionOf(atStart.id)).error.code, 'cancelled');
    assert.equal((await eventFor('connect.failed', atStart.id)).error.code, 'cancelled');

    const atConsent = await newLink('northwind-consent');
    const declined = await walk('decline-consent', page, atConsent.url, as(northwind.admin, 'cancel'));
    assert.deepEqual(declined.pages, ['start', 'signin', 'consent']);
    assert.equal(declined.final.searchParams.get('result'), 'failed');
    assert.equal(declined.final.searchParams.get('error'), 'consent_declined');
    assert.equal(declined.final.searchParams.get('state'), 'northwind-consent');
    const session = await sessionOf(atConsent.id);
    assert.deepEqual([session.status, session.error.code, session.connection], ['failed', 'consent_declined', null]);
    assert.equal((await eventFor('connect.failed', atConsent.id)).error.code, 'consent_declined');
    assert.deepEqual(await grants(), [], 'declining leaves no grant in the customer tenant');
    assert.equal((await server.service.list()).filter((c) => c.tenant === northwind.id).length, 0);
    await context.close();
  });

  test('a user who is not an administrator is told to find one; the vendor hears admin_required', async () => {
    const litware = await newCustomer('Litware', 3);
    const who = await s.control('POST', `/tenants/${litware.id}/users`, { displayName: 'Litware Member' });
    const { context, page } = await newProfile();
    const link = await newLink('litware');
    const walked = await walk('non-admin', page, link.url, as(who));
    assert.deepEqual(walked.pages, ['start', 'signin', 'admin-approval']);
    assert.equal(walked.final.searchParams.get('result'), 'failed');
    assert.equal(walked.final.searchParams.get('error'), 'admin_required');
    assert.equal((await sessionOf(link.id)).error.code, 'admin_required');
    assert.equal((await eventFor('connect.failed', link.id)).error.code, 'admin_required');
    await context.close();
  });

  test('the walks, as figures', () => {
    const lines = walks.map(
      (w) =>
        `${w.name}: ${w.pages.length} pages (${w.pages.join(' → ')}), ${w.clicks} clicks, ${w.requests} document requests, ${w.serverMs} ms waiting for servers, ${w.ms} ms in all`,
    );
    for (const line of lines) console.log(`# walk ${line}`);
    assert.ok(walks.length >= 6);
  });
});
