import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionService } from '../connections/service.js';
import { runDoctor } from '../doctor/doctor.js';
import type { DoctorReport } from '../model/findings.js';
import type { ConnectTestSummary } from '../store/connect-sessions-repository.js';
import type { DoctorRun, DoctorRunsRepository } from '../store/doctor-runs-repository.js';
import { isoNow } from '../store/schema.js';

export interface ConnectTestOptions {
  service: ConnectionService;
  doctorRuns: DoctorRunsRepository;
  /** Called after each recorded run (metrics). */
  onTestRun?: (run: DoctorRun) => void;
  /**
   * After admin consent, Microsoft Entra can take a little while before the new service principal and its grants
   * are seen by the token endpoint. While the doctor finds APP_NOT_FOUND or CONSENT_MISSING, it runs again after
   * these delays, in the background (default 2 s, 5 s and 15 s).
   */
  consentPropagationDelaysMs?: readonly number[];
}

/** Findings that, right after admin consent, usually mean "not replicated yet" rather than "wrong". */
const NOT_YET_PROPAGATED = new Set(['APP_NOT_FOUND', 'CONSENT_MISSING']);
const DEFAULT_DELAYS_MS = [2_000, 5_000, 15_000];
/** Warnings that mean a feature could not be tried at all: the vendor should hear of them. */
const NOT_TRIED = new Set(['TEST_USER_MISSING', 'SERVICE_ACCOUNT_MISSING', 'TEST_USER_ID_NEEDED']);

export interface NewConnectionTest extends ConnectTestSummary {
  /** The final test: this one, or, while `result` is `pending`, the one after the background retries. */
  settled: Promise<ConnectTestSummary>;
}

/**
 * "Run test" on a connection that was just made, recorded like any other run so the console shows it: `ok` when the
 * doctor found no error, `errors` otherwise (the connection is kept: the findings say what to fix). Right after admin
 * consent, a first run that only finds replication lag answers `pending` at once, so the administrator is not kept on
 * a blank page; the runs go on in the background and `settled` says how they ended.
 */
export async function testNewConnection(
  options: ConnectTestOptions,
  connectionId: string,
  { afterAdminConsent = false }: { afterAdminConsent?: boolean } = {},
): Promise<NewConnectionTest> {
  const input = await options.service.doctorInput(connectionId);
  if (input.features.length === 0) {
    const none: ConnectTestSummary = { result: 'ok', warnings: [] };
    return { ...none, settled: Promise.resolve(none) };
  }
  const run = async () => ({ startedAt: isoNow(), report: await runDoctor(input) });
  const record = async ({ startedAt, report }: { startedAt: string; report: DoctorReport }) => {
    const stored = await options.doctorRuns.record(connectionId, report, { startedAt, finishedAt: isoNow() });
    options.onTestRun?.(stored);
    return summary(report);
  };
  const first = await run();
  if (!(afterAdminConsent && propagating(first.report))) {
    const done = await record(first);
    return { ...done, settled: Promise.resolve(done) };
  }
  const settled = (async () => {
    let latest = first;
    for (const delay of options.consentPropagationDelaysMs ?? DEFAULT_DELAYS_MS) {
      await sleep(delay);
      latest = await run();
      if (!propagating(latest.report)) break;
    }
    return record(latest);
  })();
  return { result: 'pending', warnings: summary(first.report).warnings, settled };
}

function propagating(report: DoctorReport): boolean {
  return !report.ok && report.findings.some((f) => NOT_YET_PROPAGATED.has(f.code));
}

function summary(report: DoctorReport): ConnectTestSummary {
  const warnings = [...new Set(report.findings.filter((f) => NOT_TRIED.has(f.code)).map((f) => f.code))];
  return { result: report.ok ? 'ok' : 'errors', warnings };
}
