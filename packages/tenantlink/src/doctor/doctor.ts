import { Agent } from 'undici';
import type { AuthCloud } from '../auth/authority.js';
import { describeAccessToken } from '../auth/claims.js';
import { type ClientCredential, ClientCredentialProvider } from '../auth/client-credential-provider.js';
import { DelegatedRefreshTokenProvider, type RefreshTokenStore } from '../auth/delegated-refresh-token-provider.js';
import type { TokenProvider } from '../auth/token-provider.js';
import type { PermissionType } from '../catalogue/permissions.js';
import { type Feature, looksLikeSecretId } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import { permissionForRoute } from '../features/index.js';
import { GraphClient } from '../graph/client.js';
import {
  CAN_READ_REGISTRATION,
  certificateExpiry,
  expiryFinding,
  registeredSecretExpiry,
} from './credential-expiry.js';
import { type DoctorReport, DoctorRun, errorFinding, secretIdFinding, TOKEN_CHECK } from './findings.js';
import { grantFindings } from './permission-checks.js';
import { runProbes } from './probes.js';

export type { Check, DoctorReport, Finding, Severity } from './findings.js';

/** A delegated connection's stored sign-in, and the web app's own secret when it is a confidential app. */
export interface DelegatedDoctorCredential {
  delegated: { refreshTokenStore: RefreshTokenStore; clientCredential?: { clientSecret: string } };
}

export interface DoctorInput {
  cloud: AuthCloud;
  tenant: string;
  clientId: string;
  credential: ClientCredential | DelegatedDoctorCredential;
  features: readonly Feature[];
  /** The user whose mailbox, calendar and presence the live probes read (a delegated connection's own user by default). */
  testUser?: string;
  /** The user whose OneDrive the files probe writes its test file to. */
  serviceAccount?: string;
  /** When the client secret expires, as recorded when it was added (ISO 8601). */
  secretExpiresAt?: string;
  /** The time the expiry checks compare with (tests). */
  now?: Date;
}

/** Token failures that are findings in their own right, under the code the doctor documents. */
const TOKEN_FINDINGS: Record<string, string> = {
  TENANT_NOT_FOUND: 'TENANT_NOT_FOUND',
  TENANT_IN_OTHER_CLOUD: 'TENANT_NOT_FOUND',
  APP_NOT_FOUND: 'APP_NOT_FOUND',
  SECRET_INVALID: 'SECRET_INVALID',
  SECRET_IS_SECRET_ID: 'SECRET_IS_SECRET_ID',
  SECRET_EXPIRED: 'SECRET_EXPIRED',
  CERTIFICATE_INVALID: 'CERTIFICATE_INVALID',
  CERTIFICATE_UNREADABLE: 'CERTIFICATE_INVALID',
  CERTIFICATE_KEY_MISMATCH: 'CERTIFICATE_INVALID',
  APP_DISABLED: 'APP_DISABLED',
  CONSENT_MISSING: 'CONSENT_MISSING',
  BLOCKED_BY_CONDITIONAL_ACCESS: 'INTERACTION_REQUIRED',
  MFA_REQUIRED: 'INTERACTION_REQUIRED',
  INTERACTION_REQUIRED: 'INTERACTION_REQUIRED',
  REFRESH_TOKEN_EXPIRED: 'REFRESH_TOKEN_EXPIRED',
  REFRESH_TOKEN_REVOKED: 'REFRESH_TOKEN_REVOKED',
  REFRESH_TOKEN_INVALID: 'REFRESH_TOKEN_EXPIRED',
  REFRESH_TOKEN_MISSING: 'REFRESH_TOKEN_MISSING',
  USER_DISABLED: 'USER_DISABLED',
  CREDENTIAL_MISSING: 'SECRET_INVALID',
  AUTHORITY_UNREACHABLE: 'NETWORK_UNREACHABLE',
  AUTHORITY_UNAVAILABLE: 'NETWORK_UNREACHABLE',
};

const GRANTS_CHECK = 'The token grants what the features need';

