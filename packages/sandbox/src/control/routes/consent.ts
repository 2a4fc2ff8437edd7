import type { FastifyPluginAsync } from 'fastify';
import { ControlError, controlNotFound } from '../../graph/control-api.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';
import { servicePrincipalViews } from '../views.js';
import { stringArray } from './schemas.js';

const consentSchema = {
  type: 'object',
  required: ['appId'],
  additionalProperties: false,
  properties: {
    appId: { type: 'string', minLength: 1 },
    application: stringArray,
    delegated: stringArray,
    principal: { type: 'string', minLength: 1 },
  },
} as const;

interface ConsentBody {
  appId: string;
  application?: string[];
  delegated?: string[];
  principal?: string;
}

/** `/tenants/{tid}/consent`: grant or revoke an app's permissions in a tenant without the consent pages. */
export const consentRoutes: FastifyPluginAsync<ControlDeps> = async (control, { directory }) => {
  const { tenantOf, userOf, applicationOf } = lookups(directory);

  control.post<{ Params: { tid: string }; Body: ConsentBody }>(
    '/tenants/:tid/consent',
    { schema: { body: consentSchema } },
    async (request) => {
      const tenant = tenantOf(request.params.tid);
      const { application, home } = applicationOf(request.body.appId);
      if (application.signInAudience === 'AzureADMyOrg' && home.id !== tenant.id) {
        throw new ControlError(
          400,
          'BadRequest',
          'a single-tenant application cannot be consented into another tenant',
        );
      }
      const sp = directory.ensureServicePrincipal(tenant, application, home);
      directory.grantApplicationPermissions(tenant, sp, request.body.application ?? []);
      if (request.body.delegated?.length) {
        const principalId = request.body.principal ? userOf(tenant, request.body.principal).id : null;
        directory.grantDelegatedPermissions(tenant, sp, request.body.delegated, principalId);
      }
      return servicePrincipalViews(tenant).find((s) => s.appId === application.appId);
    },
  );
  control.delete<{ Params: { tid: string }; Body: ConsentBody }>(
    '/tenants/:tid/consent',
    { schema: { body: consentSchema } },
    async (request) => {
      const tenant = tenantOf(request.params.tid);
      const sp = directory.servicePrincipal(tenant, request.body.appId);
      if (!sp)
        throw controlNotFound(
          `application '${request.body.appId}' has no service principal in ${tenant.defaultDomain}`,
        );
      directory.revokeConsent(tenant, sp, request.body.application, request.body.delegated);
      return servicePrincipalViews(tenant).find((s) => s.appId === sp.appId);
    },
  );
};
