import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Cloud, CloudChoice } from '../../auth/clouds.js';
import { displayNameSchema, logoUrlSchema } from '../../connect/integration-branding.js';
import type { Integration, IntegrationService } from '../../connect/integrations.js';
import { FEATURES } from '../../connections/model.js';
import { cloudChoiceSchema, errorResponses, storedCloudSchema } from '../schemas.js';

const integrationView = z.object({
  id: z.string(),
  name: z.string(),
  clientId: z.string(),
  authMode: z.enum(['multi-tenant', 'delegated']),
  cloud: storedCloudSchema,
  features: z.array(z.string()),
  returnUrl: z.string(),
  displayName: z.string().describe('the name customers see on the connect pages (default: the name)'),
  logoUrl: z.string().nullable().describe("the vendor's logo on the connect pages (https), if any"),
  /** Register this as a Web redirect URI on the app. */
  redirectUri: z.string().describe('register this as a Web redirect URI on the app registration'),
  secretExpiresAt: z.string().nullable().describe('when the client secret expires, if recorded'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
const createBody = z.object({
  name: z.string().min(1).max(50),
  clientId: z.string().min(1).max(64),
  authMode: z.enum(['multi-tenant', 'delegated']).default('multi-tenant'),
  clientSecret: z.string().min(1).max(1024),
  features: z.array(z.enum(FEATURES)).min(1).max(FEATURES.length),
  returnUrl: z.string().min(1).max(2048),
  cloud: cloudChoiceSchema.optional(),
  secretExpiresAt: z
    .string()
    .min(1)
    .max(40)
    .optional()
    .describe('when the client secret expires (2027-05-31): copied to connections, whose tests warn 30 days ahead'),
  displayName: displayNameSchema
    .optional()
    .describe('the name customers see on the connect pages, such as Acme CRM: plain text (default: name)'),
  logoUrl: logoUrlSchema.optional().describe("the vendor's logo on the connect pages: an absolute https URL"),
});
const updateBody = z
  .object({
    clientSecret: createBody.shape.clientSecret.optional(),
    returnUrl: createBody.shape.returnUrl.optional(),
    features: createBody.shape.features.optional(),
    secretExpiresAt: createBody.shape.secretExpiresAt.unwrap().nullable().optional(),
    displayName: displayNameSchema
      .nullable()
      .optional()
      .describe("the name customers see; null: the integration's name"),
    logoUrl: logoUrlSchema.nullable().optional().describe("the vendor's logo (https); null: none"),
  })
  .strict();
const idParams = z.object({ id: z.string().min(1).max(200) });

export interface IntegrationRoutesOptions {
  integrations: IntegrationService;
  /** The callback every integration's app registers as its Web redirect URI. */
  redirectUri: () => string;
  /** The cloud of integrations added without one (the sandbox's under `serve --sandbox`); default global. */
  defaultCloud?: { authorityHost: string; graphEndpoint: string };
  /** Checks a caller's cloud against the operator's (ConnectionService.chooseCloud). */
  chooseCloud: (choice: CloudChoice) => Cloud;
}

/** Integrations: the vendor's own app registrations customers connect through (the client secret is write-only). */
export const integrationRoutes: FastifyPluginAsyncZod<IntegrationRoutesOptions> = async (
  app,
  { integrations, redirectUri, defaultCloud, chooseCloud },
) => {
  const view = (i: Integration): z.infer<typeof integrationView> => ({
    id: i.id,
    name: i.name,
    clientId: i.clientId,
    authMode: i.authMode,
    cloud: i.cloud as z.infer<typeof storedCloudSchema>,
    features: i.features,
    returnUrl: i.returnUrl,
    displayName: i.displayName,
    logoUrl: i.logoUrl,
    redirectUri: redirectUri(),
    secretExpiresAt: i.secretExpiresAt,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  });

  app.get(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        summary: 'List integrations (never their secrets)',
        response: { 200: z.object({ integrations: z.array(integrationView) }) },
      },
    },
    async () => ({ integrations: (await integrations.list()).map(view) }),
  );

  app.post(
    '/integrations',
    {
      schema: {
        tags: ['integrations'],
        summary: "Add an integration: the vendor's app registration, its client secret (write-only) and return URL",
        body: createBody,
        response: { 201: z.object({ integration: integrationView }), ...errorResponses(400, 409) },
      },
    },
    async (request, reply) => {
      const integration = await integrations.add({
        ...request.body,
        cloud: request.body.cloud !== undefined ? chooseCloud(request.body.cloud) : (defaultCloud ?? 'global'),
      });
      return reply.code(201).send({ integration: view(integration) });
    },
  );

  app.patch(
    '/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary:
          'Change the return URL, the features, the branding, or the client secret (write-only); a new secret is also written into ' +
          'every connection made through the integration',
        params: idParams,
        body: updateBody,
        response: {
          200: z.object({ integration: integrationView, connectionsUpdated: z.array(z.string()) }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request) => {
      const { integration, connectionsUpdated } = await integrations.update(request.params.id, request.body);
      return { integration: view(integration), connectionsUpdated };
    },
  );

  app.delete(
    '/integrations/:id',
    {
      schema: {
        tags: ['integrations'],
        summary: 'Remove an integration and its pending connect links; connections made through it stay',
        params: idParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      await integrations.remove(request.params.id);
      return reply.code(204).send(null);
    },
  );
};
