import { Agent } from 'undici';
import type { AuthCloud } from '../auth/authority.js';
import { type Cloud, type CloudChoice, type CloudEndpoints, chooseCloud, cloudEndpoints } from '../auth/clouds.js';
import { TenantlinkError } from '../errors.js';

/**
 * Where connections' tokens and Graph calls go: national clouds, and the operator's custom clouds with their CA and
 * token audience. Keeps one HTTP agent per custom CA.
 */
export class ConnectionClouds {
  readonly #agents = new Map<string, Agent>();

  constructor(
    private readonly customClouds: readonly CloudEndpoints[],
    /** Refuse stored custom clouds the operator did not configure (the server); the CLI allows them. */
    private readonly configuredOnly: boolean,
  ) {}

  /** The cloud a connection's tokens and Graph calls go to, with the CA and audience of a matching custom cloud. */
  cloudFor(connection: { cloud: Cloud | string }): AuthCloud {
    const endpoints = cloudEndpoints(connection.cloud as Cloud);
    if (typeof connection.cloud === 'string') return endpoints;
    const custom = this.customClouds.find(
      (c) => c.authorityHost === endpoints.authorityHost && c.graphEndpoint === endpoints.graphEndpoint,
    );
    if (custom) return { ...endpoints, ...custom };
    if (this.configuredOnly)
      throw new TenantlinkError(
        'CLOUD_NOT_CONFIGURED',
        `The connection's custom cloud (${endpoints.authorityHost}) is not one this server is configured to use.`,
        {
          status: 409,
          diagnosis: {
            meaning: "Custom clouds come from the server's operator; tenantlink sends no credential to any other host.",
            fix: 'Add the cloud to TENANTLINK_CUSTOM_CLOUDS (or start with --sandbox for a sandbox), or remove the connection.',
          },
        },
      );
    return endpoints;
  }

  /** The cloud an API caller chose, if the operator allows it (INVALID_CLOUD otherwise); see `chooseCloud`. */
  choose(choice: CloudChoice): Cloud {
    return chooseCloud(choice, this.customClouds);
  }

  /** The HTTP agent that trusts a custom cloud's CA (one per CA, shared by its connections). */
  agentFor(caCertPem: string): Agent {
    let agent = this.#agents.get(caCertPem);
    if (!agent) {
      agent = new Agent({ connect: { ca: caCertPem } });
      this.#agents.set(caCertPem, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
    this.#agents.clear();
  }
}
