import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '@tenantlink/sandbox';
import { Agent, fetch } from 'undici';
import { GraphClient, type GraphClientOptions } from '../../src/graph/client.js';
import { sandboxControl } from './sandbox-control.js';

// biome-ignore lint/suspicious/noExplicitAny: control-API JSON as tests read it.
export type Json = any;

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

export interface GraphSandbox {
  sandbox: Sandbox;
  dispatcher: Agent;
  tenantId: string;
  control<T = Json>(method: string, path: string, body?: unknown): Promise<T>;
  /** Registers an app with these admin-consented application permissions; returns its ID and a token getter. */
  app(
    permissions: string[],
  ): Promise<{ appId: string; getToken: (options?: { forceRefresh?: boolean }) => Promise<string> }>;
  client(
    getToken: (options?: { forceRefresh?: boolean }) => Promise<string>,
    options?: Partial<GraphClientOptions>,
  ): GraphClient;
  close(): Promise<void>;
}

export async function startGraphSandbox(options: { users?: number } = {}): Promise<GraphSandbox> {
  const sandbox = await startSandbox({
    port: 0,
    dataDir: join(tmpdir(), 'tenantlink-sandbox-test'),
    stateFile: false,
    users: options.users ?? 50,
  });
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem }, connections: 128 });
  const tenantId = sandbox.tenants[0]?.id ?? '';
  const control = sandboxControl(sandbox, dispatcher);
  return {
    sandbox,
    dispatcher,
    tenantId,
    control,
    async app(permissions) {
      const app = await control('POST', `/tenants/${tenantId}/applications`, {
        displayName: `graph test ${permissions.join(' ')}`,
        requiredPermissions: { application: permissions },
        grantAdminConsent: true,
        secret: {},
      });
      // A plain client-credentials POST (the real token provider lives in src/auth, built in parallel).
      let cached: { token: string; expires: number } | undefined;
      const getToken = async (options: { forceRefresh?: boolean } = {}) => {
        if (cached && cached.expires > Date.now() && !options.forceRefresh) return cached.token;
        const res = await fetch(`${sandbox.authority}/${tenantId}/oauth2/v2.0/token`, {
          method: 'POST',
          dispatcher,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            grant_type: 'client_credentials',
            client_id: app.appId,
            client_secret: app.secret.value,
            scope: 'https://graph.microsoft.com/.default',
          }).toString(),
        });
        const json = (await res.json()) as Json;
        if (!json.access_token) throw new Error(`token request failed: ${json.error}`);
        cached = { token: json.access_token, expires: Date.now() + 600_000 };
        return cached.token;
      };
      return { appId: app.appId, getToken };
    },
    client(getToken, clientOptions = {}) {
      return new GraphClient({ graphEndpoint: sandbox.graph, getToken, dispatcher, ...clientOptions });
    },
    async close() {
      await sandbox.close();
      await dispatcher.close();
    },
  };
}
