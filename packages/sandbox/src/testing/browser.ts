import type { Harness } from './harness.js';

/** What the browser drives: the sandbox's origin and a fetch that trusts its CA. A `Harness` is one. */
export interface BrowserTarget {
  sandbox: Pick<Harness['sandbox'], 'authority'>;
  fetch: Harness['fetch'];
}

/** A page of the authority as a person's browser would see it, with its form read out. */
export interface Page {
  status: number;
  url: string;
  html: string;
  step: string | null;
  errorCode: number | null;
  form: { action: string; fields: Record<string, string> } | null;
}

function decodeEntities(value: string): string {
  return value
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function readPage(status: number, url: string, html: string): Page {
  const step = /data-step="([^"]+)"/.exec(html)?.[1] ?? null;
  const code = /data-error-code="(\d+)"/.exec(html)?.[1];
  const formMatch = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/i.exec(html);
  let form: Page['form'] = null;
  if (formMatch) {
    const fields: Record<string, string> = {};
    for (const m of formMatch[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      fields[decodeEntities(m[1]!)] = decodeEntities(m[2]!);
    }
    form = { action: new URL(decodeEntities(formMatch[1]!), url).toString(), fields };
  }
  return { status, url, html, step, errorCode: code ? Number(code) : null, form };
}

/**
 * A minimal browser for the sandbox's sign-in pages: keeps cookies, follows redirects inside the sandbox, and
 * stops at the first redirect that leaves it (the client's redirect URI), returning that URL.
 */
export class Browser {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly h: BrowserTarget) {}

  private async request(url: string, init: { method: string; body?: string }): Promise<Page | { redirect: string }> {
    let current = url;
    let method = init.method;
    let body = init.body;
    for (let hops = 0; hops < 10; hops++) {
      const res = await this.h.fetch(current, {
        method,
        redirect: 'manual',
        headers: {
          ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        },
        body,
      });
      for (const header of res.headers.getSetCookie()) {
        const [pair] = header.split(';');
        const eq = pair!.indexOf('=');
        const name = pair!.slice(0, eq);
        const value = pair!.slice(eq + 1);
        if (value === '' || /expires=Thu, 01 Jan 1970/i.test(header)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.text();
        const next = new URL(location, current);
        if (next.origin !== this.h.sandbox.authority) return { redirect: next.toString() };
        current = next.toString();
        method = 'GET';
        body = undefined;
        continue;
      }
      return readPage(res.status, current, await res.text());
    }
    throw new Error('too many redirects');
  }

  async open(url: string): Promise<Page | { redirect: string }> {
    return this.request(url, { method: 'GET' });
  }

  /** Submits the page's form with its hidden fields plus the given ones. */
  async submit(page: Page, fields: Record<string, string> = {}): Promise<Page | { redirect: string }> {
    if (!page.form) throw new Error(`page '${page.step}' has no form`);
    const body = new URLSearchParams({ ...page.form.fields, ...fields }).toString();
    return this.request(page.form.action, { method: 'POST', body });
  }

  async post(url: string, fields: Record<string, string>): Promise<Page | { redirect: string }> {
    return this.request(url, { method: 'POST', body: new URLSearchParams(fields).toString() });
  }
}

export function asPage(result: Page | { redirect: string }, step?: string): Page {
  if ('redirect' in result)
    throw new Error(`expected a page${step ? ` (${step})` : ''}, got a redirect to ${result.redirect}`);
  if (step && result.step !== step) {
    throw new Error(
      `expected step '${step}', got '${result.step}' (error ${result.errorCode}): ${result.html.slice(0, 600)}`,
    );
  }
  return result;
}

export function asRedirect(result: Page | { redirect: string }): URL {
  if (!('redirect' in result)) {
    throw new Error(`expected a redirect to the client, got page '${result.step}' (error ${result.errorCode})`);
  }
  return new URL(result.redirect);
}

export interface SignInOptions {
  userPrincipalName: string;
  password: string;
  /** What to do on the consent page if one is shown. */
  consent?: 'accept' | 'accept-for-organization' | 'cancel';
  approveMfa?: boolean;
}

/**
 * Walks a flow from a page: sign in, approve MFA if asked, answer consent if asked. Returns where it ends: a
 * redirect to the client, or the page it stopped on (an error, device-done, admin approval...).
 */
export async function completeSignIn(
  browser: Browser,
  start: Page | { redirect: string },
  options: SignInOptions,
): Promise<Page | { redirect: string }> {
  let result = start;
  for (let steps = 0; steps < 6; steps++) {
    if ('redirect' in result) return result;
    switch (result.step) {
      case 'signin':
        result = await browser.submit(result, { login: options.userPrincipalName, passwd: options.password });
        if (!('redirect' in result) && result.step === 'signin') return result;
        break;
      case 'mfa':
        result = await browser.submit(result, { decision: options.approveMfa === false ? 'deny' : 'approve' });
        break;
      case 'consent':
        if (!options.consent) return result;
        result = await browser.submit(result, {
          decision: options.consent === 'cancel' ? 'cancel' : 'accept',
          ...(options.consent === 'accept-for-organization' ? { consentForOrganization: 'true' } : {}),
        });
        break;
      case 'device-confirm':
        result = await browser.submit(result, { decision: 'continue' });
        break;
      default:
        return result;
    }
  }
  return result;
}
