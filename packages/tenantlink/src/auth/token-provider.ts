/** An access token and when it expires; the token string must never be logged or shown. */
export interface AccessToken {
  token: string;
  expiresOn: Date;
}

/** Hands out Graph access tokens for one connection. */
export interface TokenProvider {
  getToken(opts?: { forceRefresh?: boolean }): Promise<AccessToken>;
}
