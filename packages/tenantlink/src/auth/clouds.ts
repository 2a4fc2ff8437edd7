import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { TenantlinkError } from '../errors.js';
import type { Cloud, CloudName } from '../model/cloud.js';

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

export type { Cloud, CloudName } from '../model/cloud.js';

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

/** How an API caller names a cloud: a national cloud or a configured custom cloud by name, or a custom cloud's endpoints. */
export type CloudChoice = string | { authorityHost: string; graphEndpoint: string };

export function isNationalCloud(name: string): name is CloudName {
  return Object.hasOwn(CLOUDS, name);
}

/**
 * The cloud an API caller chose, when the operator allows it: a national cloud, or a custom cloud the operator
 * configured (`--sandbox`, TENANTLINK_CUSTOM_CLOUDS), named or given by its endpoints. Anything else is refused, so an
 * API caller can never make tenantlink send credentials or requests to a host of its choosing.
 */
export function chooseCloud(choice: CloudChoice, configured: readonly CloudEndpoints[]): Cloud {
  // Only custom clouds with a name of their own can be chosen by name ('custom' names none in particular).
  const named = configured.filter((c) => c.name !== 'custom');
  const allowed = [...Object.keys(CLOUDS), ...named.map((c) => c.name)].join(', ');
  const refuse = (what: string) =>
    new TenantlinkError('INVALID_CLOUD', `${what} is not a cloud this server may use: choose one of ${allowed}.`, {
      diagnosis: {
        meaning: "Custom clouds come from the server's operator, never from API callers.",
        fix: 'Name a national cloud, or ask the operator to add the custom cloud to TENANTLINK_CUSTOM_CLOUDS.',
      },
    });
  if (typeof choice === 'string') {
    if (isNationalCloud(choice)) return choice;
    const custom = named.find((c) => c.name === choice);
    if (!custom) throw refuse(`The cloud '${choice.slice(0, 100)}'`);
    return { authorityHost: custom.authorityHost, graphEndpoint: custom.graphEndpoint };
  }
  const wanted = { authorityHost: trimmed(choice.authorityHost), graphEndpoint: trimmed(choice.graphEndpoint) };
  const custom = configured.find(
    (c) => c.authorityHost === wanted.authorityHost && c.graphEndpoint === wanted.graphEndpoint.replace(/\/v1\.0$/, ''),
  );
  if (!custom) throw refuse('A custom cloud at these endpoints');
  return { authorityHost: custom.authorityHost, graphEndpoint: custom.graphEndpoint };
}

const customCloudList = z
  .array(
    z
      .object({
        name: z
          .string()
          .regex(/^[a-z0-9][a-z0-9-]{0,49}$/, 'name: lowercase letters, digits and dashes')
          .refine((n) => !isNationalCloud(n) && n !== 'custom', 'name: not a national cloud name'),
        authorityHost: z.string().url().startsWith('https://', 'authorityHost: an https URL'),
        graphEndpoint: z.string().url().startsWith('https://', 'graphEndpoint: an https URL'),
        caFile: z.string().min(1).optional().describe('a PEM file with the CA to trust for this cloud'),
        graphResource: z.string().url().optional().describe('the token audience, when it is not graphEndpoint'),
      })
      .strict(),
  )
  .max(20);

/**
 * The operator's custom clouds from TENANTLINK_CUSTOM_CLOUDS: a JSON array of
 * `{name, authorityHost, graphEndpoint, caFile?, graphResource?}`. Unset or empty: none.
 */
export function customCloudsFromEnv(value: string | undefined): CloudEndpoints[] {
  if (!value?.trim()) return [];
  const invalid = (why: string) =>
    new TenantlinkError('INVALID_CLOUD', `TENANTLINK_CUSTOM_CLOUDS is not usable: ${why}.`, {
      diagnosis: {
        meaning: 'It lists the custom clouds this server may use, as JSON.',
        fix: 'Set it to [{"name":"my-cloud","authorityHost":"https://login.example","graphEndpoint":"https://graph.example","caFile":"/path/ca.pem"}].',
      },
    });
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw invalid('it is not JSON');
  }
  const result = customCloudList.safeParse(parsed);
  if (!result.success)
    throw invalid(result.error.issues.map((i) => `${i.path.join('.')} ${i.message}`.trim()).join('; '));
  const names = new Set<string>();
  return result.data.map((c) => {
    if (names.has(c.name)) throw invalid(`the name '${c.name}' is used twice`);
    names.add(c.name);
    let caCertPem: string | undefined;
    if (c.caFile) {
      try {
        caCertPem = readFileSync(c.caFile, 'utf8');
      } catch (err) {
        throw invalid(`the CA file of '${c.name}' cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    return {
      ...cloudEndpoints({ authorityHost: c.authorityHost, graphEndpoint: c.graphEndpoint }, caCertPem),
      name: c.name,
      ...(c.graphResource ? { graphResource: c.graphResource } : {}),
    };
  });
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
