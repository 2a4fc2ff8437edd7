import type { Directory } from '../tenant/directory.js';
import type { SandboxClock } from '../time/clock.js';
import type { GrantStore } from './grant-store.js';
import type { SigningKeys } from './signing-keys.js';
import type { TokenMinter, TokenSettings } from './tokens.js';

export interface IdentitySettings extends TokenSettings {
  /** Seconds a device-code client waits between polls (Entra: 5). */
  deviceCodeIntervalSeconds: number;
  /** Lifetime of a device code (Entra: 900). */
  deviceCodeExpiresInSeconds: number;
  /** A refresh token unused for this long expires (Entra: 90 days). */
  refreshTokenMaxInactiveSeconds: number;
  /** Lifetime of an authorization code (Entra: about 10 minutes). */
  authorizationCodeLifetimeSeconds: number;
}

export const DEFAULT_IDENTITY_SETTINGS: IdentitySettings = {
  deviceCodeIntervalSeconds: 5,
  deviceCodeExpiresInSeconds: 900,
  refreshTokenMaxInactiveSeconds: 90 * 86_400,
  authorizationCodeLifetimeSeconds: 600,
};

/** What every identity endpoint works with. */
export interface IdentityContext {
  directory: Directory;
  clock: SandboxClock;
  grants: GrantStore;
  keys: SigningKeys;
  minter: TokenMinter;
  settings: IdentitySettings;
}
