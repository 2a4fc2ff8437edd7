import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { createConnectSession, MAX_VENDOR_STATE } from '../../connect/connect-sessions.js';
import type { DeviceCodeSignIns } from '../../connect/device-code.js';
import type { IntegrationService } from '../../connect/integrations.js';
import { FEATURES } from '../../connections/model.js';
import { TenantlinkError } from '../../errors.js';
import type { ConnectSessionsRepository, StoredConnectSession } from '../../store/connect-sessions-repository.js';
import { RATE_LIMITS } from '../rate-limits.js';
import { cloudChoiceSchema, errorResponses } from '../schemas.js';

const flowError = z.object({ code: z.string(), message: z.string() });
const deviceCodeBody = z.union([
  z.object({ integration: z.string().min(1).max(200) }).strict(),
  z
    .object({ connection: z.string().min(1).max(200).describe('a stored delegated connection, signed in again') })
    .strict(),
  z
    .object({
      name: z.string().min(1).max(100),
      tenantId: z.string().min(1).max(253),
      clientId: z.string().min(1).max(64),
      features: z.array(z.enum(FEATURES)).min(1).max(FEATURES.length),
      cloud: cloudChoiceSchema.optional(),
    })
    .strict(),
]);
const sessionView = z.object({
  id: z.string(),
  integration: z.string().describe("the integration's name"),
  status: z
    .enum(['pending', 'opened', 'connected', 'failed'])
    .describe('pending: not opened yet; opened: the admin continued to Microsoft; connected or failed: done'),
  state: z.string().nullable().describe('the vendor\u2019s state, as given'),
  connection: z.string().nullable(),
  tenant: z.string().nullable().describe('the tenant that connected (or that consented, when it failed after)'),
  error: flowError.nullable(),
  test: z
    .object({
      result: z.enum(['ok', 'errors', 'pending']),
      warnings: z.array(z.string()),
    })
    .nullable()
    .describe("the new connection's first test; pending while replication after admin consent is waited for"),
  createdAt: z.string(),
  expiresAt: z.string(),
  openedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

const view = (s: StoredConnectSession, integration: string): z.infer<typeof sessionView> => ({
  id: s.id,
  integration,
  status: s.status,
  state: s.vendorState,
  connection: s.connectionId,
  tenant: s.tenantId,
  error: s.error,
  test: s.test,
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
  openedAt: s.openedAt,
  finishedAt: s.finishedAt,
});

export interface ConnectApiRoutesOptions {
  integrations: IntegrationService;
  sessions: ConnectSessionsRepository;
  deviceCodes: DeviceCodeSignIns;
  publicUrl: () => string;
}

/** The API side: connect sessions (one-time links for a customer's admin) and device-code sign-ins. */
export const connectApiRoutes: FastifyPluginAsyncZod<ConnectApiRoutesOptions> = async (
  app,
  { integrations, sessions, deviceCodes, publicUrl },
) => {
  app.post(
    '/connect-sessions',
    {
      schema: {
        tags: ['connect'],
        summary:
          "A one-time link (15 minutes) that sends a customer's admin through an integration's connect flow; ask " +
          'GET /connect-sessions/{id} (or listen for the connection.created and connect.failed webhooks) for how it ended',
        body: z.object({
          integration: z.string().min(1).max(200),
          state: z.string().min(1).max(MAX_VENDOR_STATE).optional().describe('handed back on the return URL, and kept'),
          returnUrl: z.string().min(1).max(2048).optional(),
        }),
        response: {
          201: z.object({ id: z.string(), url: z.string(), expiresAt: z.string() }),
          ...errorResponses(400, 404),
        },
      },
    },
    async (request, reply) => {
      const integration = await integrations.find(request.body.integration);
      const { id, url, expiresAt } = await createConnectSession(sessions, integration, {
        state: request.body.state ?? null,
        returnUrl: request.body.returnUrl ?? null,
        publicUrl: publicUrl(),
      });
      return reply.code(201).send({ id, url, expiresAt });
    },
  );

  app.get(
    '/connect-sessions/:id',
    {
      schema: {
        tags: ['connect'],
        summary: 'How a connect link stands: pending, opened, connected (with the connection and its test) or failed',
        params: z.object({ id: z.string().min(1).max(200) }),
        response: { 200: sessionView, ...errorResponses(404) },
      },
    },
    async (request) => {
      const session = await sessions.get(request.params.id);
      if (!session)
        throw new TenantlinkError('CONNECT_SESSION_NOT_FOUND', `There is no connect session '${request.params.id}'.`, {
          status: 404,
        });
      const integration = await integrations.find(session.integrationId);
      return view(session, integration.name);
    },
  );

  app.post(
    '/connect/device-code',
    {
      config: { rateLimit: RATE_LIMITS.deviceCodeStart },
      schema: {
        tags: ['connect'],
        summary:
          'Start a device-code sign-in (headless setups): through a delegated integration, on a public client app, ' +
          'or for a stored delegated connection again',
        body: deviceCodeBody,
        response: {
          201: z.object({
            flowId: z.string(),
            userCode: z.string(),
            verificationUri: z.string(),
            expiresAt: z.string(),
            message: z.string(),
          }),
          ...errorResponses(400, 404, 429, 502),
        },
      },
    },
    async (request, reply) => reply.code(201).send(await deviceCodes.start(request.body)),
  );

  app.get(
    '/connect/device-code/:flowId',
    {
      schema: {
        tags: ['connect'],
        summary: 'How a device-code sign-in stands: pending, connected (with the connection) or failed',
        params: z.object({ flowId: z.string().min(1).max(200) }),
        response: {
          200: z.object({
            status: z.enum(['pending', 'connected', 'failed']),
            connection: z.string().optional(),
            error: flowError.optional(),
          }),
          ...errorResponses(404),
        },
      },
    },
    async (request) => deviceCodes.status(request.params.flowId),
  );
};
