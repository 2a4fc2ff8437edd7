import { ClientCredentialProvider } from '../auth/client-credential-provider.js';
import { DelegatedRefreshTokenProvider } from '../auth/delegated-refresh-token-provider.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { TenantlinkError } from '../errors.js';
import { permissionForRoute } from '../features/index.js';
import { GraphClient, type GraphClientOptions } from '../graph/client.js';
import { DEFAULT_DIRECTORY_QUOTA, ResourceConcurrencyLimiter } from '../graph/concurrency.js';
import type { SharedResourceBudget, UnitQuota } from '../graph/resource-budget.js';
import type { Logger } from '../logging/index.js';
import type { StoredConnection } from '../store/connections-repository.js';
import type { ConnectionClouds } from './connection-clouds.js';
import type { ConnectionSecrets } from './connection-secrets.js';

/** What the Graph clients a service builds may be given (everything but what each connection decides). */
export type SharedGraphOptions = Partial<
  Omit<GraphClientOptions, 'graphEndpoint' | 'getToken' | 'dispatcher' | 'limiter'>
> & {
  /**
   * Where the clients' throttling limits live (slots per mailbox, pauses after a 429), keyed by tenant and app. Give a
   * PostgresResourceBudget to make them hold across every process on the database; by default each connection's
   * client keeps its own in memory.
   */
  budget?: SharedResourceBudget;
  /**
   * Graph's quota of directory resource units per app and tenant, which the clients draw from through the budget (so,
   * with a shared budget, over every process), a tenth held back. Default Microsoft's smallest quota, 3,500 per 10 s;
   * null turns the count off.
   */
  directoryQuota?: UnitQuota | null;
};

/**
 * The directory quota from `TENANTLINK_GRAPH_DIRECTORY_UNITS`: resource units per 10 s (default 3,500, right for any
 * tenant; 5,000 suits tenants of 50 to 500 users, 8,000 larger ones), or `0` to count none.
 */
export function directoryQuotaFromEnv(env: Record<string, string | undefined>): UnitQuota | null {
  const value = env.TENANTLINK_GRAPH_DIRECTORY_UNITS?.trim();
  if (value === undefined || value === '') return DEFAULT_DIRECTORY_QUOTA;
  if (value === '0') return null;
  const units = Number(value);
  if (!/^[0-9]+$/.test(value) || units < 1 || units > 1_000_000)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `TENANTLINK_GRAPH_DIRECTORY_UNITS must be a whole number of resource units per 10 seconds from 1 to 1000000, or 0 to turn the count off, not '${env.TENANTLINK_GRAPH_DIRECTORY_UNITS}'.`,
    );
  return { units, windowMs: 10_000 };
}

interface ConnectionRuntime {
  provider: TokenProvider;
  graph?: GraphClient;
}

/**
 * The token provider and Graph client of each connection, built once and shared, so that concurrent callers share one
 * token request and the per-mailbox limits hold across them. A connection's runtime is dropped when it changes.
 */
export class ConnectionRuntimes {
  readonly #runtimes = new Map<string, ConnectionRuntime>();

  constructor(
    private readonly secrets: ConnectionSecrets,
    private readonly clouds: ConnectionClouds,
    private readonly logger: Logger | undefined,
    private readonly graphOptions: SharedGraphOptions | undefined,
  ) {}

  async tokenProvider(stored: StoredConnection): Promise<TokenProvider> {
    return (await this.#runtime(stored)).provider;
  }

  async graphClient(stored: StoredConnection): Promise<GraphClient> {
    const runtime = await this.#runtime(stored);
    if (!runtime.graph) {
      const cloud = this.clouds.cloudFor(stored);
      const { budget, directoryQuota, ...graphOptions } = this.graphOptions ?? {};
      runtime.graph = new GraphClient({
        ...graphOptions,
        graphEndpoint: cloud.graphEndpoint,
        getToken: async (opts) => (await runtime.provider.getToken(opts)).token,
        limiter: new ResourceConcurrencyLimiter({
          ...(graphOptions.perMailboxConcurrency !== undefined
            ? { perMailbox: graphOptions.perMailboxConcurrency }
            : {}),
          ...(graphOptions.maxConcurrentRequests !== undefined
            ? { maxConcurrentRequests: graphOptions.maxConcurrentRequests }
            : {}),
          ...(budget ? { budget, budgetScope: `${stored.tenant.toLowerCase()}/${stored.clientId.toLowerCase()}` } : {}),
          ...(directoryQuota !== undefined ? { directoryQuota } : {}),
        }),
        tenantName: stored.tenant,
        permissionFor: permissionForRoute,
        ...(this.logger ? { logger: this.logger } : {}),
        ...(cloud.caCertPem ? { dispatcher: this.clouds.agentFor(cloud.caCertPem) } : {}),
      });
    }
    return runtime.graph;
  }

  /** Forgets a connection's runtime (after it changed or was removed): the next caller builds a new one. */
  forget(connectionId: string): void {
    this.#runtimes.delete(connectionId);
  }

  clear(): void {
    this.#runtimes.clear();
  }

  async #runtime(stored: StoredConnection): Promise<ConnectionRuntime> {
    const cached = this.#runtimes.get(stored.id);
    if (cached) return cached;
    const runtime = { provider: await this.#buildProvider(stored) };
    this.#runtimes.set(stored.id, runtime);
    return runtime;
  }

  async #buildProvider(stored: StoredConnection): Promise<TokenProvider> {
    const base = { cloud: this.clouds.cloudFor(stored), tenant: stored.tenant, clientId: stored.clientId };
    if (stored.authMode === 'delegated') {
      // A confidential (web) app also holds a client secret; a public client has none.
      const clientSecret = await this.secrets.get(stored.id, 'client_secret');
      return new DelegatedRefreshTokenProvider({
        ...base,
        ...(clientSecret ? { credential: { clientSecret } } : {}),
        refreshTokenStore: this.secrets.store(stored.id, 'refresh_token'),
      });
    }
    return new ClientCredentialProvider({
      ...base,
      credential: await this.secrets.appCredential(stored),
      cacheStore: this.secrets.store(stored.id, 'token_cache'),
    });
  }
}
