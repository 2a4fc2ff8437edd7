import { AuthError, ServerError } from '@azure/msal-node';
import { type Diagnosis, TenantlinkError } from '../errors.js';
import type { AuthorityWireFailures } from './network-client.js';

/** What the mapper may know about the attempt; none of it ends up in the error except names and IDs. */
export interface TokenErrorContext {
  tenant: string;
  clientId: string;
  /** Used only to tell a pasted Secret ID (a GUID) from a wrong value; never copied into the error. */
  sentSecret?: string;
  /** Wire failures the network client saw (MSAL reports them all as `endpoints_resolution_error`). */
  wire?: AuthorityWireFailures;
}

interface AadFailure {
  errorNo: number | undefined;
  error: string;
  subError: string;
  status: number | undefined;
  description: string | undefined;
  requestId: string | undefined;
  correlationId: string | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** TLS codes Node reports when the authority's certificate is not trusted or does not match. */
const TLS_CODES =
  /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_.*)$/;

/** AADSTS numbers → stable codes and what to tell the administrator, in the Azure portal's words. */
function diagnoseAadsts(errorNo: number, ctx: TokenErrorContext): { code: string; diagnosis: Diagnosis } | undefined {
  const app = `the app registration with Application (client) ID ${ctx.clientId}`;
  switch (errorNo) {
    case 7000215:
      if (ctx.sentSecret !== undefined && GUID.test(ctx.sentSecret.trim()))
        return {
          code: 'SECRET_IS_SECRET_ID',
          diagnosis: {
            meaning: 'The client secret sent is a Secret ID (a GUID), not the secret itself.',
            fix: 'You pasted the Secret ID; copy the Value from Certificates & secrets. If the Value is no longer shown, create a New client secret and copy its Value right away.',
          },
        };
      return {
        code: 'SECRET_INVALID',
        diagnosis: {
          meaning: `The client secret does not match any secret of ${app}.`,
          fix: 'In the Azure portal open App registrations > your app > Certificates & secrets, create a New client secret, and copy its Value (not the Secret ID).',
        },
      };
    case 7000222:
      return {
        code: 'SECRET_EXPIRED',
        diagnosis: {
          meaning: `The client secret of ${app} has expired.`,
          fix: 'In App registrations > your app > Certificates & secrets, create a New client secret and enter its Value here; then delete the expired one.',
        },
      };
    case 700016:
      return {
        code: 'APP_NOT_FOUND',
        diagnosis: {
          meaning: `No application with ID ${ctx.clientId} exists in tenant ${ctx.tenant}: the tenant ID is wrong, or a multi-tenant app was never consented to there.`,
          fix: "Check the Directory (tenant) ID and Application (client) ID on the app's Overview page. For a multi-tenant app, an administrator of the tenant must first grant admin consent.",
        },
      };
    case 90002:
    case 900023:
      return {
        code: 'TENANT_NOT_FOUND',
        diagnosis: {
          meaning: `The tenant '${ctx.tenant}' does not exist in this cloud.`,
          fix: 'Copy the Directory (tenant) ID from Microsoft Entra ID > Overview (or use a verified domain such as contoso.onmicrosoft.com), and check that the tenant is in the cloud selected (global, US Government, China).',
        },
      };
    case 90038:
      return {
        code: 'TENANT_IN_OTHER_CLOUD',
        diagnosis: {
          meaning: `The tenant '${ctx.tenant}' lives in a different national cloud.`,
          fix: 'Choose the cloud the tenant belongs to (global, US Government or China) for this connection.',
        },
      };
    case 7000112:
      return {
        code: 'APP_DISABLED',
        diagnosis: {
          meaning: `${app} is disabled in tenant ${ctx.tenant}.`,
          fix: 'In Microsoft Entra ID > Enterprise applications > your app > Properties, set "Enabled for users to sign-in?" to Yes.',
        },
      };
    case 65001:
      return {
        code: 'CONSENT_MISSING',
        diagnosis: {
          meaning: 'The permissions asked for have not been consented to in this tenant.',
          fix: `In App registrations > your app > API permissions, select "Grant admin consent for ${ctx.tenant}".`,
        },
      };
    case 700027:
    case 700024:
    case 50048:
      return {
        code: 'CERTIFICATE_INVALID',
        diagnosis: {
          meaning:
            errorNo === 700024
              ? "The signed client assertion is outside its valid time range (check this machine's clock)."
              : `The certificate used is not one of ${app}'s certificates (or its key does not match).`,
          fix: 'In App registrations > your app > Certificates & secrets > Certificates, upload the certificate (.cer/.pem) whose private key tenantlink holds, and compare its thumbprint.',
        },
      };
    case 1002012:
    case 70011:
    case 500011:
      return {
        code: 'INVALID_SCOPE',
        diagnosis: {
          meaning: 'The scope asked for is not valid for this flow or this cloud.',
          fix: 'App-only tokens need "<Graph endpoint>/.default"; check that the connection\'s cloud matches the tenant.',
        },
      };
    case 50076:
    case 50079:
      return {
        code: 'MFA_REQUIRED',
        diagnosis: {
          meaning: 'The signed-in user must complete multi-factor authentication.',
          fix: 'Sign in again interactively so the user can complete MFA ("Sign in again" on the connection\'s page in the console, tenantlink connections sign-in <connection>, or the connect flow the connection came from); refresh tokens obtained without MFA no longer work.',
        },
      };
    case 53003:
      return {
        code: 'BLOCKED_BY_CONDITIONAL_ACCESS',
        diagnosis: {
          meaning: 'A Conditional Access policy in the tenant blocks token issuance for this sign-in.',
          fix: 'In Microsoft Entra ID > Security > Conditional Access, review the sign-in logs for this app and exclude it or the service account from the blocking policy.',
        },
      };
    case 700082:
    case 70008:
      return {
        code: 'REFRESH_TOKEN_EXPIRED',
        diagnosis: {
          meaning: 'The stored refresh token expired because it was not used for 90 days.',
          fix: 'Sign in again for a new refresh token: "Sign in again" on the connection\'s page in the console, tenantlink connections sign-in <connection>, or the connect flow the connection came from.',
        },
      };
    case 50173:
      return {
        code: 'REFRESH_TOKEN_REVOKED',
        diagnosis: {
          meaning: "The stored refresh token was revoked: the user's sessions were revoked or the password changed.",
          fix: 'Sign in again for a new refresh token: "Sign in again" on the connection\'s page in the console, tenantlink connections sign-in <connection>, or the connect flow the connection came from.',
        },
      };
    case 50057:
      return {
        code: 'USER_DISABLED',
        diagnosis: {
          meaning: 'The signed-in user account is disabled.',
          fix: 'Enable the account in Microsoft Entra ID > Users, or reconnect with another account.',
        },
      };
    case 50126:
      return {
        code: 'INVALID_USER_CREDENTIALS',
        diagnosis: { meaning: 'The user name or password is wrong.', fix: 'Sign in again with the right password.' },
      };
    case 7000218:
    case 7000216:
      return {
        code: 'CREDENTIAL_MISSING',
        diagnosis: {
          meaning: 'The app requires a client secret or certificate, and none was sent.',
          fix: 'Add the client secret Value or a certificate to the connection, or turn on "Allow public client flows" in App registrations > your app > Authentication.',
        },
      };
    default:
      return undefined;
  }
}

