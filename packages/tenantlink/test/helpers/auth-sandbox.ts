import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PublicClientApplication } from '@azure/msal-node';
import { type RunningSandbox, startSandbox } from '@tenantlink/sandbox';
import { Agent, fetch } from 'undici';
import type { AuthCloud } from '../../src/auth/authority.js';
import { cloudEndpoints } from '../../src/auth/clouds.js';
import { type AuthorityExchange, isTokenRequest } from '../../src/auth/network-client.js';
import { sandboxControl } from './sandbox-control.js';

// biome-ignore lint/suspicious/noExplicitAny: control-API JSON, checked by the assertions that read it.
export type Json = any;

export interface AuthSandbox {
  sandbox: RunningSandbox;
  tenantId: string;
  /** The sandbox as a custom cloud; it issues Graph tokens for `https://graph.microsoft.com`, as Entra does. */
  cloud: AuthCloud;
  control(method: string, path: string, body?: unknown): Promise<Json>;
  /** Registers an app with admin-consented application permissions and a secret. */
  createApp(body: Record<string, unknown>): Promise<Json>;
  close(): Promise<void>;
}

export async function startAuthSandbox(): Promise<AuthSandbox> {
  const sandbox = await startSandbox({
    port: 0,
    dataDir: join(tmpdir(), 'tenantlink-sandbox-test'),
    stateFile: false,
    users: 50,
    identity: { deviceCodeIntervalSeconds: 1 },
  });
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
  const tenantId = sandbox.tenants[0]!.id;
  const control = sandboxControl(sandbox, dispatcher);
  return {
    sandbox,
    tenantId,
    cloud: {
      ...cloudEndpoints({ authorityHost: sandbox.authority, graphEndpoint: sandbox.graph }, sandbox.caCertPem),
      name: 'sandbox',
      graphResource: 'https://graph.microsoft.com',
    },
    control,
    createApp: (body) => control('POST', `/tenants/${tenantId}/applications`, body),
    async close() {
      await sandbox.close();
      await dispatcher.close();
    },
  };
}

/** Counts requests to the token endpoint, as seen on the wire by the provider's own network client. */
export function tokenRequestCounter() {
  const exchanges: AuthorityExchange[] = [];
  return {
    onExchange: (e: AuthorityExchange) => {
      exchanges.push(e);
    },
    get tokenRequests() {
      return exchanges.filter(isTokenRequest).length;
    },
    get all() {
      return exchanges.length;
    },
  };
}

/** Signs a sandbox user in with ROPC (a test shortcut to a first refresh token) and returns that refresh token. */
export async function refreshTokenByPassword(
  s: AuthSandbox,
  clientId: string,
  user: { userPrincipalName: string; password: string },
  scopes = ['User.Read'],
): Promise<string> {
  const host = new URL(s.sandbox.authority).host;
  const dispatcher = new Agent({ connect: { ca: s.sandbox.caCertPem } });
  const call = async (method: string, url: string, o: { headers?: Record<string, string>; body?: string } = {}) => {
    const r = await fetch(url, { method, headers: o.headers, body: o.body, dispatcher });
    const h: Record<string, string> = {};
    r.headers.forEach((v, k) => {
      h[k] = v;
    });
    return { status: r.status, headers: h, body: (await r.json()) as never };
  };
  const pca = new PublicClientApplication({
    auth: { clientId, authority: `${s.sandbox.authority}/${s.tenantId}`, knownAuthorities: [host] },
    system: {
      networkClient: {
        sendGetRequestAsync: (u, o) => call('GET', u, o ?? {}),
        sendPostRequestAsync: (u, o) => call('POST', u, o ?? {}),
      },
    },
  });
  await pca.acquireTokenByUsernamePassword({ scopes, username: user.userPrincipalName, password: user.password });
  const cache = JSON.parse(pca.getTokenCache().serialize()) as { RefreshToken: Record<string, { secret: string }> };
  await dispatcher.close();
  return Object.values(cache.RefreshToken)[0]!.secret;
}
