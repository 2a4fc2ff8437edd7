import { Agent } from 'undici';
import type { AuthCloud } from '../auth/authority.js';
import { describeAccessToken } from '../auth/claims.js';
import { ClientCredentialProvider } from '../auth/client-credential-provider.js';
import { FEATURE_CATALOGUE, isSatisfied, type PermissionNeed, requiredPermissions } from '../catalogue/permissions.js';
import { type Feature, looksLikeSecretId } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import { GraphClient } from '../graph/client.js';
import { PROBES, probeFinding } from './probes.js';

export type Severity = 'error' | 'warning' | 'info';

/** One thing the doctor found: a stable code, how bad it is, the feature it concerns, what is wrong and the fix. */
export interface Finding {
  code: string;
  severity: Severity;
  feature: Feature | null;
  message: string;
  fix: string;
}

export interface Check {
  name: string;
  status: 'pass' | 'fail' | 'skipped';
}

export interface DoctorReport {
  ok: boolean;
  checks: Check[];
  findings: Finding[];
}

export interface DoctorInput {
  cloud: AuthCloud;
  tenant: string;
  clientId: string;
  credential: { clientSecret: string } | { certificate: { certificatePem: string; privateKeyPem?: string } };
  features: readonly Feature[];
  /** The user whose mailbox, calendar and presence the live probes read. */
  testUser?: string;
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
  AUTHORITY_UNREACHABLE: 'NETWORK_UNREACHABLE',
  AUTHORITY_UNAVAILABLE: 'NETWORK_UNREACHABLE',
};

/**
 * Runs the doctor's identity and permission checks for an application connection: the credential's shape, a real
 * token request, and the token's roles against the catalogue for the enabled features.
 */
export async function runDoctor(input: DoctorInput): Promise<DoctorReport> {
  const findings: Finding[] = [];
  const checks: Check[] = [];
  const check = (name: string, status: Check['status']) => checks.push({ name, status });

  // Shape first: a GUID is the Secret ID, whatever the identity platform says next.
  const secretIdByShape = 'clientSecret' in input.credential && looksLikeSecretId(input.credential.clientSecret);
  if (secretIdByShape) findings.push(secretIdFinding());
  check('The credential has the shape of a secret Value or a certificate', secretIdByShape ? 'fail' : 'pass');

  let roles: string[];
  let provider: ClientCredentialProvider;
  try {
    provider = new ClientCredentialProvider({
      cloud: input.cloud,
      tenant: input.tenant,
      clientId: input.clientId,
      credential: input.credential,
    });
    const token = await provider.getToken({ forceRefresh: true });
    roles = describeAccessToken(token.token).permissions;
    check('The app gets a token from the tenant', 'pass');
  } catch (err) {
    check('The app gets a token from the tenant', 'fail');
    if (!(err instanceof TenantlinkError)) throw err;
    const code = TOKEN_FINDINGS[err.code] ?? 'TOKEN_REQUEST_FAILED';
    // The shape check already said it; Microsoft's answer (a wrong secret) confirms it.
    if (!(secretIdByShape && (code === 'SECRET_INVALID' || code === 'SECRET_IS_SECRET_ID')))
      findings.push(fromError(code, err));
    check('The token grants what the features need', 'skipped');
    return report(checks, findings);
  }

  const { permissions } = requiredPermissions(input.features, 'application');
  if (roles.length === 0) {
    findings.push({
      code: 'CONSENT_MISSING',
      severity: 'error',
      feature: null,
      message: 'The token grants no application permission: admin consent was not granted in this tenant.',
      fix:
        'In the Microsoft Entra admin center, open App registrations > this app > API permissions and select ' +
        `Grant admin consent for your organization (needed: ${permissions.map((p) => p.permission).join(', ')}).`,
    });
  } else {
    for (const p of permissions) {
      if (isSatisfied(p, roles)) continue;
      for (const feature of p.features)
        findings.push({
          code: 'PERMISSION_MISSING',
          severity: 'error',
          feature,
          message: `${p.permission} (application) is not granted; ${feature} needs it to ${p.why}.`,
          fix:
            `In API permissions, select Add a permission > Microsoft Graph > Application permissions > ${p.permission}, ` +
            'then Grant admin consent for your organization.',
        });
    }
    for (const granted of roles) {
      if (isNeeded(granted, input.features)) continue;
      findings.push({
        code: 'PERMISSION_EXCESSIVE',
        severity: 'info',
        feature: null,
        message: `${granted} is granted, but no enabled feature needs it.`,
        fix: `Remove ${granted} in API permissions (select … > Remove permission), unless another product uses this app.`,
      });
    }
  }
  check(
    'The token grants what the features need',
    findings.some((f) => f.code === 'PERMISSION_MISSING' || f.code === 'CONSENT_MISSING') ? 'fail' : 'pass',
  );
  await runProbes(input, provider, findings, check);
  return report(checks, findings);
}

