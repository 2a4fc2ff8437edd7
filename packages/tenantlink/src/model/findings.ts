/** What the doctor reports: the checks it ran and what it found, as stored and as the API answers them. */

export type Severity = 'error' | 'warning' | 'info';

/** The check whose result says whether the connection can get tokens (the console's token badge). */
export const TOKEN_CHECK = 'The app gets a token from the tenant';

/** One thing the doctor found: a stable code, how bad it is, the feature it concerns, what is wrong and the fix. */
export interface Finding {
  code: string;
  severity: Severity;
  /** A feature's name, or null for the connection as a whole. */
  feature: string | null;
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