/**
 * Checks a connection's setup the way its use would meet it: the credential's shape, a real token request, the
 * token's permissions against the catalogue, when the credential expires, then one live probe per enabled feature.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const run = new DoctorRun();
  const now = input.now ?? new Date();
  const delegated = 'delegated' in input.credential ? input.credential.delegated : undefined;
  const appCredential = delegated ? undefined : (input.credential as ClientCredential);
  const type: PermissionType = delegated ? 'delegated' : 'application';

  // Shape first: a GUID is the Secret ID, whatever the identity platform says next.
  const secret = appCredential && 'clientSecret' in appCredential ? appCredential.clientSecret : undefined;
  const secretIdByShape = secret !== undefined && looksLikeSecretId(secret);
  if (secretIdByShape) run.add(secretIdFinding());
  if (appCredential)
    run.check('The credential has the shape of a secret Value or a certificate', secretIdByShape ? 'fail' : 'pass');

  const dispatcher = input.cloud.caCertPem ? new Agent({ connect: { ca: input.cloud.caCertPem } }) : undefined;
  try {
    const base = { cloud: input.cloud, tenant: input.tenant, clientId: input.clientId };
    let provider: TokenProvider;
    let claims: ReturnType<typeof describeAccessToken>;
    try {
      provider = delegated
        ? new DelegatedRefreshTokenProvider({
            ...base,
            ...(delegated.clientCredential ? { credential: delegated.clientCredential } : {}),
            refreshTokenStore: delegated.refreshTokenStore,
          })
        : new ClientCredentialProvider({ ...base, credential: appCredential! });
      claims = describeAccessToken((await provider.getToken({ forceRefresh: true })).token);
      run.check(TOKEN_CHECK, 'pass');
    } catch (err) {
      run.check(TOKEN_CHECK, 'fail');
      if (!(err instanceof TenantlinkError)) throw err;
      const code = TOKEN_FINDINGS[err.code] ?? 'TOKEN_REQUEST_FAILED';
      // The shape check already said it; Microsoft's answer (a wrong secret) confirms it.
      if (!(secretIdByShape && (code === 'SECRET_INVALID' || code === 'SECRET_IS_SECRET_ID')))
        run.add(errorFinding(code, err));
      run.check(GRANTS_CHECK, 'skipped');
      return run.report();
    }

    const graph = new GraphClient({
      graphEndpoint: input.cloud.graphEndpoint,
      getToken: async (opts) => (await provider.getToken(opts)).token,
      maxRetries: 2,
      permissionFor: permissionForRoute,
      ...(dispatcher ? { dispatcher } : {}),
    });
    const granted = claims.permissions;
    const firstPass = grantFindings({ type, granted, features: input.features });
    const somethingMissing = firstPass.some((f) => f.code === 'PERMISSION_MISSING' || f.code === 'CONSENT_MISSING');
    const grantedAsOtherType = somethingMissing
      ? await otherTypeGrants({ input, granted, graph, delegated, base })
      : undefined;
    run.add(
      ...(grantedAsOtherType
        ? grantFindings({ type, granted, features: input.features, grantedAsOtherType })
        : firstPass),
    );
    run.check(
      GRANTS_CHECK,
      run.has((f) => ['PERMISSION_MISSING', 'CONSENT_MISSING', 'WRONG_PERMISSION_TYPE'].includes(f.code))
        ? 'fail'
        : 'pass',
    );

    await checkExpiry(run, { input, appCredential, granted, graph, now });

    const signedIn =
      delegated && claims.claims.upn ? { upn: String(claims.claims.upn), id: claims.claims.oid } : undefined;
    await runProbes(run, {
      graph,
      features: input.features,
      testUser: input.testUser ?? signedIn?.upn,
      serviceAccount: input.serviceAccount ?? signedIn?.upn,
      knownUserIds: signedIn?.id ? { [signedIn.upn.toLowerCase()]: String(signedIn.id) } : {},
    });
    return run.report();
  } finally {
    await dispatcher?.close();
  }
}

/**
 * What the app holds as the other permission type, when it can be found out: a confidential delegated app asks for
 * an app-only token and reads its roles; an application connection that may read service principals reads its
 * delegated grants. Undefined when it cannot be known.
 */
async function otherTypeGrants(ctx: {
  input: DoctorInput;
  granted: readonly string[];
  graph: GraphClient;
  delegated: DelegatedDoctorCredential['delegated'] | undefined;
  base: { cloud: AuthCloud; tenant: string; clientId: string };
}): Promise<string[] | undefined> {
  try {
    if (ctx.delegated) {
      if (!ctx.delegated.clientCredential) return undefined;
      const appOnly = new ClientCredentialProvider({ ...ctx.base, credential: ctx.delegated.clientCredential });
      return describeAccessToken((await appOnly.getToken()).token).permissions;
    }
    if (!ctx.granted.some((g) => CAN_READ_REGISTRATION.includes(g))) return undefined;
    const id = ctx.input.clientId.replace(/'/g, "''");
    const sps = await ctx.graph.get<{ value: { id: string }[] }>('/servicePrincipals', {
      query: { $filter: `appId eq '${id}'` },
      select: ['id'],
      permission: 'Application.Read.All',
    });
    const sp = sps.value[0];
    if (!sp) return undefined;
    const grants = await ctx.graph.get<{ value: { scope?: string }[] }>(
      `/servicePrincipals/${sp.id}/oauth2PermissionGrants`,
      { permission: 'Directory.Read.All' },
    );
    return grants.value.flatMap((g) => (g.scope ?? '').split(' ').filter(Boolean));
  } catch (err) {
    if (err instanceof TenantlinkError) return undefined;
    throw err;
  }
}

/** SECRET_EXPIRES_SOON from the certificate itself, the recorded expiry, or the registration when it is readable. */
async function checkExpiry(
  run: DoctorRun,
  ctx: {
    input: DoctorInput;
    appCredential: ClientCredential | undefined;
    granted: readonly string[];
    graph: GraphClient;
    now: Date;
  },
): Promise<void> {
  const { appCredential, now } = ctx;
  if (!appCredential) return;
  const name = 'The credential does not expire within 30 days';
  let expiresAt: Date | undefined;
  let source = '';
  if ('certificate' in appCredential) {
    expiresAt = certificateExpiry(appCredential.certificate.certificatePem);
    source = 'as the certificate says';
  } else if (ctx.input.secretExpiresAt) {
    expiresAt = new Date(ctx.input.secretExpiresAt);
    source = 'as recorded when it was added';
  } else if (ctx.granted.some((g) => CAN_READ_REGISTRATION.includes(g))) {
    try {
      expiresAt = await registeredSecretExpiry(ctx.graph, ctx.input.clientId, appCredential.clientSecret);
      source = "as the app's registration says";
    } catch (err) {
      if (!(err instanceof TenantlinkError)) throw err;
    }
  }
  if (!expiresAt || Number.isNaN(expiresAt.getTime())) {
    run.check(name, 'skipped');
    return;
  }
  const finding = expiryFinding(appCredential, expiresAt, now, source);
  if (finding) run.add(finding);
  run.check(name, finding ? 'fail' : 'pass');
}
