import { Command } from '@commander-js/extra-typings';
import type { RegisteredApplication } from '../control/routes/applications.js';
import type { SandboxTenantSummary } from '../sandbox.js';
import type { NewApplication } from '../tenant/app-registrations.js';
import { ControlClient } from './control-client.js';
import type { CliIo } from './io.js';
import { commaList, urlList } from './options.js';
import { DEFAULT_STATE_FILE, readStateFile } from './state-file.js';

export interface AppsCreateOptions {
  name: string;
  stateFile: string;
  tenant?: string;
  applicationPermissions?: string[];
  delegatedPermissions?: string[];
  adminConsent?: boolean;
  publicClient?: boolean;
  redirectUri?: string[];
  multiTenant?: boolean;
}

/** What `apps create` prints: enough to sign in as the app, or to add it as a tenantlink connection. */
export interface CreatedApp {
  appId: string;
  tenantId: string;
  tenantDomain: string;
  displayName: string;
  clientSecret: string;
  clientSecretExpiresAt: string;
  objectId: string;
  servicePrincipalId: string;
  authority: string;
}

/** Registers an app, with a client secret, in a running sandbox through its control API. */
export async function createApp(options: AppsCreateOptions): Promise<CreatedApp> {
  const connection = await readStateFile(options.stateFile);
  const client = new ControlClient(connection);
  try {
    const tenant = findTenant(await client.request<SandboxTenantSummary[]>('GET', '/tenants'), options.tenant);
    const redirectUris = options.redirectUri?.length
      ? { [options.publicClient ? 'publicClient' : 'web']: options.redirectUri }
      : undefined;
    const body: NewApplication = {
      displayName: options.name,
      ...(options.multiTenant ? { signInAudience: 'AzureADMultipleOrgs' } : {}),
      ...(redirectUris ? { redirectUris } : {}),
      ...(options.publicClient ? { allowPublicClient: true } : {}),
      requiredPermissions: {
        application: options.applicationPermissions ?? [],
        delegated: options.delegatedPermissions ?? [],
      },
      grantAdminConsent: options.adminConsent ?? false,
      secret: {},
    };
    const app = await client.request<RegisteredApplication>('POST', `/tenants/${tenant.id}/applications`, body);
    if (!app.secret) throw new Error(`The sandbox registered ${app.appId} but returned no client secret.`);
    return {
      appId: app.appId,
      tenantId: tenant.id,
      tenantDomain: tenant.defaultDomain,
      displayName: options.name,
      clientSecret: app.secret.value,
      clientSecretExpiresAt: app.secret.endDateTime,
      objectId: app.objectId,
      servicePrincipalId: app.servicePrincipalId,
      authority: `${connection.state.authority}/${tenant.id}`,
    };
  } finally {
    await client.close();
  }
}

/** The tenant named by ID or domain, or the sandbox's first tenant when none is named. */
function findTenant(tenants: SandboxTenantSummary[], wanted: string | undefined): SandboxTenantSummary {
  const key = wanted?.toLowerCase();
  const tenant = key === undefined ? tenants[0] : tenants.find((t) => t.id === key || t.defaultDomain === key);
  if (tenant) return tenant;
  const known = tenants.map((t) => `${t.id} (${t.defaultDomain})`).join(', ');
  throw new Error(`The sandbox has no tenant '${wanted}'. Its tenants: ${known || 'none'}.`);
}

function humanLines(app: CreatedApp): string[] {
  return [
    `Registered "${app.displayName}" in ${app.tenantDomain}.`,
    `  app (client) ID  ${app.appId}`,
    `  tenant ID        ${app.tenantId}`,
    `  client secret    ${app.clientSecret}`,
    `  authority        ${app.authority}`,
    `The client secret is shown only this once (it expires ${app.clientSecretExpiresAt}); the sandbox cannot show it again.`,
  ];
}

/** `apps create`: the command-line form of `POST /_sandbox/tenants/{tid}/applications`. */
export function appsCommand(io: CliIo) {
  const apps = new Command('apps').description('app registrations in a running sandbox');
  apps
    .command('create')
    .description('register an app with a client secret in a running sandbox; prints its IDs and the secret once')
    .requiredOption('--name <name>', 'display name of the app')
    .option('--state-file <file>', 'state file of the running sandbox', DEFAULT_STATE_FILE)
    .option('--tenant <id or domain>', "tenant to register it in (default: the sandbox's first tenant)")
    .option('--application-permissions <names>', 'Graph application permissions, comma-separated', commaList)
    .option('--delegated-permissions <names>', 'Graph delegated permissions, comma-separated', commaList)
    .option('--admin-consent', "grant the permissions at once, as an admin's consent for the tenant would")
    .option(
      '--public-client',
      'allow public client flows (device code); redirect URIs become mobile/desktop ones',
      false,
    )
    .option('--redirect-uri <url>', 'a redirect URI (repeat for more); web unless --public-client', urlList)
    .option('--multi-tenant', 'let other tenants consent to it (AzureADMultipleOrgs)')
    .option('--json', 'print the result as JSON')
    .action(async ({ json, ...options }) => {
      const app = await createApp(options);
      if (json) io.out(JSON.stringify(app, null, 2));
      else for (const line of humanLines(app)) io.out(line);
    });
  return apps;
}
