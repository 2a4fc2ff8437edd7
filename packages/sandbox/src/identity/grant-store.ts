import { randomBytes, randomInt } from 'node:crypto';

export type RedirectPlatform = 'web' | 'publicClient' | 'spa';

/** How a user proved who they are, as the `amr` claim lists it. */
export type AuthMethods = ('pwd' | 'mfa')[];

export interface AuthorizationCode {
  code: string;
  tenantId: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  platform: RedirectPlatform;
  scopes: string[];
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain';
  nonce: string | null;
  sessionId: string;
  authTime: number;
  amr: AuthMethods;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  token: string;
  tenantId: string;
  clientId: string;
  userId: string;
  scopes: string[];
  platform: RedirectPlatform;
  sessionId: string;
  authTime: number;
  amr: AuthMethods;
  issuedAt: number;
  lastUsedAt: number;
}

export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  /** The tenant segment the device code was requested on (GUID, domain, common, organizations). */
  tenantSegment: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  interval: number;
  status: 'pending' | 'approved' | 'declined' | 'redeemed';
  lastPollAt: number | null;
  tenantId: string | null;
  userId: string | null;
  sessionId: string | null;
  authTime: number | null;
  amr: AuthMethods;
}

export interface BrowserSession {
  id: string;
  tenantId: string;
  userId: string;
  authTime: number;
  amr: AuthMethods;
}

/** One pending browser interaction: sign-in, then consent, for authorize, device login or admin consent. */
export interface Interaction {
  id: string;
  kind: 'authorize' | 'device' | 'adminconsent';
  tenantSegment: string;
  clientId: string;
  scopes: string[];
  expiresAt: number;
  loginHint: string | null;
  prompt: string | null;
  /** Set once the user has signed in. */
  session: BrowserSession | null;
  /** Sign-in succeeded but an MFA approval is still due. */
  pendingMfa: { tenantId: string; userId: string } | null;
  /** What the consent page on screen offers; accepting grants exactly this, nothing else. */
  consentOffer: { application: string[]; delegated: string[]; forOrganization: 'never' | 'optional' | 'always' } | null;
  authorize?: {
    redirectUri: string;
    platform: RedirectPlatform;
    state: string | null;
    responseMode: 'query' | 'fragment' | 'form_post';
    codeChallenge: string | null;
    codeChallengeMethod: 'S256' | 'plain';
    nonce: string | null;
  };
  device?: { deviceCode: string };
  adminConsent?: { redirectUri: string; state: string | null; version: 1 | 2 };
  /** When it reached the client or an error page (kept until it expires: a re-posted form replays its step). */
  endedAt?: number;
}

export function opaqueToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

const USER_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/**
 * Everything the authority hands out and must remember: authorization codes, refresh tokens, device codes,
 * browser sessions and pending interactions. Expired entries are swept as they are met.
 */
export class GrantStore {
  readonly codes = new Map<string, AuthorizationCode>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly deviceCodes = new Map<string, DeviceCodeRecord>();
  readonly userCodes = new Map<string, string>();
  readonly sessions = new Map<string, BrowserSession>();
  readonly interactions = new Map<string, Interaction>();

  newUserCode(): string {
    for (;;) {
      let code = '';
      for (let i = 0; i < 9; i++) code += USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)];
      if (!this.userCodes.has(code)) return code;
    }
  }

  addDeviceCode(record: DeviceCodeRecord): void {
    this.deviceCodes.set(record.deviceCode, record);
    this.userCodes.set(record.userCode, record.deviceCode);
  }

  deviceCodeByUserCode(userCode: string): DeviceCodeRecord | undefined {
    const deviceCode = this.userCodes.get(userCode.trim().toUpperCase().replace(/[\s-]/g, ''));
    return deviceCode ? this.deviceCodes.get(deviceCode) : undefined;
  }

  /** Drops codes and interactions long past their expiry (refresh tokens expire by inactivity, checked on use). */
  sweep(now: number): void {
    for (const [k, v] of this.codes) if (v.expiresAt + 3_600_000 < now) this.codes.delete(k);
    for (const [k, v] of this.interactions) if (v.expiresAt < now) this.interactions.delete(k);
    for (const [k, v] of this.deviceCodes) {
      if (v.expiresAt + 3_600_000 < now) {
        this.deviceCodes.delete(k);
        this.userCodes.delete(v.userCode);
      }
    }
  }
}
