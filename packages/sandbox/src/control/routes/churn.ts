import type { FastifyPluginAsync } from 'fastify';
import { type ChurnRequest, churn } from '../../tenant/churn.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';

const CHURN_COUNTS = ['usersAdded', 'usersUpdated', 'usersDeleted', 'groupsChanged', 'membershipChanges', 'seed'];

/** `POST /tenants/{tid}/churn`: random directory changes, answered with what changed so delta can be checked. */
export const churnRoutes: FastifyPluginAsync<ControlDeps> = async (control, { directory }) => {
  const { tenantOf } = lookups(directory);
  control.post<{ Params: { tid: string }; Body: ChurnRequest }>(
    '/tenants/:tid/churn',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: Object.fromEntries(
            CHURN_COUNTS.map((k) => [k, { type: 'integer', minimum: 0, maximum: 1_000_000 }]),
          ),
        },
      },
    },
    async (request) => churn(tenantOf(request.params.tid), directory.writes, request.body ?? {}),
  );
};
