import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { type CloudEndpoints, cloudEndpoints } from '../auth/clouds.js';
import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';

export const DEMO_CONNECTION = 'demo';
const DEMO_FEATURES = ['directory', 'calendar', 'mail', 'presence'] as const;

export interface DemoTenant {
  cloud: CloudEndpoints;
  authority: string;
  tenantDomain: string;
  /** Adds (or re-adds) the demo connection for the sandbox's app; returns its name. */
  connect(service: ConnectionService): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a sandbox tenant beside the server and registers an app in it, so a newcomer sees tenantlink working at
 * once. The sandbox is a development dependency; a server installed without it runs with --no-demo only.
 */
export async function startDemoTenant(dataDir: string): Promise<DemoTenant> {
  let sandboxModule: typeof import('@tenantlink/sandbox');
  try {
    sandboxModule = await import('@tenantlink/sandbox');
  } catch {
    throw new TenantlinkError('DEMO_UNAVAILABLE', 'The demo needs @tenantlink/sandbox, which is not installed here.', {
      diagnosis: {
        meaning: 'Demo mode runs a local sandbox tenant, and its package is missing from this installation.',
        fix: 'Start with --no-demo, or install from the repository (npm install at its root).',
      },
    });
  }
  const sandbox = await sandboxModule.startSandbox({
    port: 0,
    dataDir: join(dataDir, 'sandbox'),
    stateFile: join(dataDir, 'sandbox', 'state.json'),
    users: 50,
  });
  const dispatcher = new Agent({ connect: { ca: sandbox.caCertPem } });
  const control = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${sandbox.control}${path}`, {
      method,
      dispatcher,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`sandbox control ${method} ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  const tenant = sandbox.tenants[0]!;
  const cloud: CloudEndpoints = {
    ...cloudEndpoints({ authorityHost: sandbox.authority, graphEndpoint: sandbox.graph }, sandbox.caCertPem),
    name: 'sandbox',
    graphResource: 'https://graph.microsoft.com',
  };
  return {
    cloud,
    authority: sandbox.authority,
    tenantDomain: tenant.defaultDomain,
    async connect(service) {
      // The sandbox keeps its state in memory: an earlier run's demo app is gone, so its connection is replaced.
      for (const c of await service.list()) if (c.settings.demo === true) await service.remove(c.id);
      const app = await control<{ appId: string; secret: { value: string } }>(
        'POST',
        `/tenants/${tenant.id}/applications`,
        {
          displayName: 'tenantlink demo',
          requiredPermissions: {
            application: ['User.Read.All', 'GroupMember.Read.All', 'Calendars.Read', 'Mail.Read', 'Presence.Read.All'],
          },
          grantAdminConsent: true,
          secret: {},
        },
      );
      const person = await control<{ userPrincipalName: string }>('POST', `/tenants/${tenant.id}/users`, {
        displayName: 'Demo Test User',
        mailboxEnabled: true,
      });
      await service.add({
        name: DEMO_CONNECTION,
        tenant: tenant.id,
        clientId: app.appId,
        cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
        features: [...DEMO_FEATURES],
        settings: { demo: true, testUser: person.userPrincipalName },
        credential: { clientSecret: app.secret.value },
      });
      return DEMO_CONNECTION;
    },
    async close() {
      await dispatcher.close();
      await sandbox.close();
    },
  };
}
