import { TenantlinkError } from '../errors.js';
import { graphScope } from './authority.js';
import {
  type DelegatedClient,
  type DelegatedClientOptions,
  delegatedClient,
  takeRefreshToken,
} from './delegated-client.js';
import { toTokenError } from './token-errors.js';
import { type FreshnessOptions, FreshTokenKeeper } from './token-freshness.js';
import type { AccessToken, TokenProvider } from './token-provider.js';

/** Where a delegated connection's refresh token lives; the vault encrypts it at rest. */
export interface RefreshTokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
}

export interface DelegatedRefreshTokenProviderOptions extends DelegatedClientOptions, FreshnessOptions {
  refreshTokenStore: RefreshTokenStore;
  /** Delegated scopes to ask for; default `<Graph>/.default` (everything consented). */
  scopes?: string[];
}

/**
 * Delegated tokens for one connection from a stored refresh token. Every refresh returns a new refresh token, which
 * is stored before the access token is handed out ("replace the old refresh token with this newly acquired one").
 */
export class DelegatedRefreshTokenProvider implements TokenProvider {
  private readonly client: DelegatedClient;
  private readonly keeper: FreshTokenKeeper;
  private readonly scopes: string[];

  constructor(private readonly options: DelegatedRefreshTokenProviderOptions) {
    this.client = delegatedClient(options);
    this.scopes = options.scopes ?? [graphScope(options.cloud)];
    this.keeper = new FreshTokenKeeper(() => this.refresh(), options);
  }

  getToken(opts: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    return this.keeper.get(opts.forceRefresh ?? false);
  }

  private async refresh(): Promise<AccessToken> {
    const refreshToken = await this.options.refreshTokenStore.get();
    if (!refreshToken)
      throw new TenantlinkError('REFRESH_TOKEN_MISSING', 'This delegated connection has no refresh token yet.', {
        diagnosis: {
          meaning: 'Nobody has signed in for this connection, or its refresh token was removed.',
          fix: 'Sign in (connect the delegated connection) to store a refresh token.',
        },
      });
    this.client.network.resetFailures();
    let result: Awaited<ReturnType<typeof this.client.app.acquireTokenByRefreshToken>>;
    try {
      result = await this.client.app.acquireTokenByRefreshToken({
        scopes: this.scopes,
        refreshToken,
        forceCache: true,
      });
    } catch (err) {
      takeRefreshToken(this.client.app, this.options.clientId);
      throw toTokenError(err, {
        tenant: this.options.tenant,
        clientId: this.options.clientId,
        wire: this.client.network.failures,
      });
    }
    const rotated = takeRefreshToken(this.client.app, this.options.clientId);
    if (rotated && rotated !== refreshToken) await this.options.refreshTokenStore.set(rotated);
    if (!result?.accessToken || !result.expiresOn)
      throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The identity platform answered without an access token.');
    return { token: result.accessToken, expiresOn: result.expiresOn };
  }
}
