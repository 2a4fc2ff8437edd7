import { createHash, randomBytes, randomInt } from 'node:crypto';
import {
  type Application,
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_GRAPH_RESOURCE_URI,
  type ServicePrincipal,
  type Tenant,
  type User,
} from '../tenant/model.js';
import type { SandboxClock } from '../time/clock.js';
import type { AuthMethods } from './grant-store.js';
import type { SigningKeys } from './signing-keys.js';

/** Directory role template ID every member user holds implicitly ("User"), listed in `wids`. */
const DEFAULT_USER_ROLE_ID = 'b79fbf4d-3ef9-4689-8143-76b194e85509';
/** The role template ID Entra puts in app-only tokens' `wids`. */
const APP_ONLY_WIDS = '0997a1d0-0d1d-4acb-b408-d5ca73121e90';
/** Entra back-dates `iat`/`nbf` to tolerate clock skew. */
const BACKDATE_SECONDS = 300;

/** How the client proved itself: 0 public client, 1 client secret, 2 certificate (the `appidacr` claim). */
export type ClientAuthMethod = '0' | '1' | '2';

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

export interface TokenSettings {
  /** Fixed access-token lifetime; by default a random 60–90 minutes, as Entra issues them. */
  accessTokenLifetimeSeconds?: number;
}

function rh(): string {
  return `0.${randomBytes(48).toString('base64url')}.`;
}

function uti(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

function aio(): string {
  return randomBytes(60).toString('base64url');
}

/** A stable per-application subject for a user (Entra's `sub` is pairwise). */
function pairwiseSubject(userId: string, appId: string): string {
  return createHash('sha256').update(`${userId}:${appId}`).digest('base64url').slice(0, 43);
}

export function stsIssuer(tenantId: string): string {
  return `https://sts.windows.net/${tenantId}/`;
}

/** `client_info`: base64url (unpadded) JSON naming the user's object ID and home tenant, for MSAL's account cache. */
export function clientInfo(user: User, tenant: Tenant): string {
  return Buffer.from(JSON.stringify({ uid: user.id, utid: tenant.id })).toString('base64url');
}

/** Mints the tokens the authority issues: v1.0 access tokens for Microsoft Graph and v2.0 id tokens. */
export class TokenMinter {
  constructor(
    private readonly keys: SigningKeys,
    private readonly clock: SandboxClock,
    private readonly settings: TokenSettings,
  ) {}

  lifetime(): number {
    return this.settings.accessTokenLifetimeSeconds ?? randomInt(3600, 5401);
  }

  private times(lifetime: number) {
    const now = this.clock.nowSeconds();
    return { iat: now - BACKDATE_SECONDS, nbf: now - BACKDATE_SECONDS, exp: now + lifetime };
  }

  /** An app-only token: `roles` holds the granted application permissions and is left out when none are. */
  async appToken(args: {
    tenant: Tenant;
    client: ServicePrincipal;
    roles: string[];
    authMethod: ClientAuthMethod;
  }): Promise<IssuedToken> {
    const expiresIn = this.lifetime();
    const payload: Record<string, unknown> = {
      aud: MICROSOFT_GRAPH_RESOURCE_URI,
      iss: stsIssuer(args.tenant.id),
      ...this.times(expiresIn),
      aio: aio(),
      app_displayname: args.client.displayName,
      appid: args.client.appId,
      appidacr: args.authMethod,
      idp: stsIssuer(args.tenant.id),
      idtyp: 'app',
      oid: args.client.id,
      rh: rh(),
      ...(args.roles.length > 0 ? { roles: args.roles } : {}),
      sub: args.client.id,
      tenant_region_scope: 'EU',
      tid: args.tenant.id,
      uti: uti(),
      ver: '1.0',
      wids: [APP_ONLY_WIDS],
      xms_tcdt: Math.floor(Date.parse(args.tenant.createdDateTime) / 1000),
    };
    return { token: await this.keys.sign(payload, true), expiresIn };
  }

  /** A delegated token: `scp` holds the delegated permissions granted to the client for this user. */
  async userToken(args: {
    tenant: Tenant;
    application: Application;
    user: User;
    scopes: string[];
    authMethod: ClientAuthMethod;
    amr: AuthMethods;
    sessionId: string;
    authTime: number;
  }): Promise<IssuedToken> {
    const expiresIn = this.lifetime();
    const { tenant, user, application } = args;
    const payload: Record<string, unknown> = {
      aud: MICROSOFT_GRAPH_APP_ID,
      iss: stsIssuer(tenant.id),
      ...this.times(expiresIn),
      acct: 0,
      acr: '1',
      aio: aio(),
      amr: args.amr,
      app_displayname: application.displayName,
      appid: application.appId,
      appidacr: args.authMethod,
      ...(user.surname ? { family_name: user.surname } : {}),
      ...(user.givenName ? { given_name: user.givenName } : {}),
      idtyp: 'user',
      ipaddr: '127.0.0.1',
      name: user.displayName,
      oid: user.id,
      platf: '3',
      puid: createHash('sha1').update(user.id).digest('hex').slice(0, 16).toUpperCase(),
      rh: rh(),
      scp: args.scopes.join(' '),
      sid: args.sessionId,
      sub: pairwiseSubject(user.id, application.appId),
      tenant_region_scope: 'EU',
      tid: tenant.id,
      unique_name: user.userPrincipalName,
      upn: user.userPrincipalName,
      uti: uti(),
      ver: '1.0',
      wids: [...user.directoryRoleIds, DEFAULT_USER_ROLE_ID],
      xms_tcdt: Math.floor(Date.parse(tenant.createdDateTime) / 1000),
    };
    return { token: await this.keys.sign(payload, true), expiresIn };
  }

  /** A v2.0 id token for the client (`aud` = client ID, `iss` = the authority's own tenant issuer). */
  async idToken(args: {
    origin: string;
    tenant: Tenant;
    application: Application;
    user: User;
    nonce: string | null;
    sessionId: string;
    authTime: number;
    includeEmail: boolean;
  }): Promise<string> {
    const { tenant, user } = args;
    const now = this.clock.nowSeconds();
    const payload: Record<string, unknown> = {
      aud: args.application.appId,
      iss: `${args.origin}/${tenant.id}/v2.0`,
      iat: now - BACKDATE_SECONDS,
      nbf: now - BACKDATE_SECONDS,
      exp: now + 3600,
      aio: aio(),
      auth_time: Math.floor(args.authTime / 1000),
      ...(args.includeEmail && user.mail ? { email: user.mail } : {}),
      name: user.displayName,
      ...(args.nonce ? { nonce: args.nonce } : {}),
      oid: user.id,
      preferred_username: user.userPrincipalName,
      rh: rh(),
      sid: args.sessionId,
      sub: pairwiseSubject(user.id, args.application.appId),
      tid: tenant.id,
      uti: uti(),
      ver: '2.0',
    };
    return this.keys.sign(payload, false);
  }
}
