import type { Configuration } from '@azure/msal-node';
import type { CloudEndpoints } from './clouds.js';
import { type AuthorityExchange, type AuthorityNetworkClient, authorityNetworkClient } from './network-client.js';

/**
 * A cloud as token providers see it. `graphResource` is the App ID URI tokens are requested for; it defaults to the
 * cloud's Graph endpoint (true for every national cloud), but a stand-in for the global cloud such as the sandbox
 * serves Graph on its own host while issuing tokens for `https://graph.microsoft.com`.
 */
export type AuthCloud = CloudEndpoints & { graphResource?: string };

/** `https://login.microsoftonline.com/{tenant}`: a tenant GUID, a verified domain, or `organizations`. */
export function authorityUrl(cloud: AuthCloud, tenant: string): string {
  return `${cloud.authorityHost.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}`;
}

/** The scope for app-only and `.default` delegated tokens: `https://graph.microsoft.com/.default`. */
export function graphScope(cloud: AuthCloud): string {
  return `${graphResource(cloud)}/.default`;
}

/** Graph's App ID URI in this cloud, for naming delegated scopes in URI form. */
export function graphResource(cloud: AuthCloud): string {
  return (cloud.graphResource ?? cloud.graphEndpoint).replace(/\/+$/, '').replace(/\/v1\.0$/, '');
}

/** Only hosts MSAL knows are trusted without instance discovery; every other authority must be declared known. */
const MSAL_KNOWN_HOSTS = new Set(['login.microsoftonline.com']);

export interface MsalCloudOptions {
  auth: Pick<Configuration['auth'], 'authority' | 'knownAuthorities'>;
  system: Pick<NonNullable<Configuration['system']>, 'networkClient'>;
  /** The network client in use, to read wire failures for diagnosis. */
  network: AuthorityNetworkClient;
}

/**
 * MSAL settings for a tenant in a cloud. National and custom clouds are declared in `knownAuthorities` (host with
 * port), so MSAL never runs instance discovery against the public cloud's host — which also keeps it working offline.
 *
 * The network client is always tenantlink's own (undici, trusting the cloud's CA when it has one): MSAL reports an
 * unknown tenant, a refused connection and an untrusted certificate all as `endpoints_resolution_error`, and only the
 * wire can tell them apart. (Never pass `networkClient: undefined`: MSAL would then have no client at all.)
 */
export function msalCloudOptions(
  cloud: AuthCloud,
  tenant: string,
  options: { onExchange?: (exchange: AuthorityExchange) => void } = {},
): MsalCloudOptions {
  const authority = authorityUrl(cloud, tenant);
  const host = new URL(cloud.authorityHost).host;
  const network = authorityNetworkClient({
    ...(cloud.caCertPem ? { caCertPem: cloud.caCertPem } : {}),
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
  });
  return {
    auth: { authority, ...(MSAL_KNOWN_HOSTS.has(host) ? {} : { knownAuthorities: [host] }) },
    system: { networkClient: network.client },
    network,
  };
}
