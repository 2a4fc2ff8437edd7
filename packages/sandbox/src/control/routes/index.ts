import type { FastifyInstance, FastifyReply } from 'fastify';
import { ControlError } from '../../graph/control-api.js';
import { WORKLOADS } from '../../graph/workloads.js';
import { InvalidCertificateError } from '../../tenant/app-registrations.js';
import { UnknownPermissionError } from '../../tenant/directory.js';
import type { ControlDeps } from '../deps.js';
import { applicationRoutes } from './applications.js';
import { churnRoutes } from './churn.js';
import { clockRoutes } from './clock.js';
import { consentRoutes } from './consent.js';
import { groupRoutes } from './groups.js';
import { settingsRoutes } from './settings.js';
import { stateRoutes } from './state.js';
import { tenantRoutes } from './tenants.js';
import { trafficRoutes } from './traffic.js';
import { userRoutes } from './users.js';

/** One plugin per resource; the workloads (mail, calendar, files, ...) add theirs after these. */
const RESOURCES = [
  stateRoutes,
  clockRoutes,
  settingsRoutes,
  tenantRoutes,
  userRoutes,
  applicationRoutes,
  groupRoutes,
  churnRoutes,
  trafficRoutes,
  consentRoutes,
];

/**
 * The `/_sandbox` control API: how tests, benchmarks and demos build a scenario (tenants, users, app
 * registrations, secrets, certificates, consent) and move the sandbox clock. Documented in the sandbox README.
 */
export function registerControlRoutes(app: FastifyInstance, deps: ControlDeps): void {
  app.register(
    async (control) => {
      control.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, _request, reply) => {
        if (error instanceof ControlError) return send(reply, error.status, error.code, error.message);
        if (error instanceof UnknownPermissionError || error instanceof InvalidCertificateError) {
          return send(reply, 400, 'BadRequest', error.message);
        }
        if (error.validation || (error.statusCode && error.statusCode < 500)) {
          return send(reply, error.statusCode ?? 400, 'BadRequest', error.message);
        }
        return send(reply, 500, 'InternalError', error.message);
      });
      for (const resource of RESOURCES) await control.register(resource, deps);
      for (const workload of WORKLOADS) workload.control?.(control, deps.graph);
    },
    { prefix: '/_sandbox' },
  );
}

function send(reply: FastifyReply, status: number, code: string, message: string) {
  return reply.code(status).send({ error: { code, message } });
}
