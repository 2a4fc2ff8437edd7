import { TenantlinkError } from '../errors.js';
import type { Probe, ProbeContext } from '../features/feature.js';
import { allProbes, type Feature } from '../features/index.js';
import type { DoctorRun, Finding } from './findings.js';

export type { ProbeContext };

type Who = NonNullable<Probe['needs']>;
type FeatureProbe = Probe & { feature: Feature };

/** Graph failures a probe can meet, under the codes the doctor documents. */
const PROBE_FINDINGS: Record<string, string> = {
  MAILBOX_NOT_FOUND: 'MAILBOX_NOT_FOUND',
  MAILBOX_ACCESS_DENIED_BY_POLICY: 'MAILBOX_ACCESS_DENIED_BY_POLICY',
  PREMIUM_LICENSE_REQUIRED: 'PREMIUM_LICENSE_REQUIRED',
  ONEDRIVE_NOT_PROVISIONED: 'ONEDRIVE_NOT_PROVISIONED',
  SHARING_DISABLED: 'SHARING_DISABLED',
  PERMISSION_MISSING: 'PERMISSION_MISSING',
  CONSENT_MISSING: 'PERMISSION_MISSING',
  NETWORK_ERROR: 'NETWORK_UNREACHABLE',
  TEST_USER_ID_NEEDED: 'TEST_USER_ID_NEEDED',
};
const WARNINGS = new Set(['TEST_USER_ID_NEEDED']);

/** The finding for a probe that failed. A user-addressed probe answered 404 means that user does not exist. */
export function probeFinding(probe: FeatureProbe, err: TenantlinkError, who: string | undefined): Finding {
  const code =
    err.code === 'NOT_FOUND' && probe.needs ? 'USER_NOT_FOUND' : (PROBE_FINDINGS[err.code] ?? 'PROBE_FAILED');
  if (code === 'USER_NOT_FOUND')
    return {
      code,
      severity: 'error',
      feature: probe.feature,
      message: `The ${probe.needs === 'serviceAccount' ? 'service account' : 'test user'} ${who} does not exist in this tenant.`,
      fix: 'Give the user principal name of an existing, licensed user (Users > All users in the Microsoft Entra admin center).',
    };
  const microsoft = err.microsoftCode
    ? ` Microsoft says: ${err.microsoftCode}${err.microsoftMessage ? ` ${err.microsoftMessage}` : ''}`
    : '';
  return {
    code,
    severity: WARNINGS.has(code) ? 'warning' : 'error',
    feature: probe.feature,
    message: `${probe.name} failed: ${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft.',
  };
}

const MISSING_USER: Record<Who, { code: string; flag: string; what: string }> = {
  testUser: { code: 'TEST_USER_MISSING', flag: '--test-user', what: 'a real mailbox, calendar or presence' },
  serviceAccount: { code: 'SERVICE_ACCOUNT_MISSING', flag: '--service-account', what: "a real user's OneDrive" },
};

/**
 * One live call per enabled feature whose permissions are granted. A feature already failing on permissions is not
 * probed, and once one of a feature's probes fails its later probes are skipped (they depend on it).
 */
export async function runProbes(run: DoctorRun, ctx: ProbeContext): Promise<void> {
  const blocked = (feature: Feature) =>
    run.has(
      (f) =>
        f.code === 'CONSENT_MISSING' ||
        ((f.code === 'PERMISSION_MISSING' || f.code === 'WRONG_PERMISSION_TYPE') && f.feature === feature),
    );
  const failed = new Set<Feature>();
  const warned = new Set<string>();
  const state = new Map<string, string>();
  const probes = allProbes();
  for (const probe of probes) {
    if (!ctx.features.includes(probe.feature)) continue;
    if (blocked(probe.feature) || failed.has(probe.feature)) {
      run.check(probe.name, 'skipped');
      continue;
    }
    const who = probe.needs ? ctx[probe.needs] : undefined;
    if (probe.needs && !who) {
      run.check(probe.name, 'skipped');
      // Only a feature that cannot be tried at all without that user is worth a warning.
      const triedWithout = probes.some((p) => p.feature === probe.feature && !p.needs);
      const missing = MISSING_USER[probe.needs];
      if (!triedWithout && !warned.has(probe.feature)) {
        warned.add(probe.feature);
        run.add({
          code: missing.code,
          severity: 'warning',
          feature: probe.feature,
          message: `${probe.feature} was not tried on ${missing.what}: no ${missing.flag.slice(2).replace('-', ' ')} was given.`,
          fix: `Run the doctor again with ${missing.flag} <user principal name of a licensed user>.`,
        });
      }
      continue;
    }
    try {
      const extra = await probe.run({ ...ctx, who: who ?? '', state, permission: probe.call.permission });
      run.check(probe.name, 'pass');
      if (extra) run.add(...extra);
    } catch (err) {
      if (!(err instanceof TenantlinkError)) throw err;
      run.check(probe.name, 'fail');
      failed.add(probe.feature);
      run.add(probeFinding(probe, err, who));
    }
  }
}
