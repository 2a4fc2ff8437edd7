import type { Feature } from '../connections/model.js';
import type { TenantlinkError } from '../errors.js';

export type Severity = 'error' | 'warning' | 'info';

/** The check whose result says whether the connection can get tokens (the console's token badge). */
export const TOKEN_CHECK = 'The app gets a token from the tenant';

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
export function errorFinding(code: string, err: TenantlinkError, feature: Feature | null = null): Finding {
  const microsoft = err.microsoftCode ? ` (${err.microsoftCode})` : '';
  return {
    code,
    severity: 'error',
    feature,
    message: `${err.diagnosis?.meaning ?? err.message}${microsoft}`,
    fix: err.diagnosis?.fix ?? 'See the message from Microsoft above.',
  };
}
