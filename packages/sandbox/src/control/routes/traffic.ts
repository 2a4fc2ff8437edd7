import type { FastifyPluginAsync } from 'fastify';
import { ControlError, controlNotFound } from '../../graph/control-api.js';
import type { NewFault } from '../../graph/traffic/faults.js';
import type { ControlDeps } from '../deps.js';

/** Graph traffic: injected faults, added latency, throttling and the request statistics. */
export const trafficRoutes: FastifyPluginAsync<ControlDeps> = async (control, { graph }) => {
  control.get('/faults', async () => graph.faults.list());
  control.post<{ Body: NewFault }>(
    '/faults',
    {
      schema: {
        body: {
          type: 'object',
          required: ['pathPattern', 'status'],
          additionalProperties: false,
          properties: {
            pathPattern: { type: 'string', minLength: 1 },
            method: {
              type: 'string',
              enum: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'get', 'post', 'patch', 'put', 'delete'],
            },
            status: { type: 'integer', minimum: 400, maximum: 599 },
            retryAfterSeconds: { type: 'number', minimum: 0 },
            count: { type: 'integer', minimum: 1 },
            probability: { type: 'number', exclusiveMinimum: 0, maximum: 1 },
            body: {},
          },
        },
      },
    },
    async (request, reply) => {
      try {
        const { matcher: _m, ...rule } = graph.faults.add(request.body);
        return reply.code(201).send(rule);
      } catch (err) {
        throw new ControlError(400, 'BadRequest', `pathPattern is not a valid pattern: ${(err as Error).message}`);
      }
    },
  );
  control.delete('/faults', async (_request, reply) => {
    graph.faults.clear();
    return reply.code(204).send();
  });
  control.delete<{ Params: { id: string } }>('/faults/:id', async (request, reply) => {
    if (!graph.faults.remove(request.params.id)) throw controlNotFound(`fault '${request.params.id}' not found`);
    return reply.code(204).send();
  });

  control.get('/latency', async () => graph.latency);
  control.put<{ Body: { ms: number; jitterMs?: number } }>(
    '/latency',
    {
      schema: {
        body: {
          type: 'object',
          required: ['ms'],
          additionalProperties: false,
          properties: {
            ms: { type: 'number', minimum: 0, maximum: 60_000 },
            jitterMs: { type: 'number', minimum: 0, maximum: 60_000 },
          },
        },
      },
    },
    async (request) => Object.assign(graph.latency, { ms: request.body.ms, jitterMs: request.body.jitterMs ?? 0 }),
  );

  control.get('/throttling', async () => graph.throttling.settings);
  control.put<{ Body: { enabled?: boolean; scale?: number } }>(
    '/throttling',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            enabled: { type: 'boolean' },
            scale: { type: 'number', exclusiveMinimum: 0, maximum: 1_000_000 },
          },
        },
      },
    },
    async (request) => {
      Object.assign(graph.throttling.settings, request.body);
      graph.throttling.reset();
      return graph.throttling.settings;
    },
  );

  control.get('/stats', async () => graph.stats.snapshot());
  control.post('/stats/reset', async () => {
    graph.stats.reset();
    return graph.stats.snapshot();
  });
};
