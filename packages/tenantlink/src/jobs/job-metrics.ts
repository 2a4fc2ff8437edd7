import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobRunner } from './runner.js';

/**
 * Prometheus metrics of a job runner, by kind: attempts ended (succeeded, retrying, failed), how long they ran, and
 * how many jobs wait (read from the queue at each scrape, so with PostgreSQL it is the whole cluster's queue).
 */
export function observeJobs(runner: JobRunner, registry: Registry): void {
  const registers = [registry];
  const attempts = new Counter({
    name: 'tenantlink_job_attempts_total',
    help: 'Job attempts that ended in this process, by kind and outcome (succeeded, retrying, failed)',
    labelNames: ['kind', 'outcome'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'tenantlink_job_duration_seconds',
    help: 'How long successful job attempts ran in this process, by kind',
    labelNames: ['kind'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers,
  });
  new Gauge({
    name: 'tenantlink_jobs_waiting',
    help: 'Jobs waiting to run (queued or waiting for a retry), by kind',
    labelNames: ['kind'] as const,
    registers,
    async collect() {
      this.reset();
      for (const [kind, waiting] of Object.entries(await runner.queueDepth())) this.set({ kind }, waiting);
    },
  });
  runner.onEvent((event) => {
    if (event.type === 'succeeded') {
      attempts.inc({ kind: event.job.kind, outcome: 'succeeded' });
      duration.observe({ kind: event.job.kind }, event.durationMs / 1000);
    } else if (event.type === 'retrying' || event.type === 'failed') {
      attempts.inc({ kind: event.job.kind, outcome: event.type });
    }
  });
}
