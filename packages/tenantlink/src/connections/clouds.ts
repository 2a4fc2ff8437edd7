import { readFileSync } from 'node:fs';
import { TenantlinkError } from '../errors.js';

/** Where a cloud's identity platform and Microsoft Graph live. */
export interface CloudEndpoints {
  name: string;
  /** `https://login.microsoftonline.com` (no trailing slash). */
  authorityHost: string;
  /** `https://graph.microsoft.com` (no version). */
  graphEndpoint: string;
  /** A CA to trust for this cloud (the sandbox's), as PEM. */
  caCertPem?: string;
  /**
   * The App ID URI tokens are requested for, when it differs from `graphEndpoint`: the sandbox serves Graph on its
   * own host but, like the global cloud, issues tokens for `https://graph.microsoft.com`.
   */
  graphResource?: string;
}

export type CloudName = 'global' | 'usgov' | 'usgov-dod' | 'china';
export type Cloud = CloudName | { authorityHost: string; graphEndpoint: string };

/** National clouds, from Microsoft's deployment table. */
export const CLOUDS: Record<CloudName, CloudEndpoints> = {
  global: {
    name: 'global',
    authorityHost: 'https://login.microsoftonline.com',
    graphEndpoint: 'https://graph.microsoft.com',
  },
  usgov: {
    name: 'usgov',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://graph.microsoft.us',
  },
  'usgov-dod': {
    name: 'usgov-dod',
    authorityHost: 'https://login.microsoftonline.us',
    graphEndpoint: 'https://dod-graph.microsoft.us',
  },
  china: {
    name: 'china',
    authorityHost: 'https://login.chinacloudapi.cn',
    graphEndpoint: 'https://microsoftgraph.chinacloudapi.cn',
  },
};

function trimmed(url: string): string {
  return url.replace(/\/+$/, '');
}

/** The endpoints of a named or custom cloud. */
export function cloudEndpoints(cloud: Cloud, caCertPem?: string): CloudEndpoints {
  if (typeof cloud === 'string') {
    const known = CLOUDS[cloud];
    if (!known)
      throw new TenantlinkError(
        'INVALID_CLOUD',
        `Unknown cloud '${cloud}': use global, usgov, usgov-dod, china or a custom {authorityHost, graphEndpoint}.`,
      );
    return known;
  }
  for (const [key, value] of Object.entries(cloud)) {
    if (!/^https:\/\//.test(value))
      throw new TenantlinkError('INVALID_CLOUD', `The cloud's ${key} must be an https URL.`);
  }
  return {
    name: 'custom',
    authorityHost: trimmed(cloud.authorityHost),
    graphEndpoint: trimmed(cloud.graphEndpoint).replace(/\/v1\.0$/, ''),
    ...(caCertPem ? { caCertPem } : {}),
  };
}

/** What a sandbox state file says (written by `tenantlink-sandbox start`). */
export interface SandboxStateFile {
  authority: string;
  graph: string;
  control: string;
  caCertFile: string;
  tenants: {
    id: string;
    defaultDomain: string;
    displayName: string;
    admin: { userPrincipalName: string; password: string } | null;
  }[];
}

/** A custom cloud for a running sandbox, trusting its CA: what `--sandbox <state-file>` does. */
export function sandboxCloud(stateFile: string): { cloud: CloudEndpoints; state: SandboxStateFile } {
  let state: SandboxStateFile;
  try {
    state = JSON.parse(readFileSync(stateFile, 'utf8')) as SandboxStateFile;
  } catch (err) {
    throw new TenantlinkError(
      'SANDBOX_STATE_UNREADABLE',
      `Cannot read the sandbox state file '${stateFile}': ${(err as Error).message}. Is the sandbox running?`,
    );
  }
  const caCertPem = readFileSync(state.caCertFile, 'utf8');
  const cloud = cloudEndpoints({ authorityHost: state.authority, graphEndpoint: state.graph }, caCertPem);
  return { cloud: { ...cloud, name: 'sandbox', graphResource: 'https://graph.microsoft.com' }, state };
}
