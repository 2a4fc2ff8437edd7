/** An access token and when it expires; the token string must never be logged or shown. */
export interface AccessToken {
  token: string;
  expiresOn: Date;
}

/** Hands out Graph access tokens for one connection. */
export interface TokenProvider {
  getToken(opts?: { forceRefresh?: boolean }): Promise<AccessToken>;
}

export { ClientCredentialProvider, type ClientCredentialProviderOptions } from './client-credential-provider.js';
export {
  DelegatedRefreshTokenProvider,
  type DelegatedRefreshTokenProviderOptions,
  type RefreshTokenStore,
} from './delegated-refresh-token-provider.js';
export {
  DeviceCodeFlow,
  type DeviceCodeFlowOptions,
  type DeviceCodePrompt,
  type DeviceCodeResult,
} from './device-code-flow.js';
export type { TokenCacheStore } from './token-cache-plugin.js';
