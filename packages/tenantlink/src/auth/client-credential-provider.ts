import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import { TenantlinkError } from '../errors.js';
import { type AuthCloud, graphScope, msalCloudOptions } from './authority.js';
import { type CertificatePemInput, certificateCredential } from './certificate-credential.js';
import type { AuthorityExchange } from './network-client.js';
import { type TokenCacheStore, tokenCachePlugin } from './token-cache-plugin.js';
import { toTokenError } from './token-errors.js';
import { type FreshnessOptions, FreshTokenKeeper } from './token-freshness.js';
import type { AccessToken, TokenProvider } from './token-provider.js';

/** A client secret's Value, or a certificate with its private key. */
export type ClientCredential = { clientSecret: string } | { certificate: CertificatePemInput };

export interface ClientCredentialProviderOptions extends FreshnessOptions {
  cloud: AuthCloud;
  /** Directory (tenant) ID or a verified domain. */
  tenant: string;
  /** Application (client) ID. */
  clientId: string;
  credential: ClientCredential;
  /** Persists MSAL's token cache (encrypted by the vault); in memory only when absent. */
  cacheStore?: TokenCacheStore;
  /** Told about every request to the identity platform (method, URL, status, duration): for metrics. */
  onExchange?: (exchange: AuthorityExchange) => void;
}

/**
 * App-only tokens for one connection through MSAL's client-credentials flow, with a secret or a certificate. One
 * ConfidentialClientApplication per connection, so its cache and authority metadata are reused.
 */
export class ClientCredentialProvider implements TokenProvider {
  /** SHA-1 thumbprint of the certificate in use, for display; undefined with a secret. */
  readonly certificateThumbprint: string | undefined;
  readonly scope: string;
  private readonly app: ConfidentialClientApplication;
  private readonly keeper: FreshTokenKeeper;
  private readonly cloudOptions: ReturnType<typeof msalCloudOptions>;

  constructor(private readonly options: ClientCredentialProviderOptions) {
    this.scope = graphScope(options.cloud);
    this.cloudOptions = msalCloudOptions(options.cloud, options.tenant, {
      ...(options.onExchange ? { onExchange: options.onExchange } : {}),
    });
    const auth: Configuration['auth'] = { clientId: options.clientId, ...this.cloudOptions.auth };
    if ('clientSecret' in options.credential) {
      if (!options.credential.clientSecret.trim())
        throw new TenantlinkError('SECRET_MISSING', 'The client secret is empty.');
      auth.clientSecret = options.credential.clientSecret;
      this.certificateThumbprint = undefined;
    } else {
      const cert = certificateCredential(options.credential.certificate);
      auth.clientCertificate = { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey };
      this.certificateThumbprint = cert.thumbprint;
    }
    this.app = new ConfidentialClientApplication({
      auth,
      ...(options.cacheStore ? { cache: { cachePlugin: tokenCachePlugin(options.cacheStore) } } : {}),
      system: this.cloudOptions.system,
    });
    this.keeper = new FreshTokenKeeper((force) => this.acquire(force), options);
  }

  getToken(opts: { forceRefresh?: boolean } = {}): Promise<AccessToken> {
    return this.keeper.get(opts.forceRefresh ?? false);
  }

  private async acquire(force: boolean): Promise<AccessToken> {
    let result = await this.request(force);
    // MSAL's cache (perhaps filled by another process) may hold a token already inside our refresh window.
    if (result.fromCache && !this.keeper.isFresh(result)) result = await this.request(true);
    return { token: result.token, expiresOn: result.expiresOn };
  }

  private async request(forceRefresh: boolean): Promise<AccessToken & { fromCache: boolean }> {
    this.cloudOptions.network.resetFailures();
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [this.scope], skipCache: forceRefresh });
      if (!result?.accessToken || !result.expiresOn)
        throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The identity platform answered without an access token.');
      return { token: result.accessToken, expiresOn: result.expiresOn, fromCache: result.fromCache };
    } catch (err) {
      throw toTokenError(err, {
        tenant: this.options.tenant,
        clientId: this.options.clientId,
        ...('clientSecret' in this.options.credential ? { sentSecret: this.options.credential.clientSecret } : {}),
        wire: this.cloudOptions.network.failures,
      });
    }
  }
}
