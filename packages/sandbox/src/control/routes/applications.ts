import type { FastifyPluginAsync } from 'fastify';
import { ControlError, controlNotFound } from '../../graph/control-api.js';
import {
  addCertificate,
  addSecret,
  type CreatedSecret,
  createApplication,
  type NewApplication,
  requiredResourceAccess,
} from '../../tenant/app-registrations.js';
import type { SignInAudience } from '../../tenant/model.js';
import { createSelfSignedCertificate } from '../../tls/x509.js';
import type { ControlDeps } from '../deps.js';
import { lookups } from '../lookups.js';
import { applicationView, servicePrincipalViews } from '../views.js';
import { audienceSchema, permissionsSchema, redirectUrisSchema, secretSchema } from './schemas.js';

/** What `POST /tenants/{tid}/applications` answers; the secret's value is shown only here. */
export interface RegisteredApplication {
  appId: string;
  objectId: string;
  servicePrincipalId: string;
  secret?: CreatedSecret;
}

interface ApplicationPatch {
  accountEnabled?: boolean;
  displayName?: string;
  signInAudience?: SignInAudience;
  redirectUris?: { web?: string[]; publicClient?: string[]; spa?: string[] };
  allowPublicClient?: boolean;
  requiredPermissions?: { application?: string[]; delegated?: string[] };
}

interface NewCertificate {
  pem?: string;
  generate?: boolean;
  displayName?: string;
  expiresInDays?: number;
}

/** `/tenants/{tid}/applications`: app registrations, their secrets and certificates. */
export const applicationRoutes: FastifyPluginAsync<ControlDeps> = async (control, { directory }) => {
  const { tenantOf, applicationOf, homeApplicationOf } = lookups(directory);

  control.post<{ Params: { tid: string }; Body: NewApplication }>(
    '/tenants/:tid/applications',
    {
      schema: {
        body: {
          type: 'object',
          required: ['displayName'],
          additionalProperties: false,
          properties: {
            displayName: { type: 'string', minLength: 1, maxLength: 120 },
            signInAudience: audienceSchema,
            redirectUris: redirectUrisSchema,
            allowPublicClient: { type: 'boolean' },
            requiredPermissions: permissionsSchema,
            grantAdminConsent: { type: 'boolean' },
            secret: secretSchema,
          },
        },
      },
    },
    async (request, reply) => {
      const tenant = tenantOf(request.params.tid);
      const { application, servicePrincipal, secret } = createApplication(directory, tenant, request.body);
      const registered: RegisteredApplication = {
        appId: application.appId,
        objectId: application.id,
        servicePrincipalId: servicePrincipal.id,
        ...(secret ? { secret } : {}),
      };
      return reply.code(201).send(registered);
    },
  );
  control.get<{ Params: { tid: string; appId: string } }>('/tenants/:tid/applications/:appId', async (request) =>
    applicationView(homeApplicationOf(tenantOf(request.params.tid), request.params.appId)),
  );
  control.patch<{ Params: { tid: string; appId: string }; Body: ApplicationPatch }>(
    '/tenants/:tid/applications/:appId',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            accountEnabled: { type: 'boolean' },
            displayName: { type: 'string', minLength: 1, maxLength: 120 },
            signInAudience: audienceSchema,
            redirectUris: redirectUrisSchema,
            allowPublicClient: { type: 'boolean' },
            requiredPermissions: permissionsSchema,
          },
        },
      },
    },
    async (request) => {
      const tenant = tenantOf(request.params.tid);
      const { application } = applicationOf(request.params.appId);
      const body = request.body;
      // accountEnabled lives on the service principal of the tenant named in the path (home or customer).
      if (body.accountEnabled !== undefined) {
        const sp = directory.servicePrincipal(tenant, application.appId);
        if (!sp)
          throw controlNotFound(
            `application '${application.appId}' has no service principal in ${tenant.defaultDomain}`,
          );
        sp.accountEnabled = body.accountEnabled;
      }
      const isHome = application.homeTenantId === tenant.id;
      const registrationChange = Object.keys(body).some((k) => k !== 'accountEnabled');
      if (registrationChange && !isHome) {
        throw new ControlError(400, 'BadRequest', 'only the home tenant can change an app registration');
      }
      if (body.displayName) application.displayName = body.displayName;
      if (body.signInAudience) application.signInAudience = body.signInAudience;
      if (body.allowPublicClient !== undefined) application.isFallbackPublicClient = body.allowPublicClient;
      if (body.redirectUris?.web) application.web.redirectUris = body.redirectUris.web;
      if (body.redirectUris?.publicClient) application.publicClient.redirectUris = body.redirectUris.publicClient;
      if (body.redirectUris?.spa) application.spa.redirectUris = body.redirectUris.spa;
      if (body.requiredPermissions)
        application.requiredResourceAccess = requiredResourceAccess(body.requiredPermissions);
      return {
        ...applicationView(application),
        servicePrincipals: servicePrincipalViews(tenant).filter((s) => s.appId === application.appId),
      };
    },
  );

  control.post<{ Params: { tid: string; appId: string }; Body: { expiresInDays?: number; displayName?: string } }>(
    '/tenants/:tid/applications/:appId/secrets',
    { schema: { body: secretSchema } },
    async (request, reply) => {
      const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
      return reply.code(201).send(addSecret(directory, application, request.body ?? {}));
    },
  );
  control.delete<{ Params: { tid: string; appId: string; keyId: string } }>(
    '/tenants/:tid/applications/:appId/secrets/:keyId',
    async (request, reply) => {
      const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
      const before = application.passwordCredentials.length;
      application.passwordCredentials = application.passwordCredentials.filter((c) => c.keyId !== request.params.keyId);
      if (application.passwordCredentials.length === before)
        throw controlNotFound(`secret '${request.params.keyId}' not found`);
      return reply.code(204).send();
    },
  );

  control.post<{ Params: { tid: string; appId: string }; Body: NewCertificate }>(
    '/tenants/:tid/applications/:appId/certificates',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            pem: { type: 'string', minLength: 1 },
            generate: { type: 'boolean' },
            displayName: { type: 'string' },
            expiresInDays: { type: 'integer', minimum: 1, maximum: 3650 },
          },
        },
      },
    },
    async (request, reply) => {
      const application = homeApplicationOf(tenantOf(request.params.tid), request.params.appId);
      const body = request.body;
      if (!body.pem && !body.generate) throw new ControlError(400, 'BadRequest', 'give either pem or generate: true');
      let privateKeyPem: string | undefined;
      let pem = body.pem;
      if (!pem) {
        const pair = await createSelfSignedCertificate(`${application.displayName} sandbox`, body.expiresInDays ?? 365);
        pem = pair.certPem;
        privateKeyPem = pair.keyPem;
      }
      const credential = addCertificate(application, pem, body.displayName);
      const view = applicationView(application).certificates.find((c) => c.keyId === credential.keyId)!;
      return reply.code(201).send({
        ...view,
        thumbprintSha256: Buffer.from(credential.x5tS256, 'base64url').toString('hex').toUpperCase(),
        certificatePem: credential.certificatePem,
        ...(privateKeyPem ? { privateKeyPem } : {}),
      });
    },
  );
};
