import { CLOUDS, type CloudEndpoints } from '../auth/clouds.js';
import {
  type ConnectionMode,
  FEATURE_CATALOGUE,
  MICROSOFT_GRAPH_APP_ID,
  type RequiredPermission,
  requiredPermissions,
  requiredResourceAccess,
} from '../catalogue/permissions.js';
import { FEATURES, type Feature } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import { checkRedirectUri } from './redirect-uri.js';

export interface GuideOptions {
  features: readonly Feature[];
  mode: ConnectionMode;
  /**
   * Where the sign-in returns to (delegated web sign-in, or the admin-consent landing page of a multi-tenant app):
   * https, or http to localhost, 127.0.0.1 or [::1].
   */
  redirectUri?: string;
  /** The name the registration gets. */
  appName?: string;
  cloud?: CloudEndpoints;
}

export interface GuideStep {
  title: string;
  /** Sentences, in the Microsoft Entra admin center's words. */
  lines: string[];
}

/** Everything an administrator needs, as data; rendered to markdown, HTML or JSON. */
export interface SetupGuide {
  appName: string;
  mode: ConnectionMode;
  features: Feature[];
  signInAudience: 'AzureADMyOrg' | 'AzureADMultipleOrgs';
  permissions: RequiredPermission[];
  steps: GuideStep[];
  manifest: { requiredResourceAccess: ReturnType<typeof requiredResourceAccess> };
  azureCli: string;
  powerShell: string;
  /** For multi-tenant apps: the link a customer's administrator opens to consent in their tenant. */
  adminConsentUrl: string | null;
}

export function buildSetupGuide(options: GuideOptions): SetupGuide {
  const features = [...new Set(options.features)];
  if (features.length === 0)
    throw new TenantlinkError('INVALID_INPUT', `Name at least one feature: ${FEATURES.join(', ')}.`);
  const unknown = features.filter((f) => !FEATURES.includes(f));
  if (unknown.length > 0)
    throw new TenantlinkError('INVALID_INPUT', `Unknown feature ${unknown.join(', ')}: use ${FEATURES.join(', ')}.`);
  if (options.redirectUri !== undefined) checkRedirectUri(options.redirectUri);
  const { mode } = options;
  const { permissions, unsupported } = requiredPermissions(features, mode);
  if (unsupported.length > 0)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `${unsupported.join(', ')} ${unsupported.length === 1 ? 'needs' : 'need'} a delegated connection (mode delegated).`,
    );
  if (mode === 'multi-tenant' && !options.redirectUri)
    throw new TenantlinkError(
      'INVALID_INPUT',
      'A multi-tenant app needs a redirect URI (--redirect-uri, or redirectUri in the API): where admin consent returns to.',
    );
  const appName = options.appName ?? 'tenantlink connector';
  const cloud = options.cloud ?? CLOUDS.global;
  const signInAudience = mode === 'multi-tenant' ? 'AzureADMultipleOrgs' : 'AzureADMyOrg';
  const manifest = { requiredResourceAccess: requiredResourceAccess(permissions) };
  const adminConsentUrl =
    mode === 'multi-tenant'
      ? `${cloud.authorityHost}/organizations/v2.0/adminconsent?client_id=<Application (client) ID>` +
        `&scope=${encodeURIComponent(`${cloud.graphResource ?? cloud.graphEndpoint}/.default`)}` +
        `&redirect_uri=${encodeURIComponent(options.redirectUri!)}`
      : null;
  return {
    appName,
    mode,
    features,
    signInAudience,
    permissions,
    steps: steps({ ...options, appName, permissions }),
    manifest,
    azureCli: azureCliScript(appName, signInAudience, mode, permissions, options.redirectUri),
    powerShell: powerShellScript(appName, signInAudience, mode, permissions, options.redirectUri),
    adminConsentUrl,
  };
}

