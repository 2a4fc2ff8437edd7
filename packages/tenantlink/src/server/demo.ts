import { join } from 'node:path';
import { Agent, fetch } from 'undici';
import { type CloudEndpoints, cloudEndpoints } from '../auth/clouds.js';
import { requiredPermissions } from '../catalogue/permissions.js';
import type { IntegrationService } from '../connect/integrations.js';
import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';
import type { Feature } from '../features/index.js';

export const DEMO_CONNECTION = 'demo';
/** The integration demo mode adds, so that connect links can be tried at once; connections made through it are demo's too. */
export const DEMO_INTEGRATION = 'demo-connect';
const DEMO_FEATURES: Feature[] = ['directory', 'calendar', 'mail', 'presence'];
const DEMO_INTEGRATION_FEATURES: Feature[] = ['directory'];

/** Where demo mode keeps its sandbox's state file (the CLI reads it to reach the demo without --sandbox). */
export function demoStateFile(dataDir: string): string {
  return join(dataDir, 'sandbox', 'state.json');
}

/** A connection demo mode made, directly or through its integration: it lives as long as the demo's sandbox. */
export function isDemoConnection(connection: { settings: Record<string, unknown> }): boolean {
  return connection.settings.demo === true || connection.settings.integration === DEMO_INTEGRATION;
}

/** Removes what a demo left: its connections and its integration (their sandbox is gone). */
export async function removeDemoLeftovers(service: ConnectionService, integrations: IntegrationService): Promise<void> {
  for (const c of await service.list()) if (isDemoConnection(c)) await service.remove(c.id);
  await removeDemoIntegration(integrations);
}

async function removeDemoIntegration(integrations: IntegrationService): Promise<void> {
  const existing = (await integrations.list()).find((i) => i.name === DEMO_INTEGRATION);
  if (existing) await integrations.remove(existing.id);
}

export interface DemoTenant {
  cloud: CloudEndpoints;
  authority: string;
  tenantDomain: string;
  /** The sandbox's TLS pair for localhost (signed by its CA): the demo receives change notifications with it. */
  localhostTls: { keyPem: string; certPem: string };
  /** Adds (or re-adds) the demo connection for the sandbox's app; returns its name. */
  connect(service: ConnectionService): Promise<string>;
  /**
   * Adds (or re-adds) the demo integration: a multi-tenant app of the sandbox whose redirect URI is this server's
   * callback, so a connect link works at once. Returns the admin who can consent, as the sandbox made them.
   */
  integrate(
    integrations: IntegrationService,
    serverUrl: string,
  ): Promise<{ integration: string; admin: { userPrincipalName: string; password: string } | null }>;
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
    stateFile: demoStateFile(dataDir),
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
    localhostTls: sandbox.localhostTls,
    async connect(service) {
      // The sandbox keeps its state in memory: an earlier run's demo app is gone, so its connection is replaced.
      for (const c of await service.list()) if (c.settings.demo === true) await service.remove(c.id);
      const app = await control<{ appId: string; secret: { value: string } }>(
        'POST',
        `/tenants/${tenant.id}/applications`,
        {
          displayName: 'tenantlink demo',
          // Exactly what the registry says the demo's features need, so the demo connection passes its test.
          requiredPermissions: {
            application: requiredPermissions(DEMO_FEATURES, 'application').permissions.map((p) => p.permission),
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
    async integrate(integrations, serverUrl) {
      await removeDemoIntegration(integrations);
      const app = await control<{ appId: string; secret: { value: string } }>(
        'POST',
        `/tenants/${tenant.id}/applications`,
        {
          displayName: 'tenantlink demo connect',
          signInAudience: 'AzureADMultipleOrgs',
          redirectUris: { web: [`${serverUrl}/connect/microsoft/callback`] },
          // As the guide registers it: the application permissions, and the delegated openid/profile of the sign-in
          // that proves the consenting tenant.
          requiredPermissions: permissionsByType(requiredPermissions(DEMO_INTEGRATION_FEATURES, 'multi-tenant')),
          secret: {},
        },
      );
      await integrations.add({
        name: DEMO_INTEGRATION,
        clientId: app.appId,
        authMode: 'multi-tenant',
        cloud: { authorityHost: cloud.authorityHost, graphEndpoint: cloud.graphEndpoint },
        features: DEMO_INTEGRATION_FEATURES,
        returnUrl: `${serverUrl}/connections`,
        clientSecret: app.secret.value,
      });
      return { integration: DEMO_INTEGRATION, admin: tenant.admin };
    },
    async close() {
      await dispatcher.close();
      await sandbox.close();
    },
  };
}

function permissionsByType(required: ReturnType<typeof requiredPermissions>): {
  application: string[];
  delegated: string[];
} {
  const of = (type: 'application' | 'delegated') =>
    required.permissions.filter((p) => p.type === type).map((p) => p.permission);
  return { application: of('application'), delegated: of('delegated') };
}
