import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConnectionService } from '../../connections/service.js';
import type { Store } from '../../store/database.js';
import { jobsRepository } from '../../store/jobs-repository.js';
import { errorResponses } from '../schemas.js';

const STATUSES = ['queued', 'running', 'retrying', 'succeeded', 'failed', 'cancelled'] as const;

const jobView = z.object({
  id: z.string(),
  connectionId: z.string(),
  kind: z.string().describe('what the job does, such as sync.directory'),
  status: z.enum(STATUSES),
  attempts: z.number(),
  lastError: z.string().nullable(),
  scheduledAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export interface JobRoutesOptions {
  store: Store;
  service: ConnectionService;
}

/** Background jobs as recorded, newest first: what failed for good (dead jobs) and why, what waits, what runs. */
export const jobRoutes: FastifyPluginAsyncZod<JobRoutesOptions> = async (app, { store, service }) => {
  app.get(
    '/jobs',
    {
      schema: {
        tags: ['jobs'],
        summary: 'Background jobs (syncs), newest first; status=failed lists the dead jobs with their last error',
        querystring: z.object({
          status: z
            .string()
            .max(100)
            .optional()
            .describe(`comma-separated: ${STATUSES.join(', ')}`)
            .transform((v, ctx) => {
              if (v === undefined) return undefined;
              const list = v.split(',').map((x) => x.trim());
              const bad = list.filter((x) => !(STATUSES as readonly string[]).includes(x));
              if (bad.length > 0) {
                ctx.addIssue({
                  code: 'custom',
                  message: `unknown status ${bad.join(', ')}: use ${STATUSES.join(', ')}`,
                });
                return z.NEVER;
              }
              return list as (typeof STATUSES)[number][];
            }),
          connection: z.string().min(1).max(200).optional().describe('the connection’s id or name'),
          kind: z.string().min(1).max(100).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50),
        }),
        response: { 200: z.object({ jobs: z.array(jobView) }), ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const q = request.query;
      const connectionId = q.connection ? (await service.show(q.connection)).id : undefined;
      const jobs = await jobsRepository(store).listJobs({
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(connectionId ? { connectionId } : {}),
        ...(q.kind ? { kind: q.kind } : {}),
      });
      return { jobs: jobs.map(({ payload: _payload, ...job }) => job) };
    },
  );
};
