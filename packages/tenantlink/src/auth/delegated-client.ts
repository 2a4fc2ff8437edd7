import { ConfidentialClientApplication, type Configuration, PublicClientApplication } from '@azure/msal-node';
import type { AuthCloud } from './authority.js';
import { msalCloudOptions } from './authority.js';
import { certificateCredential } from './certificate-credential.js';
import type { ClientCredential } from './client-credential-provider.js';
import type { AuthorityExchange, AuthorityNetworkClient } from './network-client.js';

/** The app a delegated connection signs users in with: public (device code) or confidential (web sign-in). */
export interface DelegatedClientOptions {
  cloud: AuthCloud;
  tenant: string;
  clientId: string;
  /** For a confidential (web) app; absent for a public client ("Allow public client flows"). */
  credential?: ClientCredential;
  onExchange?: (exchange: AuthorityExchange) => void;
}

/** What both MSAL app kinds share that delegated flows use. */
type ClientApplication = PublicClientApplication | ConfidentialClientApplication;

export interface DelegatedClient {
  app: ClientApplication;
  public: PublicClientApplication | undefined;
  network: AuthorityNetworkClient;
}

const EMPTY_CACHE = JSON.stringify({ Account: {}, IdToken: {}, AccessToken: {}, RefreshToken: {}, AppMetadata: {} });

export function delegatedClient(options: DelegatedClientOptions): DelegatedClient {
  const cloud = msalCloudOptions(options.cloud, options.tenant, {
    ...(options.onExchange ? { onExchange: options.onExchange } : {}),
  });
  const auth: Configuration['auth'] = { clientId: options.clientId, ...cloud.auth };
  if (!options.credential) {
    const app = new PublicClientApplication({ auth, system: cloud.system });
    return { app, public: app, network: cloud.network };
  }
  if ('clientSecret' in options.credential) auth.clientSecret = options.credential.clientSecret;
  else {
    const cert = certificateCredential(options.credential.certificate);
    auth.clientCertificate = { thumbprintSha256: cert.thumbprintSha256, privateKey: cert.privateKey };
  }
  return {
    app: new ConfidentialClientApplication({ auth, system: cloud.system }),
    public: undefined,
    network: cloud.network,
  };
}

/**
 * MSAL never returns refresh tokens; it files them in its cache. The refresh token store is the source of truth for
 * delegated connections, so after each grant the refresh token is taken out of MSAL's in-memory cache and the cache
 * is emptied (the next refresh starts from the store, not from whatever MSAL kept).
 */
export function takeRefreshToken(app: ClientApplication, clientId: string): string | undefined {
  const cache = app.getTokenCache();
  const parsed = JSON.parse(cache.serialize()) as {
    RefreshToken?: Record<string, { secret?: string; client_id?: string; cached_at?: string }>;
  };
  const candidates = Object.values(parsed.RefreshToken ?? {}).filter((rt) => rt.secret && rt.client_id === clientId);
  candidates.sort((a, b) => Number(b.cached_at ?? 0) - Number(a.cached_at ?? 0));
  cache.deserialize(EMPTY_CACHE);
  return candidates[0]?.secret;
}