function steps(o: GuideOptions & { appName: string; permissions: RequiredPermission[] }): GuideStep[] {
  const delegated = o.mode === 'delegated';
  const featureTitles = FEATURE_CATALOGUE.filter((e) => o.features.includes(e.feature)).map((e) => e.title);
  return [
    {
      title: 'Open App registrations',
      lines: [
        'Sign in to the Microsoft Entra admin center (https://entra.microsoft.com) as at least a Cloud Application Administrator.',
        'Browse to Identity > Applications > App registrations and select New registration.',
      ],
    },
    {
      title: 'Register the application',
      lines: [
        `Name: ${o.appName}.`,
        o.mode === 'multi-tenant'
          ? 'Supported account types: Accounts in any organizational directory (Any Microsoft Entra ID tenant - Multitenant).'
          : 'Supported account types: Accounts in this organizational directory only (Single tenant).',
        o.redirectUri ? `Redirect URI: select Web and enter ${o.redirectUri}.` : 'Redirect URI: leave it empty.',
        'Select Register. On the Overview page, copy the Application (client) ID and the Directory (tenant) ID.',
      ],
    },
    delegated && !o.redirectUri
      ? {
          title: 'Allow sign-in from a device',
          lines: [
            'Open Authentication. Under Advanced settings, set Allow public client flows to Yes and select Save.',
            'No secret is needed: people sign in with a device code.',
          ],
        }
      : {
          title: 'Add a credential',
          lines: [
            'Open Certificates & secrets. Either:',
            'Client secrets > New client secret, choose an expiry, select Add, and copy the Value at once. ' +
              'Copy the Value, not the Secret ID: the Value is shown only this once.',
            'Or Certificates > Upload certificate with the public part (.cer, .pem or .crt) of a certificate whose private key you give tenantlink. ' +
              'A certificate is safer than a secret.',
          ],
        },
    {
      title: 'Add the Microsoft Graph permissions',
      lines: [
        // A multi-tenant app also lists the delegated sign-in that proves which organisation consented.
        ...(['application', 'delegated'] as const).flatMap((type) => {
          const ofType = o.permissions.filter((p) => p.type === type);
          return ofType.length === 0
            ? []
            : [
                `Open API permissions > Add a permission > Microsoft Graph > ${type === 'delegated' ? 'Delegated' : 'Application'} permissions, and check each of these:`,
                ...ofType.map(
                  (p) => `${p.permission}: ${p.why}${p.features.length ? ` (${p.features.join(', ')})` : ''}.`,
                ),
              ];
        }),
        'Select Add permissions. You can remove User.Read (added by default) unless it is listed above.',
      ],
    },
    {
      title: 'Grant admin consent',
      lines: [
        'Still in API permissions, select Grant admin consent for <your organization> and confirm.',
        'Each permission must show Granted for <your organization> in the Status column.',
        ...(o.mode === 'multi-tenant'
          ? ["For a customer's tenant, its administrator opens the admin-consent link below instead."]
          : []),
        ...(!delegated && o.features.some((f) => f.startsWith('mail') || f.startsWith('calendar'))
          ? [
              'Application permissions for mail and calendars reach every mailbox. To limit them to chosen mailboxes, ' +
                'an Exchange administrator can add an application access policy (New-ApplicationAccessPolicy) for this app.',
            ]
          : []),
      ],
    },
    {
      title: 'Give tenantlink the connection',
      lines: [
        `Features: ${featureTitles.join('; ')}.`,
        'Give the Directory (tenant) ID, the Application (client) ID and the secret Value (or the certificate with its key). ' +
          'Then select Run test: it checks every step above and names any that is missing.',
      ],
    },
  ];
}