/** One live call per enabled feature whose permissions are granted; a feature already failing is not probed. */
async function runProbes(
  input: DoctorInput,
  provider: ClientCredentialProvider,
  findings: Finding[],
  check: (name: string, status: Check['status']) => void,
): Promise<void> {
  const dispatcher = input.cloud.caCertPem ? new Agent({ connect: { ca: input.cloud.caCertPem } }) : undefined;
  const graph = new GraphClient({
    graphEndpoint: input.cloud.graphEndpoint,
    getToken: async (opts) => (await provider.getToken(opts)).token,
    maxRetries: 2,
    ...(dispatcher ? { dispatcher } : {}),
  });
  const blocked = (feature: Feature) =>
    findings.some((f) => f.code === 'CONSENT_MISSING' || (f.code === 'PERMISSION_MISSING' && f.feature === feature));
  const warnedNoTestUser = new Set<Feature>();
  try {
    for (const probe of PROBES) {
      if (!input.features.includes(probe.feature)) continue;
      if (blocked(probe.feature)) {
        check(probe.name, 'skipped');
        continue;
      }
      if (probe.needsTestUser && !input.testUser) {
        check(probe.name, 'skipped');
        // Only a feature that cannot be tried at all without a test user is worth a warning.
        const triedWithout = PROBES.some((p) => p.feature === probe.feature && !p.needsTestUser);
        if (!triedWithout && !warnedNoTestUser.has(probe.feature)) {
          warnedNoTestUser.add(probe.feature);
          findings.push({
            code: 'TEST_USER_MISSING',
            severity: 'warning',
            feature: probe.feature,
            message: `${probe.feature} was not tried on a real mailbox or calendar: no test user was given.`,
            fix: 'Run the doctor again with --test-user <user principal name of a licensed user>.',
          });
        }
        continue;
      }
      try {
        await probe.run({ graph, testUser: input.testUser ?? '' });
        check(probe.name, 'pass');
      } catch (err) {
        if (!(err instanceof TenantlinkError)) throw err;
        check(probe.name, 'fail');
        findings.push(probeFinding(probe, err, input.testUser));
      }
    }
  } finally {
    await dispatcher?.close();
  }
}

/** Whether a granted permission is one the features need, or a higher one that satisfies a need. */
function isNeeded(granted: string, features: readonly Feature[]): boolean {
  const needs: PermissionNeed[] = FEATURE_CATALOGUE.filter((e) => features.includes(e.feature)).flatMap(
    (e) => e.application ?? [],
  );
  return needs.some((n) => n.permission === granted || n.alsoSatisfiedBy.includes(granted));
}

function report(checks: Check[], findings: Finding[]): DoctorReport {
  return { ok: !findings.some((f) => f.severity === 'error'), checks, findings };
}

function secretIdFinding(): Finding {
  return {
    code: 'SECRET_IS_SECRET_ID',
    severity: 'error',
    feature: null,
    message: 'The client secret is a GUID: that is the Secret ID, not the secret.',
    fix:
      'In Certificates & secrets, the secret is the Value column, shown only right after New client secret. ' +
      'If it is no longer shown, add a new client secret and copy its Value.',
  };
}

function fromError(code: string, err: TenantlinkError): Finding {
  const microsoft = err.microsoftCode ? ` (${err.microsoftCode})` : '';
  return {
    code,
    severity: 'error',
    feature: null,
    message: `${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft above.',
  };
}
