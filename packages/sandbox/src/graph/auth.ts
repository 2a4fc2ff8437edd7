import { importJWK, type JWTPayload, jwtVerify } from 'jose';
import type { SigningKeys } from '../identity/signing-keys.js';
import type { Directory } from '../tenant/directory.js';
import {
  MICROSOFT_GRAPH_APP_ID,
  MICROSOFT_GRAPH_RESOURCE_URI,
  type ServicePrincipal,
  type Tenant,
  type User,
} from '../tenant/model.js';
import { GraphError } from './errors.js';

/** Who is calling Graph, from a verified access token. */
export interface Caller {
  tenant: Tenant;
  appId: string;
  /** The client's service principal in the tenant (absent only if it was deleted after the token was issued). */
  servicePrincipal: ServicePrincipal | undefined;
  kind: 'app' | 'user';
  /** Application permissions (`roles`) of app-only tokens. */
  roles: string[];
  /** Delegated permissions (`scp`) of user tokens. */
  scopes: string[];
  /** The signed-in user of a delegated token. */
  user: User | undefined;
}

const AUDIENCES = [MICROSOFT_GRAPH_RESOURCE_URI, `${MICROSOFT_GRAPH_RESOURCE_URI}/`, MICROSOFT_GRAPH_APP_ID];

/** Graph's 401s carry this challenge. */
const CHALLENGE =
  'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"';

const NOT_WELL_FORMED =
  "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.";

function unauthenticated(message: string, code = 'InvalidAuthenticationToken'): GraphError {
  return new GraphError(401, code, message, { 'www-authenticate': CHALLENGE });
}

/** Verifies bearer tokens the sandbox authority issued for Microsoft Graph: signature, lifetime, audience, tenant. */
export class GraphAuthenticator {
  private key: CryptoKey | Uint8Array | undefined;

  constructor(
    private readonly keys: SigningKeys,
    private readonly directory: Directory,
    private readonly now: () => number,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Caller> {
    if (!authorization?.trim()) throw unauthenticated('Access token is empty.');
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    const token = match?.[1];
    if (!token?.includes('.')) throw unauthenticated(NOT_WELL_FORMED);
    if (token.split('.').length !== 3) throw unauthenticated('CompactToken parsing failed with error code: 80049217');
    this.key ??= await importJWK(this.keys.jwk, 'RS256');
    let claims: JWTPayload;
    try {
      ({ payload: claims } = await jwtVerify(token, this.key, {
        algorithms: ['RS256'],
        currentDate: new Date(this.now()),
        clockTolerance: 300,
      }));
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED') {
        throw unauthenticated('Lifetime validation failed, the token is expired.');
      }
      if (code === 'ERR_JWS_INVALID' || code === 'ERR_JWT_INVALID') {
        throw unauthenticated('CompactToken parsing failed with error code: 80049217');
      }
      throw unauthenticated('Access token validation failure.');
    }
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((a) => a && AUDIENCES.includes(a))) {
      throw unauthenticated('Access token validation failure. Invalid audience.');
    }
    const tid = String(claims.tid ?? '');
    const tenant = this.directory.tenants.get(tid);
    if (!tenant || claims.iss !== `https://sts.windows.net/${tid}/`) {
      throw unauthenticated('Access token validation failure. Invalid issuer.');
    }
    const roles = Array.isArray(claims.roles) ? (claims.roles as string[]) : [];
    const scopes = typeof claims.scp === 'string' ? claims.scp.split(' ').filter(Boolean) : [];
    if (roles.length === 0 && scopes.length === 0) {
      throw unauthenticated('Either scp or roles claim need to be present in the token.', 'AccessDenied');
    }
    const appId = String(claims.appid ?? '');
    const kind = claims.idtyp === 'user' || scopes.length > 0 ? 'user' : 'app';
    const user = kind === 'user' ? tenant.users.get(String(claims.oid)) : undefined;
    if (kind === 'user' && !user) throw unauthenticated('Access token validation failure.');
    return {
      tenant,
      appId,
      servicePrincipal: this.directory.servicePrincipal(tenant, appId),
      kind,
      roles,
      scopes,
      user,
    };
  }
}