function azureCliScript(
  appName: string,
  audience: string,
  mode: ConnectionMode,
  permissions: RequiredPermission[],
  redirectUri: string | undefined,
): string {
  const publicClient = mode === 'delegated' && !redirectUri;
  return [
    '#!/usr/bin/env bash',
    '# Creates the app registration with exactly the permissions tenantlink needs, then grants admin consent.',
    '# Run it signed in (az login) as an administrator of the tenant.',
    'set -euo pipefail',
    `app_id=$(az ad app create --display-name ${shellQuote(appName)} --sign-in-audience ${audience}` +
      (redirectUri ? ` --web-redirect-uris ${shellQuote(redirectUri)}` : '') +
      (publicClient ? ' --is-fallback-public-client true' : '') +
      ' --query appId --output tsv)',
    'permissions=(',
    ...permissions.map((p) => `  ${p.id}=${kindOf(p)}  # ${p.permission}`),
    ')',
    `az ad app permission add --id "$app_id" --api ${MICROSOFT_GRAPH_APP_ID} --api-permissions "\${permissions[@]}"`,
    'az ad sp create --id "$app_id" --output none',
    'az ad app permission admin-consent --id "$app_id"',
    ...(publicClient
      ? []
      : [
          '# The secret Value is printed once: give it to tenantlink, not the Secret ID.',
          `az ad app credential reset --id "$app_id" --display-name tenantlink --years 1 --append --query password --output tsv`,
        ]),
    'echo "Application (client) ID: $app_id"',
    'echo "Directory (tenant) ID: $(az account show --query tenantId --output tsv)"',
    '',
  ].join('\n');
}

function powerShellScript(
  appName: string,
  audience: string,
  mode: ConnectionMode,
  permissions: RequiredPermission[],
  redirectUri: string | undefined,
): string {
  const delegated = mode === 'delegated';
  const access = permissions.map((p) => `    @{ Id = '${p.id}'; Type = '${kindOf(p)}' }  # ${p.permission}`).join('\n');
  const scopes = permissions.filter((p) => p.type === 'delegated').map((p) => p.permission);
  const lines = [
    '# Creates the app registration with exactly the permissions tenantlink needs, then grants admin consent.',
    '# Needs the Microsoft.Graph module and an administrator of the tenant.',
    "Connect-MgGraph -Scopes 'Application.ReadWrite.All', 'AppRoleAssignment.ReadWrite.All', 'DelegatedPermissionGrant.ReadWrite.All'",
    `$graphAppId = '${MICROSOFT_GRAPH_APP_ID}'`,
    '$access = @(',
    access,
    ')',
    `$app = New-MgApplication -DisplayName ${psQuote(appName)} -SignInAudience '${audience}' \``,
    `  -RequiredResourceAccess @(@{ ResourceAppId = $graphAppId; ResourceAccess = $access })` +
      (redirectUri ? ` \`\n  -Web @{ RedirectUris = @(${psQuote(redirectUri)}) }` : '') +
      (delegated && !redirectUri ? ' `\n  -IsFallbackPublicClient' : ''),
    '$sp = New-MgServicePrincipal -AppId $app.AppId',
    '$graph = Get-MgServicePrincipal -Filter "appId eq \'$graphAppId\'"',
  ];
  if (scopes.length > 0)
    lines.push(
      '# Admin consent for delegated permissions: one grant for all users.',
      `New-MgOauth2PermissionGrant -ClientId $sp.Id -ConsentType 'AllPrincipals' -ResourceId $graph.Id -Scope '${scopes.join(' ')}' | Out-Null`,
    );
  if (scopes.length < permissions.length) {
    lines.push(
      '# Admin consent for application permissions: one app role assignment each.',
      "foreach ($role in $access | Where-Object { $_.Type -eq 'Role' }) {",
      '  New-MgServicePrincipalAppRoleAssignment -ServicePrincipalId $sp.Id -PrincipalId $sp.Id -ResourceId $graph.Id -AppRoleId $role.Id | Out-Null',
      '}',
    );
  }
  if (!(delegated && !redirectUri)) {
    lines.push(
      '# The secret Value is shown once: give it to tenantlink, not the Secret ID (KeyId).',
      "$secret = Add-MgApplicationPassword -ApplicationId $app.Id -PasswordCredential @{ DisplayName = 'tenantlink' }",
      '"Client secret Value: $($secret.SecretText)"',
    );
  }
  lines.push('"Application (client) ID: $($app.AppId)"', '"Directory (tenant) ID: $((Get-MgContext).TenantId)"', '');
  return lines.join('\n');
}

/** How the Azure CLI and Microsoft Graph name a permission's type. */
function kindOf(permission: RequiredPermission): 'Scope' | 'Role' {
  return permission.type === 'delegated' ? 'Scope' : 'Role';
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
