import type { ConnectionService } from '../connections/service.js';
import { runDoctor } from '../doctor/doctor.js';
import { TenantlinkError } from '../errors.js';
import type { JobRunner } from '../jobs/runner.js';
import { type DoctorRun, doctorRunsRepository } from '../store/doctor-runs-repository.js';
import { isoNow, type StoreHandle } from '../store/schema.js';

/** The job kind of a connection's test ("Run test"): the doctor's checks, recorded in the test history. */
export const DOCTOR_JOB = 'doctor';

/** How long a request for a test waits for a worker to run it. */
const TEST_WAIT_MS = 90_000;

/** Registers the doctor's job: any process that takes jobs may run a connection's test. */
export function registerDoctorJobs(runner: JobRunner, service: ConnectionService, store: StoreHandle): void {
  runner.register(DOCTOR_JOB, async (job) => {
    const input = await service.doctorInput(job.connectionId);
    if (input.features.length === 0) return;
    const startedAt = isoNow();
    const report = await runDoctor(input);
    await doctorRunsRepository(store).record(job.connectionId, report, { startedAt, finishedAt: isoNow() });
  });
}

/**
 * Runs a connection's test as a job and answers the recorded run. A request while a test of the connection waits joins
 * it (both get the same run). Fails with 503 when no process took the job in time (no worker is running).
 */
export async function runTestJob(runner: JobRunner, store: StoreHandle, connectionId: string): Promise<DoctorRun> {
  const requestedAt = isoNow();
  const { done } = await runner.enqueue({ kind: DOCTOR_JOB, connectionId });
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    done,
    new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), TEST_WAIT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (outcome === 'timeout')
    throw new TenantlinkError(
      'TEST_NOT_RUN',
      'No process ran the test within 90 seconds: start a tenantlink worker (or a server that takes jobs), then run it again.',
      { status: 503 },
    );
  if (outcome.status !== 'succeeded')
    throw new TenantlinkError('TEST_FAILED', `The test could not run: ${outcome.error ?? outcome.status}.`, {
      status: 503,
    });
  const [run] = await doctorRunsRepository(store).list(connectionId, 1);
  // The run joined may have started a moment before this request: it is as fresh as the request asked.
  if (!run || run.finishedAt < requestedAt)
    throw new TenantlinkError('TEST_FAILED', 'The test ran but recorded nothing; run it again.', { status: 503 });
  return run;
}
