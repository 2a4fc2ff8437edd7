import type { FastifyPluginAsync } from 'fastify';
import type { ControlDeps } from '../deps.js';

/** `GET /health` and `GET /state`: is the sandbox up, and the state-file object with every tenant. */
export const stateRoutes: FastifyPluginAsync<ControlDeps> = async (control, deps) => {
  control.get('/health', async () => ({ status: 'ok' }));
  control.get('/state', async () => deps.state());
};