/** Reads what Microsoft said from MSAL's error, or from the discovery answer MSAL hid. */
function aadFailure(err: unknown, wire: AuthorityWireFailures | undefined): AadFailure | undefined {
  if (err instanceof ServerError || (err instanceof AuthError && 'errorNo' in err)) {
    const e = err as ServerError;
    const text = e.errorMessage ?? '';
    const description = /(AADSTS\d+: [\s\S]*?)(?:\r?\nTrace ID|$)/.exec(text)?.[1]?.trim();
    const errorNo = Number(e.errorNo ?? /AADSTS(\d+)/.exec(text)?.[1]);
    return {
      errorNo: Number.isFinite(errorNo) ? errorNo : undefined,
      error: e.errorCode,
      subError: e.subError,
      status: e.status,
      description,
      requestId: /Trace ID: ([0-9a-f-]{36})/i.exec(text)?.[1],
      correlationId: e.correlationId || undefined,
    };
  }
  const discovery = wire?.discovery;
  if (err instanceof AuthError && discovery) {
    const body = (discovery.body ?? {}) as {
      error?: string;
      error_description?: string;
      error_codes?: number[];
      trace_id?: string;
      correlation_id?: string;
    };
    return {
      errorNo: body.error_codes?.[0],
      error: body.error ?? 'discovery_failed',
      subError: '',
      status: discovery.status,
      description: body.error_description?.split(/\r?\nTrace ID/)[0],
      requestId: body.trace_id,
      correlationId: body.correlation_id,
    };
  }
  return undefined;
}

