import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfidentialClientApplication,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
  PublicClientApplication,
} from '@azure/msal-node';
import { createRemoteJWKSet, customFetch, type JWTPayload, jwtVerify } from 'jose';
import { Agent, fetch } from 'undici';
import { type RunningSandbox, type SandboxOptions, startSandbox } from '../sandbox.js';

/** Graph and control-API JSON as tests read it; the assertions check its shape. */
// biome-ignore lint/suspicious/noExplicitAny: one alias instead of casts at every read of a JSON body.
export type Json = any;

/** One data folder for all test runs, so the CA and keys are made once. */
export const TEST_DATA_DIR = join(tmpdir(), 'tenantlink-sandbox-test');

export interface Harness {
  sandbox: RunningSandbox;
  dispatcher: Agent;
  tenantId: string;
  /** Calls the control API; throws with the body when the status is not the expected one. */
  control<T = Json>(method: string, path: string, body?: unknown, expectStatus?: number): Promise<T>;
  /** HTTPS fetch that trusts the sandbox CA. */
  fetch: (url: string, init?: Parameters<typeof fetch>[1]) => ReturnType<typeof fetch>;
  networkClient: INetworkModule;
  authority(tenant?: string): string;
  msalAuth(tenant?: string): Pick<Configuration['auth'], 'authority' | 'knownAuthorities'>;
  verify(token: string, audience: string, issuer: string): Promise<JWTPayload>;
  /** The usual steps, bound to this sandbox: see the functions of the same name below. */
  createApp(body: Record<string, unknown>, tenantId?: string): Promise<TestApp>;
  appToken(permissions: string[], tenantId?: string): Promise<{ token: string; app: TestApp }>;
  graph(token: string | null, path: string, init?: GraphInit): Promise<GraphAnswer>;
  publicClient(clientId: string, tenant?: string): PublicClientApplication;
  confidentialClient(clientId: string, credential: object, tenant?: string): ConfidentialClientApplication;
  close(): Promise<void>;
}

/** What `graph` may send besides the path. */
export interface GraphInit {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Graph's answer as tests read it. */
export interface GraphAnswer {
  status: number;
  headers: Headers;
  body: Json;
}

export async function startHarness(options: SandboxOptions = {}): Promise<Harness> {
  const sandbox = await startSandbox({
    port: 0,
    dataDir: TEST_DATA_DIR,
    stateFile: false,
    users: 20,
    ...options,
    identity: { deviceCodeIntervalSeconds: 1, ...options.identity },
  });
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
  const doFetch = (url: string, init: Parameters<typeof fetch>[1] = {}) => fetch(url, { ...init, dispatcher });

  const toResponse = async <T>(res: Awaited<ReturnType<typeof fetch>>): Promise<NetworkResponse<T>> => {
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      headers[k] = v;
    });
    const text = await res.text();
    return { headers, status: res.status, body: (text ? JSON.parse(text) : {}) as T };
  };
  const networkClient: INetworkModule = {
    async sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
      return toResponse<T>(await doFetch(url, { method: 'GET', headers: options?.headers }));
    },
    async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions) {
      return toResponse<T>(await doFetch(url, { method: 'POST', headers: options?.headers, body: options?.body }));
    },
  };

  const host = new URL(sandbox.authority).host;
  const jwks = createRemoteJWKSet(new URL(`${sandbox.authority}/common/discovery/v2.0/keys`), {
    [customFetch]: (url: string, init: RequestInit) => doFetch(url, init as never) as never,
  });

  const harness: Harness = {
    sandbox,
    dispatcher,
    tenantId: sandbox.tenants[0]!.id,
    async control(method, path, body, expectStatus) {
      const res = await doFetch(`${sandbox.control}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? JSON.parse(text) : undefined;
      const ok = expectStatus === undefined ? res.status < 300 : res.status === expectStatus;
      if (!ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
      return parsed;
    },
    fetch: doFetch,
    networkClient,
    authority: (tenant) => `${sandbox.authority}/${tenant ?? sandbox.tenants[0]!.id}`,
    msalAuth: (tenant) => ({ authority: harness.authority(tenant), knownAuthorities: [host] }),
    async verify(token, audience, issuer) {
      const { payload } = await jwtVerify(token, jwks, { audience, issuer, algorithms: ['RS256'] });
      return payload;
    },
    createApp: (body, tenantId) => createApp(harness, body, tenantId),
    appToken: (permissions, tenantId) => appToken(harness, permissions, tenantId),
    graph: (token, path, init) => graph(harness, token, path, init),
    publicClient: (clientId, tenant) => publicClient(harness, clientId, tenant),
    confidentialClient: (clientId, credential, tenant) => confidentialClient(harness, clientId, credential, tenant),
    async close() {
      await sandbox.close();
      await dispatcher.close();
    },
  };
  return harness;
}

export interface TestApp {
  appId: string;
  objectId: string;
  servicePrincipalId: string;
  secret?: { keyId: string; value: string; endDateTime: string };
}

/** Registers an application through the control API. */
export function createApp(h: Harness, body: Record<string, unknown>, tenantId = h.tenantId): Promise<TestApp> {
  return h.control('POST', `/tenants/${tenantId}/applications`, body, 201);
}

export function confidentialClient(h: Harness, clientId: string, credential: object, tenant?: string) {
  return new ConfidentialClientApplication({
    auth: { clientId, ...h.msalAuth(tenant), ...credential },
    system: { networkClient: h.networkClient },
  });
}

export function publicClient(h: Harness, clientId: string, tenant?: string) {
  return new PublicClientApplication({
    auth: { clientId, ...h.msalAuth(tenant) },
    system: { networkClient: h.networkClient },
  });
}

/** The identity platform error MSAL wraps: the AADSTS code, HTTP status and OAuth error. */
export interface AadError {
  errorCode: string;
  subError: string;
  errorNo: string;
  status: number | undefined;
  errorMessage: string;
}

/** Runs an MSAL call that must fail, returning the server's error as MSAL reports it. */
export async function expectAadError(promise: Promise<unknown>): Promise<AadError> {
  try {
    await promise;
  } catch (err) {
    const e = err as { errorCode: string; subError: string; errorNo: string; status?: number; errorMessage: string };
    return {
      errorCode: e.errorCode,
      subError: e.subError,
      errorNo: String(e.errorNo),
      status: e.status,
      errorMessage: e.errorMessage,
    };
  }
  throw new Error('expected the call to fail');
}

/** Registers an app with these application permissions (admin-consented) and returns an app-only token for it. */
export async function appToken(
  h: Harness,
  permissions: string[],
  tenantId = h.tenantId,
): Promise<{ token: string; app: TestApp }> {
  const app = await createApp(
    h,
    {
      displayName: `App ${permissions.join(' ')}`,
      requiredPermissions: { application: permissions },
      grantAdminConsent: true,
      secret: {},
    },
    tenantId,
  );
  const result = await confidentialClient(
    h,
    app.appId,
    { clientSecret: app.secret!.value },
    tenantId,
  ).acquireTokenByClientCredential({
    scopes: ['https://graph.microsoft.com/.default'],
  });
  return { token: result!.accessToken, app };
}

/** Calls Graph with a bearer token; returns status, headers and parsed JSON (or text). */
export async function graph(
  h: Harness,
  token: string | null,
  path: string,
  init: GraphInit = {},
): Promise<GraphAnswer> {
  const url = path.startsWith('https://') ? path : `${h.sandbox.graph}${path}`;
  const res = await h.fetch(url, {
    method: init.method ?? 'GET',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...init.headers,
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers as unknown as Headers, body };
}
