import type { TenantlinkError } from '../errors.js';
import type { Check, DoctorReport, Finding } from '../model/findings.js';

export type { Check, DoctorReport, Finding, Severity } from '../model/findings.js';
export { TOKEN_CHECK } from '../model/findings.js';

/** The checks and findings of one doctor run, in the order they happened. */
export class DoctorRun {
  readonly checks: Check[] = [];
  readonly findings: Finding[] = [];

  check(name: string, status: Check['status']): void {
    this.checks.push({ name, status });
  }

  add(...findings: Finding[]): void {
    this.findings.push(...findings);
  }

  has(predicate: (f: Finding) => boolean): boolean {
    return this.findings.some(predicate);
  }

  report(): DoctorReport {
    return {
      ok: !this.findings.some((f) => f.severity === 'error'),
      checks: this.checks,
      findings: this.findings,
    };
  }
}

export function secretIdFinding(): Finding {
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

/** A finding from a failure that carries tenantlink's diagnosis (what it means, how to fix it). */
export function errorFinding(code: string, err: TenantlinkError, feature: string | null = null): Finding {
  const microsoft = err.microsoftCode ? ` (${err.microsoftCode})` : '';
  return {
    code,
    severity: 'error',
    feature,
    message: `${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft above.',
  };
}
