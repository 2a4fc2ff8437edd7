import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { sql } from 'kysely';
import { z } from 'zod';
import type { JobRunner } from '../../jobs/runner.js';
import type { Store } from '../../store/database.js';
import type { ServerMetrics } from '../metrics.js';

export interface HealthRoutesOptions {
  store: Store;
  metrics: ServerMetrics;
  version: string;
  demo: { connection: string } | null;
  /** The job queue, once the sync routes made it: readiness also needs it to answer. */
  jobs?: () => JobRunner | undefined;
}

/** Liveness, readiness (the store and the job queue answer), Prometheus metrics, and what this server is. */
export const healthRoutes: FastifyPluginAsyncZod<HealthRoutesOptions> = async (
  app,
  { store, metrics, version, demo, jobs },
) => {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: { tags: ['health'], response: { 200: z.object({ status: z.literal('ok') }) } },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        tags: ['health'],
        response: {
          200: z.object({ status: z.literal('ready') }),
          503: z.object({ status: z.literal('unavailable'), reason: z.string() }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`select 1`.execute(store.db);
      } catch {
        return reply.code(503).send({ status: 'unavailable' as const, reason: 'the database does not answer' });
      }
      try {
        await jobs?.()?.queueDepth();
      } catch {
        return reply.code(503).send({ status: 'unavailable' as const, reason: 'the job queue does not answer' });
      }
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/metrics',
    { schema: { tags: ['health'], summary: 'Prometheus metrics (needs an API key)' } },
    async (_r, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );

  app.get(
    '/api/v1/server',
    {
      schema: {
        tags: ['health'],
        summary: 'What this server is',
        response: {
          200: z.object({ version: z.string(), demo: z.boolean(), demoConnection: z.string().optional() }),
        },
      },
    },
    async () => ({ version, demo: demo !== null, ...(demo ? { demoConnection: demo.connection } : {}) }),
  );
};
