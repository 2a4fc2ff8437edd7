import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectionService } from '../../connections/service.js';
import type { JobRunner } from '../../jobs/runner.js';
import type { Logger } from '../../logging/index.js';
import { SyncScheduler } from '../../sync/scheduler.js';
import { ALL_MODELS, type SyncRunView, type SyncService } from '../../sync/service.js';
import { errorResponses } from '../schemas.js';

export interface SyncRoutesOptions {
  service: ConnectionService;
  logger?: Logger | undefined;
  /** The process's sync service, attached to its job runner. */
  sync: SyncService;
  /** The process's job runner (started and stopped with the server's background work). */
  runner: JobRunner;
}

const runView = z.object({
  id: z.string(),
  connectionId: z.string(),
  dataset: z.string(),
  trigger: z.enum(['manual', 'schedule', 'cli', 'notification']),
  requestedFull: z.boolean(),
  mode: z.enum(['full', 'delta']).nullable(),
  status: z.enum(['queued', 'running', 'succeeded', 'failed', 'interrupted']),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  progress: z.object({
    pages: z.number(),
    records: z.number().describe('objects read from Microsoft Graph'),
    changes: z.number().describe('change-feed entries written'),
    total: z.number().nullable().describe('objects a full read expects, when known'),
    rate: z.number().describe('objects per second'),
    etaSeconds: z.number().nullable(),
    elapsedSeconds: z.number(),
  }),
});
const feedEntry = z.object({
  seq: z.number(),
  model: z.string(),
  id: z.string(),
  action: z.enum(['upsert', 'delete']),
  reason: z.enum(['deleted', 'softDeleted', 'outOfScope', 'missing']).optional(),
  data: z.record(z.string(), z.unknown()).nullable(),
});

const view = (run: SyncRunView): z.infer<typeof runView> => ({
  id: run.id,
  connectionId: run.connectionId,
  dataset: run.dataset,
  trigger: run.trigger,
  requestedFull: run.requestedFull,
  mode: run.mode,
  status: run.status,
  createdAt: run.createdAt,
  startedAt: run.startedAt,
  finishedAt: run.finishedAt,
  error: run.error,
  progress: run.progress,
});

/**
 * Syncs and the change feed: start a run, watch its progress, read records since a sequence number. Runs go through
 * the job runner (one per connection and dataset at a time, over every process of a shared queue), and connections
 * whose settings ask for it are synced on a schedule.
 */
export const syncRoutes: FastifyPluginAsyncZod<SyncRoutesOptions> = async (app, { service, logger, sync, runner }) => {
  const datasets = sync.datasets;
  const scheduler = new SyncScheduler({ runner, connections: service, datasets, ...(logger ? { logger } : {}) });
  // After the server's onReady, which starts the runner.
  app.addHook('onReady', async () => {
    await scheduler.start();
  });
  app.addHook('onClose', async () => {
    scheduler.stop();
  });

  const datasetNames = datasets.map((d) => d.name) as [string, ...string[]];
  const models: [string, ...string[]] = [ALL_MODELS, ...datasets.flatMap((d) => d.models)];
  const syncParams = z.object({ id: z.string().min(1).max(200), dataset: z.enum(datasetNames) });

  app.post(
    '/connections/:id/sync/:dataset',
    {
      schema: {
        tags: ['sync'],
        summary: 'Start a sync run (a full read the first time or with full: true, else only what changed)',
        params: syncParams,
        body: z.object({ full: z.boolean().optional() }).nullish(),
        response: { 202: z.object({ run: runView }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const run = await sync.request(request.params.id, request.params.dataset, { full: request.body?.full === true });
      return reply.code(202).send({ run: view(run) });
    },
  );

  app.get(
    '/connections/:id/sync/:dataset',
    {
      schema: {
        tags: ['sync'],
        summary: 'The latest sync run with its progress (pages, records, rate, ETA), and what is stored',
        params: syncParams,
        response: {
          200: z.object({
            run: runView.nullable(),
            stored: z.record(z.string(), z.number()).describe('records present, per model'),
            lastSeq: z.number().describe('the change feed\u2019s last sequence number'),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => {
      const run = await sync.latest(request.params.id, request.params.dataset);
      const totals = await sync.totals(request.params.id);
      return { run: run ? view(run) : null, stored: totals.present, lastSeq: totals.lastSeq };
    },
  );

  app.get(
    '/connections/:id/records/:model',
    {
      schema: {
        tags: ['sync'],
        summary:
          'The change feed: records changed after `since`, oldest first; pass `nextSince` back to read on. Resuming ' +
          'from a stored cursor below `prunedThrough`, read again from 0: deletions after it were pruned',
        params: z.object({ id: z.string().min(1).max(200), model: z.enum(models) }),
        querystring: z.object({
          since: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(5000).default(500),
        }),
        response: {
          200: z.object({
            records: z.array(feedEntry),
            nextSince: z.number(),
            prunedThrough: z
              .number()
              .describe('the last sequence number of a deletion pruned from the feed (feed retention); 0 for none'),
          }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => sync.feed(request.params.id, request.params.model, request.query),
  );

  app.get(
    '/connections/:id/records/:model/current',
    {
      schema: {
        tags: ['sync'],
        summary: 'Records as they stand now, by id (at most 100): unknown and deleted ids are left out',
        params: z.object({ id: z.string().min(1).max(200), model: z.enum(models) }),
        querystring: z.object({
          ids: z
            .string()
            .min(1)
            .max(100 * 200)
            .transform((v) => v.split(',').filter(Boolean))
            .refine(
              (ids) => ids.length <= 100 && ids.every((i) => i.length <= 200),
              'at most 100 ids of 200 characters',
            )
            .describe('comma-separated record ids'),
        }),
        response: {
          200: z.object({ records: z.array(z.object({ id: z.string(), data: z.record(z.string(), z.unknown()) })) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => ({
      records: await sync.lookup(request.params.id, request.params.model, request.query.ids),
    }),
  );
};
