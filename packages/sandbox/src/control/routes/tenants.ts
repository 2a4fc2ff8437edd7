import type { FastifyPluginAsync } from 'fastify';
import { ControlError } from '../../graph/control-api.js';
import type { Tenant } from '../../tenant/model.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';
import { tenantSummary, tenantView } from '../views.js';

/** `/tenants`: list and create tenants, read one with everything in it, change its settings. */
export const tenantRoutes: FastifyPluginAsync<ControlDeps> = async (control, deps) => {
  const { directory } = deps;
  const { tenantOf } = lookups(directory);

  control.get('/tenants', async () => [...directory.tenants.values()].map((t) => tenantSummary(directory, t)));
  control.post<{ Body: { displayName?: string; domain?: string; users?: number } }>(
    '/tenants',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            displayName: { type: 'string', minLength: 1, maxLength: 256 },
            domain: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,26}$' },
            users: { type: 'integer', minimum: 1, maximum: 200_000 },
          },
        },
      },
    },
    async (request, reply) => {
      const domain = request.body?.domain;
      if (domain && directory.findTenant(`${domain}.onmicrosoft.com`)) {
        throw new ControlError(409, 'Conflict', `${domain}.onmicrosoft.com is already taken`);
      }
      const tenant = deps.createTenant(request.body ?? {});
      return reply.code(201).send(tenantSummary(directory, tenant));
    },
  );
  control.get<{ Params: { tid: string } }>('/tenants/:tid', async (request) =>
    tenantView(directory, tenantOf(request.params.tid)),
  );
  control.patch<{ Params: { tid: string }; Body: Partial<Tenant['settings']> }>(
    '/tenants/:tid/settings',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            usersCanConsent: { type: 'boolean' },
            sharingCapability: {
              type: 'string',
              enum: [
                'disabled',
                'externalUserSharingOnly',
                'externalUserAndGuestSharing',
                'existingExternalUserSharingOnly',
              ],
            },
            premiumLicense: { type: 'boolean' },
          },
        },
      },
    },
    async (request) => Object.assign(tenantOf(request.params.tid).settings, request.body),
  );
};
