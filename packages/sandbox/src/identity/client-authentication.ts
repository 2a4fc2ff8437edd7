import { X509Certificate } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, type ProtectedHeaderParameters } from 'jose';
import { sha256Base64 } from '../tenant/directory.js';
import type { Application, KeyCredential } from '../tenant/model.js';
import { aadsts, entraDateTime } from './aadsts.js';
import type { IdentityContext } from './context.js';
import type { ClientAuthMethod } from './tokens.js';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Assertions are accepted this far outside their window, for clock skew. */
const ASSERTION_SKEW_SECONDS = 300;

export interface ClientCredentialInput {
  clientSecret?: string | undefined;
  clientAssertion?: string | undefined;
  clientAssertionType?: string | undefined;
}

export interface AuthenticateOptions {
  /** The grant being redeemed; client_credentials fails with its own code when no credential is sent. */
  grantType: string;
  /** Public clients (device code, public-client redirect URIs) need no credential. */
  publicClientAllowed: boolean;
  /** The authority's origin: a client assertion's `aud` must be one of its token endpoints. */
  origin: string;
}

/** An assertion time claim in Entra's message form; a missing one reads as the epoch. */
function entraIso(seconds: number | undefined): string {
  return entraDateTime((seconds ?? 0) * 1000);
}

function usDate(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

function thumbprintHex(header: ProtectedHeaderParameters): string {
  const value = (header['x5t#S256'] as string | undefined) ?? header.x5t ?? '';
  return Buffer.from(value, 'base64url').toString('hex').toUpperCase();
}

function findKey(application: Application, header: ProtectedHeaderParameters): KeyCredential | undefined {
  const s256 = header['x5t#S256'] as string | undefined;
  return application.keyCredentials.find((k) => (s256 ? k.x5tS256 === s256 : header.x5t && k.x5t === header.x5t));
}

/**
 * Checks how the client proves it is the application: a client secret (form or HTTP Basic), a certificate-signed
 * client assertion, or nothing for public clients. Returns the `appidacr` value of the tokens to issue.
 */
export async function authenticateClient(
  ctx: IdentityContext,
  application: Application,
  input: ClientCredentialInput,
  options: AuthenticateOptions,
): Promise<ClientAuthMethod> {
  const now = ctx.clock.now();
  if (input.clientAssertion !== undefined) {
    if (input.clientAssertionType !== JWT_BEARER_ASSERTION) {
      throw aadsts('missingParameter', { name: 'client_assertion_type' });
    }
    await verifyAssertion(ctx, application, input.clientAssertion, options.origin);
    return '2';
  }
  if (input.clientSecret !== undefined) {
    const hash = sha256Base64(input.clientSecret);
    const matching = application.passwordCredentials.filter((c) => c.valueSha256 === hash);
    if (matching.length === 0) throw aadsts('invalidClientSecret', { appId: application.appId });
    const valid = matching.some((c) => Date.parse(c.endDateTime) > now && Date.parse(c.startDateTime) <= now + 300_000);
    if (!valid) throw aadsts('expiredClientSecret', { appId: application.appId });
    return '1';
  }
  if (options.publicClientAllowed) return '0';
  if (options.grantType === 'client_credentials') throw aadsts('clientCredentialsNeedCredential');
  throw aadsts('missingClientCredential');
}

async function verifyAssertion(
  ctx: IdentityContext,
  application: Application,
  assertion: string,
  origin: string,
): Promise<void> {
  let header: ProtectedHeaderParameters;
  let claims: ReturnType<typeof decodeJwt>;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw aadsts('assertionInvalid');
  }
  const key = findKey(application, header);
  const nowMs = ctx.clock.now();
  const usable =
    key &&
    Date.parse(key.endDateTime) >= nowMs &&
    Date.parse(key.startDateTime) <= nowMs + ASSERTION_SKEW_SECONDS * 1000;
  if (!key || !usable) {
    throw aadsts('assertionKeyNotFound', { thumbprint: thumbprintHex(header), appId: application.appId });
  }
  if (header.alg !== 'RS256' && header.alg !== 'PS256') {
    throw aadsts('assertionInvalid', { reason: `Unsupported signing algorithm '${String(header.alg)}'.` });
  }
  try {
    await compactVerify(assertion, new X509Certificate(key.certificatePem).publicKey, {
      algorithms: ['RS256', 'PS256'],
    });
  } catch {
    throw aadsts('assertionBadSignature', {
      thumbprint: thumbprintHex(header),
      start: usDate(key.startDateTime),
      end: usDate(key.endDateTime),
    });
  }
  if (claims.sub !== claims.iss) throw aadsts('assertionSubjectMismatch');
  if (String(claims.iss).toLowerCase() !== application.appId.toLowerCase()) {
    throw aadsts('applicationNotFound', { appId: String(claims.iss), tenant: application.homeTenantId });
  }
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const tokenEndpoint = new RegExp(
    `^${origin.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^/]+/oauth2/(v2\\.0/)?token/?$`,
    'i',
  );
  if (!audiences.some((a) => typeof a === 'string' && tokenEndpoint.test(a))) throw aadsts('assertionAudienceMismatch');
  const now = Math.floor(nowMs / 1000);
  const tooEarly = claims.nbf !== undefined && claims.nbf > now + ASSERTION_SKEW_SECONDS;
  const expired = claims.exp === undefined || claims.exp < now - ASSERTION_SKEW_SECONDS;
  if (tooEarly || expired) {
    throw aadsts('assertionOutOfRange', {
      now: entraIso(now),
      nbf: entraIso(claims.nbf),
      exp: entraIso(claims.exp),
    });
  }
}
