import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionService } from '../connections/service.js';
import { runDoctor } from '../doctor/doctor.js';
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
   * these delays (default 2 s and 5 s).
   */
  consentPropagationDelaysMs?: readonly number[];
}

/** Findings that, right after admin consent, usually mean "not replicated yet" rather than "wrong". */
const NOT_YET_PROPAGATED = new Set(['APP_NOT_FOUND', 'CONSENT_MISSING']);
const DEFAULT_DELAYS_MS = [2_000, 5_000];

/**
 * "Run test" on a connection that was just made, recorded like any other run so the console shows it. `ok` when the
 * doctor found no error; `errors` otherwise (the connection is kept: the findings say what to fix).
 */
export async function testNewConnection(
  options: ConnectTestOptions,
  connectionId: string,
  { afterAdminConsent = false }: { afterAdminConsent?: boolean } = {},
): Promise<{ result: 'ok' | 'errors'; run: DoctorRun | null }> {
  const input = await options.service.doctorInput(connectionId);
  if (input.features.length === 0) return { result: 'ok', run: null };
  const delays = afterAdminConsent ? [...(options.consentPropagationDelaysMs ?? DEFAULT_DELAYS_MS)] : [];
  for (;;) {
    const startedAt = isoNow();
    const report = await runDoctor(input);
    const waitMore = !report.ok && report.findings.some((f) => NOT_YET_PROPAGATED.has(f.code));
    const delay = delays.shift();
    if (waitMore && delay !== undefined) {
      await sleep(delay);
      continue;
    }
    const run = await options.doctorRuns.record(connectionId, report, { startedAt, finishedAt: isoNow() });
    options.onTestRun?.(run);
    return { result: report.ok ? 'ok' : 'errors', run };
  }
}
