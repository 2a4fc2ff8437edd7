import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, fetch } from 'undici';

/** One HTTP exchange with the identity platform, as a network observer sees it (never bodies or headers). */
export interface AuthorityExchange {
  method: 'GET' | 'POST';
  /** The URL without its query string. */
  url: string;
  /** Absent when the request never got an answer (refused connection, TLS failure, ...). */
  status?: number;
  /** Milliseconds from sending to the answer (or the failure). */
  durationMs: number;
}

/** The last failures seen on the wire, so an error MSAL wraps generically can still be diagnosed precisely. */
export interface AuthorityWireFailures {
  /** A connection or TLS failure (the error undici raised, with its `cause`). */
  transport?: unknown;
  /** A discovery (GET) answered with an error: MSAL hides it behind `endpoints_resolution_error`. */
  discovery?: { url: string; status: number; body: unknown };
}

export interface AuthorityNetworkClient {
  client: INetworkModule;
  /** What went wrong most recently; cleared by `resetFailures()` before each token request. */
  failures: AuthorityWireFailures;
  resetFailures(): void;
}

/**
 * An MSAL network client over undici. It exists for two reasons: to trust a cloud's own CA in-process (the sandbox,
 * a private cloud) without NODE_EXTRA_CA_CERTS, and to let callers observe token requests (metrics, tests).
 */
export function authorityNetworkClient(options: {
  caCertPem?: string;
  onExchange?: (exchange: AuthorityExchange) => void;
}): AuthorityNetworkClient {
  const dispatcher = options.caCertPem ? new Agent({ connect: { ca: options.caCertPem } }) : undefined;
  const state: AuthorityNetworkClient = {
    client: undefined as unknown as INetworkModule,
    failures: {},
    resetFailures() {
      state.failures = {};
    },
  };

  async function send<T>(
    method: 'GET' | 'POST',
    url: string,
    init?: NetworkRequestOptions,
  ): Promise<NetworkResponse<T>> {
    const started = performance.now();
    const bareUrl = url.split('?')[0] ?? url;
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(url, {
        method,
        headers: init?.headers,
        body: init?.body,
        ...(dispatcher ? { dispatcher } : {}),
      });
    } catch (err) {
      state.failures.transport = err;
      options.onExchange?.({ method, url: bareUrl, durationMs: performance.now() - started });
      throw err;
    }
    const headers: Record<string, string> = {};
    res.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const text = await res.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = {};
    }
    options.onExchange?.({ method, url: bareUrl, status: res.status, durationMs: performance.now() - started });
    if (method === 'GET' && res.status >= 400) state.failures.discovery = { url: bareUrl, status: res.status, body };
    return { headers, status: res.status, body: body as T };
  }

  state.client = {
    sendGetRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>('GET', url, init),
    sendPostRequestAsync: <T>(url: string, init?: NetworkRequestOptions) => send<T>('POST', url, init),
  };
  return state;
}

/** True for the token endpoint (`/{tenant}/oauth2/v2.0/token`): what "a token request" means when counting. */
export function isTokenRequest(exchange: AuthorityExchange): boolean {
  return exchange.method === 'POST' && /\/oauth2\/v2\.0\/token$/.test(exchange.url);
}
