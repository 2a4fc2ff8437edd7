import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The person at the keyboard: the sandbox's own test browser walks its sign-in pages (it is not tenantlink code).
import { Browser, type Harness } from '@tenantlink/sandbox/testing';
import type { FastifyInstance } from 'fastify';
import { Agent, fetch } from 'undici';
import { loadKeyring } from '../../src/connections/keyring.js';
import { ConnectionService } from '../../src/connections/service.js';
import { Vault } from '../../src/connections/vault.js';
import { createApiKey } from '../../src/server/auth/api-keys.js';
import { buildServer, type ServerOptions } from '../../src/server/server.js';
import { apiKeysRepository } from '../../src/store/api-keys-repository.js';
import { capturingLogger } from './api-calls.js';
import type { AuthSandbox, Json } from './auth-sandbox.js';
import type { StoreTarget, TestStore } from './store-databases.js';

export const ADMIN_PASSWORD = 'a long admin password';
export const RETURN_URL = 'https://vendor.example.test/tenants/connected?from=tenantlink';

/** An HTTP answer from tenantlink, redirects not followed. */
export interface Answer {
  status: number;
  location: string | null;
  headers: Headers;
  text: string;
  json: Json;
}

/** A browser's view of tenantlink: keeps tenantlink's cookies (per path), never follows redirects. */
export class TenantlinkBrowser {
  readonly cookies = new Map<string, { value: string; path: string }>();

  get(url: string): Promise<Answer> {
    return this.#send(url, 'GET');
  }

  /** Submits a form as a browser would (urlencoded). */
  post(url: string, fields: Record<string, string>): Promise<Answer> {
    return this.#send(url, 'POST', new URLSearchParams(fields).toString());
  }

  /** Opens a connect link and presses "Continue with Microsoft": returns where the browser is sent. */
  async continueFrom(linkUrl: string): Promise<{ start: Answer; next: Answer }> {
    const start = await this.get(linkUrl);
    const form = startForm(start.text, linkUrl);
    if (!form) return { start, next: start };
    return { start, next: await this.post(form.action, form.fields) };
  }

  async #send(url: string, method: string, body?: string): Promise<Answer> {
    const path = new URL(url).pathname;
    const cookie = [...this.cookies]
      .filter(([, c]) => path.startsWith(c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
    const res = await fetch(url, {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
      },
      body,
    });
    for (const header of res.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((p) => p.trim());
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      const cookiePath = attributes.find((a) => a.toLowerCase().startsWith('path='))?.slice(5) ?? '/';
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) this.cookies.delete(name);
      else this.cookies.set(name, { value, path: cookiePath });
    }
    return answer(res);
  }
}

const unescapeHtml = (v: string) =>
  v
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The start page's "Continue with Microsoft" form: where it posts and its hidden fields. */
export function startForm(html: string, pageUrl: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) return null;
  const fields: Record<string, string> = {};
  for (const m of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return { action: new URL(unescapeHtml(form[1]!), pageUrl).toString(), fields };
}

async function answer(res: Awaited<ReturnType<typeof fetch>>): Promise<Answer> {
  const text = await res.text();
  let json: Json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, text, json };
}

export interface ConnectServer {
  store: TestStore;
  service: ConnectionService;
  vault: Vault;
  app: FastifyInstance;
  /** Where it listens (the public URL by default). */
  url: string;
  callbackUrl: string;
  apiKey: string;
  /** Every log line the server wrote. */
  logLines: string[];
  /** An API call with the API key (or the headers given). */
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
  /** A new browser for the sandbox's sign-in pages. */
  sandboxBrowser(): Browser;
  close(): Promise<void>;
}

/** tenantlink's real server over HTTP on a free port, against the sandbox, on this store target. */
export async function startConnectServer(
  s: AuthSandbox,
  target: StoreTarget,
  options: Partial<ServerOptions> = {},
): Promise<ConnectServer> {
  const store = await target.open();
  const { logger, lines: logLines } = capturingLogger();
  const vault = new Vault(await loadKeyring({ dataDir: mkdtempSync(join(tmpdir(), 'tl-connect-keys-')), env: {} }));
  const service = new ConnectionService({ store, vault, customClouds: [s.cloud], logger });
  const app = await buildServer({
    store,
    service,
    logger,
    adminPassword: ADMIN_PASSWORD,
    consoleDir: null,
    consentPropagationDelaysMs: [],
    ...options,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.addresses()[0] as { port: number };
  const url = options.publicUrl ?? `http://127.0.0.1:${address.port}`;
  const apiKey = (await createApiKey(apiKeysRepository(store), 'connect tests')).key;
  const listenUrl = `http://127.0.0.1:${address.port}`;
  const dispatcher = new Agent({ connect: { ca: s.sandbox.caCertPem } });
  return {
    store,
    service,
    vault,
    app,
    url,
    callbackUrl: `${url}/connect/microsoft/callback`,
    apiKey,
    logLines,
    async api(method, path, body, headers = { authorization: `Bearer ${apiKey}` }) {
      const res = await fetch(`${listenUrl}${path}`, {
        method,
        redirect: 'manual',
        headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return answer(res);
    },
    sandboxBrowser() {
      const harness = {
        sandbox: s.sandbox,
        fetch: (u: string, init: Parameters<typeof fetch>[1] = {}) => fetch(u, { ...init, dispatcher }),
      } as unknown as Harness;
      return new Browser(harness);
    },
    async close() {
      await app.close();
      await service.close();
      await store.close();
      await dispatcher.close();
    },
  };
}

/** The sandbox cloud as an integration or connection names it. */
export function sandboxCloudOf(s: AuthSandbox) {
  return { authorityHost: s.cloud.authorityHost, graphEndpoint: s.cloud.graphEndpoint };
}