function transportFailure(err: unknown, wire: AuthorityWireFailures | undefined): TenantlinkError | undefined {
  const transport = wire?.transport ?? (err instanceof AuthError ? undefined : err);
  if (!transport) {
    if (err instanceof AuthError && /network_error|endpoints_resolution_error|openid_config_error/.test(err.errorCode))
      return new TenantlinkError('AUTHORITY_UNREACHABLE', 'The Microsoft identity platform could not be reached.', {
        diagnosis: {
          meaning: "tenantlink could not read the authority's configuration (network, proxy or TLS).",
          fix: "Check that this machine can reach the login host of the connection's cloud over HTTPS (firewall, proxy, DNS).",
        },
        cause: err,
      });
    return undefined;
  }
  const cause = (transport as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (transport as { code?: string }).code;
  const tls = code !== undefined && TLS_CODES.test(code);
  return new TenantlinkError(
    'AUTHORITY_UNREACHABLE',
    tls
      ? `The identity platform's TLS certificate is not trusted (${code}).`
      : `The Microsoft identity platform could not be reached${code ? ` (${code})` : ''}.`,
    {
      diagnosis: tls
        ? {
            meaning:
              'The HTTPS certificate of the login host is not trusted by this machine (often a TLS-inspecting proxy).',
            fix: "Add the proxy's or cloud's CA certificate (NODE_EXTRA_CA_CERTS, or the custom cloud's CA), then retry.",
          }
        : {
            meaning: 'The connection to the login host failed (DNS, firewall, proxy or outage).',
            fix: "Check that this machine can reach the cloud's login host over HTTPS on port 443.",
          },
      cause: new Error(cause?.message ?? (transport as Error).message ?? 'network failure'),
    },
  );
}

/**
 * Turns whatever MSAL (or the wire) raised into a TenantlinkError with a stable code. Microsoft's message is kept
 * (AADSTS texts name apps and tenants, never secrets); the secret and tokens are never included.
 */
export function toTokenError(err: unknown, ctx: TokenErrorContext): TenantlinkError {
  if (err instanceof TenantlinkError) return err;
  const aad = aadFailure(err, ctx.wire);
  if (aad) {
    const known = aad.errorNo !== undefined ? diagnoseAadsts(aad.errorNo, ctx) : undefined;
    const code = known?.code ?? fallbackCode(aad);
    const microsoftCode = aad.errorNo !== undefined ? `AADSTS${aad.errorNo}` : undefined;
    return new TenantlinkError(
      code,
      `${known?.diagnosis.meaning ?? 'The identity platform refused the token request.'}${microsoftCode ? ` (${microsoftCode})` : ''}`,
      {
        ...(aad.status !== undefined ? { status: aad.status } : {}),
        ...(microsoftCode ? { microsoftCode } : {}),
        ...(aad.description ? { microsoftMessage: aad.description } : {}),
        ...((aad.requestId ?? aad.correlationId) ? { requestId: (aad.requestId ?? aad.correlationId)! } : {}),
        ...(known ? { diagnosis: known.diagnosis } : {}),
      },
    );
  }
  const transport = transportFailure(err, ctx.wire);
  if (transport) return transport;
  const authError = err instanceof AuthError ? err : undefined;
  return new TenantlinkError(
    'TOKEN_REQUEST_FAILED',
    `The token request failed${authError ? ` (${authError.errorCode})` : ''}.`,
    authError?.correlationId ? { requestId: authError.correlationId } : {},
  );
}

/** Stable codes for OAuth errors without a known AADSTS number. */
function fallbackCode(aad: AadFailure): string {
  if (aad.error === 'invalid_grant' && aad.subError === 'consent_required') return 'CONSENT_MISSING';
  if (aad.error === 'invalid_grant') return 'REFRESH_TOKEN_INVALID';
  if (aad.error === 'invalid_client') return 'CLIENT_CREDENTIAL_INVALID';
  if (aad.error === 'interaction_required') return 'INTERACTION_REQUIRED';
  if (aad.error === 'temporarily_unavailable' || (aad.status ?? 0) >= 500) return 'AUTHORITY_UNAVAILABLE';
  return 'TOKEN_REQUEST_FAILED';
}
