import { ClientCredentialProvider } from '../auth/client-credential-provider.js';
import { DelegatedRefreshTokenProvider } from '../auth/delegated-refresh-token-provider.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { permissionForRoute } from '../features/index.js';
import { GraphClient, type GraphClientOptions } from '../graph/client.js';
import { ResourceConcurrencyLimiter } from '../graph/concurrency.js';
import type { SharedResourceBudget } from '../graph/resource-budget.js';
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
};

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
      const { budget, ...graphOptions } = this.graphOptions ?? {};
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
