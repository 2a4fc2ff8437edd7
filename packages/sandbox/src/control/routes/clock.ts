import type { FastifyPluginAsync } from 'fastify';
import type { ControlDeps } from '../deps.js';

/** `/clock`: read, move forward and reset the sandbox clock that tokens, secrets and codes expire by. */
export const clockRoutes: FastifyPluginAsync<ControlDeps> = async (control, { clock }) => {
  control.get('/clock', async () => ({ now: clock.iso(), offsetSeconds: clock.offset / 1000 }));
  control.post<{ Body: { advanceSeconds: number } }>(
    '/clock',
    {
      schema: {
        body: {
          type: 'object',
          required: ['advanceSeconds'],
          additionalProperties: false,
          properties: { advanceSeconds: { type: 'number', minimum: 0 } },
        },
      },
    },
    async (request) => {
      clock.advance(request.body.advanceSeconds * 1000);
      return { now: clock.iso(), offsetSeconds: clock.offset / 1000 };
    },
  );
  control.delete('/clock', async () => {
    clock.reset();
    return { now: clock.iso(), offsetSeconds: 0 };
  });
};
