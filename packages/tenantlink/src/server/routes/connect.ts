import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BrowserFlows } from '../../connect/browser-flows.js';
import {
  CONNECT_LINK_TTL_MS,
  createConnectSession,
  MAX_VENDOR_STATE,
  redeemConnectSession,
} from '../../connect/connect-sessions.js';
import type { DeviceCodeSignIns } from '../../connect/device-code.js';
import type { IntegrationService } from '../../connect/integrations.js';
import { CONNECT_PAGE_HEADERS, type ConnectPage, renderConnectPage } from '../../connect/pages.js';
import { checkReturnUrlOrigin } from '../../connect/return-url.js';
import { FEATURES } from '../../connections/model.js';
import { TenantlinkError } from '../../errors.js';
import type { Logger } from '../../logging/index.js';
import type { ConnectFlowsRepository } from '../../store/connect-flows-repository.js';
import { sha256 } from '../../tokens.js';
import { statusOf } from '../errors.js';
import { RATE_LIMITS } from '../rate-limits.js';
import { cloudChoiceSchema, errorResponses } from '../schemas.js';

export const CONNECT_PATH = '/connect/microsoft';
export const CALLBACK_PATH = '/connect/microsoft/callback';

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
// Browser routes validate by hand, so a person sees a page rather than JSON.
const connectQuery = z.object({
  integration: z.string().optional(),
  state: z.string().optional(),
  token: z.string().optional(),
  returnUrl: z.string().optional(),
});
const callbackQuery = z
  .object({
    state: z.string().optional(),
    code: z.string().optional(),
    tenant: z.string().optional(),
    admin_consent: z.string().optional(),
    error: z.string().optional(),
    error_description: z.string().optional(),
  })
  .catchall(z.unknown());

export interface ConnectApiRoutesOptions {
  integrations: IntegrationService;
  flows: ConnectFlowsRepository;
  deviceCodes: DeviceCodeSignIns;
  publicUrl: () => string;
}

