import { Registry } from 'prom-client';
import { GraphRequestMetrics } from '../../graph/request-metrics.js';
import { sharedJobQueueFromEnv } from '../../jobs/choose-runner.js';
import { createLogger } from '../../logging/index.js';
import { allowPrivateTargetsFromEnv, OutboundPolicy } from '../../outbound/outbound-policy.js';
import { backgroundWork } from '../../server/background-work.js';
import type { Cli } from '../context.js';
import { UsageError } from '../io.js';
import { serveWorkerProbe } from '../worker-metrics.js';

/**
 * `tenantlink worker`: takes jobs (syncs, webhook deliveries, tests) from the queue every tenantlink process on the same PostgreSQL shares,
 * until SIGINT or SIGTERM; then stops taking jobs and lets the running ones finish. Any number may run, beside
 * `serve` processes (which take jobs too unless started with --no-jobs).
 */
export function registerWorkerCommand({ program, io, globals, withContext }: Cli): void {
  program
    .command('worker')
    .description(
      'take background jobs (syncs, webhook deliveries, tests) from the shared queue on PostgreSQL ($TENANTLINK_DATABASE_URL)',
    )
    .option('--concurrency <n>', 'jobs of each kind at once in this process', '4')
    .option('--metrics-port <port>', 'serve GET /metrics, /healthz and /readyz on this port (0: any free port)')
    .option('--metrics-host <host>', 'the address the metrics listen on', '127.0.0.1')
    .action(async (opts) => {
      if (!io.env.TENANTLINK_DATABASE_URL)
        throw new UsageError(
          'tenantlink worker shares its queue through PostgreSQL: set TENANTLINK_DATABASE_URL (with SQLite, `tenantlink serve` runs the jobs itself).',
        );
      const concurrency = Number(opts.concurrency);
      if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)
        throw new UsageError(`--concurrency must be a whole number from 1 to 64, not ${opts.concurrency}.`);
      const metricsPort = opts.metricsPort === undefined ? undefined : Number(opts.metricsPort);
      if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 0 || metricsPort > 65_535))
        throw new UsageError(`--metrics-port must be a port number from 0 to 65535, not ${opts.metricsPort}.`);
      // The worker's own registry: its jobs and the Graph requests its connections make.
      const registry = new Registry();
      const requestMetrics = new GraphRequestMetrics(registry);
      await withContext(
        async (ctx) => {
          const logger = createLogger({ level: globals().logLevel, destination: 2 });
          const outbound = new OutboundPolicy({ allowPrivateTargets: allowPrivateTargetsFromEnv(io.env) });
          const work = backgroundWork({
            store: ctx.store,
            service: ctx.service,
            logger,
            jobs: sharedJobQueueFromEnv(io.env, { concurrency }),
            metricsRegistry: registry,
            outbound,
          });
          const { runner } = work;
          runner.onEvent((event) => {
            if (event.type === 'failed' || event.type === 'retrying' || event.type === 'record-failed')
              logger.warn({ event }, 'job');
            else if (event.type === 'succeeded') logger.info({ job: event.job, ms: event.durationMs }, 'job done');
          });
          await work.start();
          const probe =
            metricsPort === undefined
              ? undefined
              : await serveWorkerProbe(registry, runner, { host: opts.metricsHost, port: metricsPort });
          io.out(`tenantlink worker is taking jobs (${concurrency} of each kind at once); Ctrl-C stops it.`);
          if (probe) io.out(`Metrics: ${probe.url}/metrics (and /healthz, /readyz)`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          io.out('Stopping: finishing the jobs in flight…');
          await probe?.close();
          await work.stop({ abortRunning: false });
          await outbound.close();
        },
        { requestMetrics },
      )();
    });
}
