import type { FastifyInstance } from 'fastify';
import type { GraphContext } from './context.js';
import type { EndpointPermissions } from './permissions.js';

/**
 * A Graph workload (mail, calendar, files, ...): its routes under /v1.0, its additions to the /_sandbox control
 * API, and its endpoint → permission rows (rendered into the README).
 */
export interface Workload {
  name: string;
  routes(app: FastifyInstance, ctx: GraphContext): void;
  /** Routes outside /v1.0 (pre-authenticated URLs: upload sessions, copy monitors, report downloads). */
  rootRoutes?(app: FastifyInstance, ctx: GraphContext): void;
  control?(control: FastifyInstance, ctx: GraphContext): void;
  permissions: EndpointPermissions[];
}