/** The API side: connect sessions (one-time links for a customer's admin) and device-code sign-ins. */
export const connectApiRoutes: FastifyPluginAsyncZod<ConnectApiRoutesOptions> = async (
  app,
  { integrations, flows, deviceCodes, publicUrl },
) => {
  app.post(
    '/connect-sessions',
    {
      schema: {
        tags: ['connect'],
        summary: "A one-time link (15 minutes) that sends a customer's admin through an integration's connect flow",
        body: z.object({
          integration: z.string().min(1).max(200),
          state: z.string().min(1).max(MAX_VENDOR_STATE).optional(),
          returnUrl: z.string().min(1).max(2048).optional(),
        }),
        response: { 201: z.object({ url: z.string(), expiresAt: z.string() }), ...errorResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const integration = await integrations.find(request.body.integration);
      const session = await createConnectSession(flows, integration, {
        ...(request.body.state !== undefined ? { state: request.body.state } : {}),
        ...(request.body.returnUrl !== undefined ? { returnUrl: request.body.returnUrl } : {}),
        publicUrl: publicUrl(),
      });
      return reply.code(201).send(session);
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

export interface ConnectPageRoutesOptions {
  integrations: IntegrationService;
  flows: ConnectFlowsRepository;
  browserFlows: BrowserFlows;
  /** Mark the flow cookie Secure (the public URL is https, or a TLS-terminating proxy is in front). */
  secureCookies: () => boolean;
  logger?: Logger;
}

/** The flow cookie binds a state to the browser that started it; one per flow, named after the state's hash. */
function flowCookie(state: string): string {
  return `tenantlink_connect_${sha256(state).slice(0, 16)}`;
}

/**
 * The browser side, outside /api: `/connect/microsoft` (with a connect-session token or the console's session)
 * starts a flow; `/connect/microsoft/callback` is where Microsoft sends the browser back (public: the state is
 * what it checks).
 */
export const connectPageRoutes: FastifyPluginAsyncZod<ConnectPageRoutesOptions> = async (
  app,
  { integrations, flows, browserFlows, secureCookies, logger },
) => {
  const page = (reply: FastifyReply, err: unknown) => {
    let connectPage: ConnectPage;
    if (err instanceof TenantlinkError) {
      const status = statusOf(err);
      connectPage = {
        status,
        code: err.code,
        title:
          status === 401
            ? 'This link is not valid'
            : status === 404
              ? 'Not found'
              : status >= 500
                ? 'Connecting did not work'
                : 'This link cannot be used',
        message: err.message,
        fix: err.diagnosis?.fix,
      };
      if (status >= 500) logger?.error({ code: err.code, microsoftCode: err.microsoftCode }, err.message);
    } else {
      logger?.error({ err }, 'unexpected error in a connect flow');
      connectPage = {
        status: 500,
        code: 'INTERNAL',
        title: 'Connecting did not work',
        message: 'Something went wrong on the server; its log has the details.',
      };
    }
    return reply
      .code(connectPage.status)
      .headers(CONNECT_PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(renderConnectPage(connectPage));
  };

  /** Binds a state to this browser until its callback. */
  const bind = (reply: FastifyReply, state: string) =>
    reply.setCookie(flowCookie(state), state, {
      path: CALLBACK_PATH,
      httpOnly: true,
      // Lax: the cookie must come back on Microsoft's top-level redirect to the callback.
      sameSite: 'lax',
      secure: secureCookies(),
      maxAge: CONNECT_LINK_TTL_MS / 1000,
    });

  app.get(
    CONNECT_PATH,
    {
      config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['connect'],
        summary:
          "Start connecting a tenant through an integration (the link from /api/v1/connect-sessions, or from the console): redirects to Microsoft's admin consent or sign-in",
        querystring: connectQuery,
        security: [],
      },
    },
    async (request, reply) => {
      const q = request.query;
      try {
        if (!q.token && !request.principal)
          throw new TenantlinkError('UNAUTHENTICATED', 'This connect link is incomplete: it carries no token.', {
            status: 401,
            diagnosis: {
              meaning: 'Connect links are made for one customer at a time by the application that sent you here.',
              fix: 'Go back to that application and start connecting again.',
            },
          });
        if (!q.integration)
          throw new TenantlinkError('INVALID_INPUT', 'This connect link names no integration.', { status: 400 });
        const integration = await integrations.find(q.integration);
        let vendorState: string | null;
        let returnUrl: string | null;
        if (q.token) {
          const session = await redeemConnectSession(flows, q.token, integration);
          vendorState = session.vendorState;
          returnUrl = session.returnUrl;
        } else {
          // Signed in to the console (or with an API key): the link may carry its own state and return URL.
          if (q.state !== undefined && q.state.length > MAX_VENDOR_STATE)
            throw new TenantlinkError('INVALID_INPUT', `state is at most ${MAX_VENDOR_STATE} characters.`, {
              status: 400,
            });
          vendorState = q.state ?? null;
          returnUrl = q.returnUrl ? checkReturnUrlOrigin(q.returnUrl, integration.returnUrl) : null;
        }
        const { location, state } = await browserFlows.start(integration, { vendorState, returnUrl });
        bind(reply, state);
        return reply.headers(CONNECT_PAGE_HEADERS).redirect(location, 302);
      } catch (err) {
        return page(reply, err);
      }
    },
  );

  app.get(
    CALLBACK_PATH,
    {
      config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['connect'],
        summary:
          "Where Microsoft returns after admin consent or sign-in (register it as the app's Web redirect URI); redirects to the return URL with state, result, connection, tenant and error",
        querystring: callbackQuery,
        security: [],
      },
    },
    async (request, reply) => {
      const q = request.query;
      const state = typeof q.state === 'string' ? q.state : undefined;
      try {
        const next = await browserFlows.complete(q, state ? request.cookies[flowCookie(state)] : undefined);
        if (state) reply.clearCookie(flowCookie(state), { path: CALLBACK_PATH });
        if (next.state) bind(reply, next.state);
        return reply.headers(CONNECT_PAGE_HEADERS).redirect(next.location, 302);
      } catch (err) {
        return page(reply, err);
      }
    },
  );
};
