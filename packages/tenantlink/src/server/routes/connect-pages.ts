import formbody from '@fastify/formbody';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type BrowserFlows, sessionPage } from '../../connect/browser-flows.js';
import { CALLBACK_PATH, CONNECT_PATH } from '../../connect/connect-pages-paths.js';
import {
  CONNECT_LINK_TTL_MS,
  createConnectSession,
  type LinkState,
  linkState,
  MAX_VENDOR_STATE,
} from '../../connect/connect-sessions.js';
import type { Integration, IntegrationService } from '../../connect/integrations.js';
import {
  CONNECT_PAGE_HEADERS,
  type ConnectPage,
  renderConnectPage,
  renderStartPage,
  startPageHeaders,
} from '../../connect/pages.js';
import { startPageContent } from '../../connect/start-page.js';
import type { ConnectionService } from '../../connections/service.js';
import { TenantlinkError } from '../../errors.js';
import type { Logger } from '../../logging/index.js';
import type { ConnectSessionsRepository } from '../../store/connect-sessions-repository.js';
import { randomToken, sha256 } from '../../tokens.js';
import { statusOf } from '../errors.js';

export { CALLBACK_PATH, CONNECT_PATH };

/** The browser's own connect cookie: the link opened here can be resumed here (SHA-256 stored with the session). */
const BROWSER_COOKIE = 'tenantlink_connect_browser';

// Browser routes validate by hand, so a person sees a page rather than JSON.
const linkQuery = z.object({
  integration: z.string().max(200).optional(),
  token: z.string().max(200).optional(),
  state: z.string().optional(),
  returnUrl: z.string().max(2048).optional(),
});
const continueBody = z.object({
  integration: z.string().max(200).optional(),
  token: z.string().max(200).optional(),
  /** Present only when "Cancel" was pressed. */
  action: z.enum(['cancel']).optional(),
});
const callbackQuery = z
  .object({
    state: z.string().optional(),
    code: z.string().optional(),
    tenant: z.string().optional(),
    admin_consent: z.string().optional(),
    error: z.string().optional(),
    error_subcode: z.string().optional(),
    error_description: z.string().optional(),
  })
  .catchall(z.unknown());

export interface ConnectPageRoutesOptions {
  integrations: IntegrationService;
  sessions: ConnectSessionsRepository;
  service: ConnectionService;
  browserFlows: BrowserFlows;
  publicUrl: () => string;
  /** Mark the connect cookies Secure (the public URL is https, or a TLS-terminating proxy is in front). */
  secureCookies: () => boolean;
  logger?: Logger;
}

/** The flow cookie binds a state to the browser that started it; one per flow, named after the state's hash. */
function flowCookie(state: string): string {
  return `tenantlink_connect_${sha256(state).slice(0, 16)}`;
}

/**
 * The browser side, outside /api:
 * - `GET /connect/microsoft`: a link's start page (who asks, what and why, the role needed). It changes nothing, so a
 *   mail scanner or a link preview can fetch it; a link already used, expired or finished shows how it stands, with
 *   the way back to the vendor's product. The console's session may open it without a token: a session is made.
 * - `POST /connect/microsoft`: "Continue with Microsoft" — opens the link for this browser (reopening it here resumes)
 *   and sends the browser to Microsoft.
 * - `GET /connect/microsoft/callback`: where Microsoft sends the browser back (public: the state is what it checks).
 */
export const connectPageRoutes: FastifyPluginAsyncZod<ConnectPageRoutesOptions> = async (
  app,
  { integrations, sessions, service, browserFlows, publicUrl, secureCookies, logger },
) => {
  // The start page's buttons are plain form posts; only these routes take form bodies (the API takes JSON).
  await app.register(formbody, { bodyLimit: 16 * 1024 });
  const send = (reply: FastifyReply, page: ConnectPage) =>
    reply
      .code(page.status)
      .headers(CONNECT_PAGE_HEADERS)
      .type('text/html; charset=utf-8')
      .send(renderConnectPage(page));

  const failure = (reply: FastifyReply, err: unknown) => {
    if (err instanceof TenantlinkError) {
      const status = statusOf(err);
      if (status >= 500) logger?.error({ code: err.code, microsoftCode: err.microsoftCode }, err.message);
      return send(reply, {
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
      });
    }
    logger?.error({ err }, 'unexpected error in a connect flow');
    return send(reply, {
      status: 500,
      code: 'INTERNAL',
      title: 'Connecting did not work',
      message: 'Something went wrong on the server; its log has the details.',
    });
  };

  const cookieOptions = (path: string) => ({
    path,
    httpOnly: true,
    // Lax: the cookies must come back on Microsoft's top-level redirect to the callback.
    sameSite: 'lax' as const,
    secure: secureCookies(),
    maxAge: CONNECT_LINK_TTL_MS / 1000,
  });
  const browserHash = (request: FastifyRequest) => {
    const id = request.cookies[BROWSER_COOKIE];
    return id ? sha256(id) : undefined;
  };

  /** The integration a link names, and its session's state in this browser. */
  const resolve = async (request: FastifyRequest, q: z.infer<typeof linkQuery>) => {
    if (!q.integration)
      throw new TenantlinkError('INVALID_INPUT', 'This connect link names no integration.', { status: 400 });
    const integration = await integrations.find(q.integration);
    if (q.token) return { integration, link: await linkState(sessions, q.token, integration, browserHash(request)) };
    if (!request.principal)
      throw new TenantlinkError('UNAUTHENTICATED', 'This connect link is incomplete: it carries no token.', {
        status: 401,
        diagnosis: {
          meaning: 'Connect links are made for one customer at a time by the application that sent you here.',
          fix: 'Go back to that application and start connecting again.',
        },
      });
    return { integration, link: undefined };
  };

  /** The start page, or how the link stands when it cannot be continued here. */
  const show = (reply: FastifyReply, integration: Integration, link: LinkState, token: string) => {
    if (link.kind === 'finished') return send(reply, sessionPage(integration, link.session));
    if (link.kind === 'expired') return send(reply, sessionPage(integration, link.session, 'expired'));
    if (link.kind === 'elsewhere') return send(reply, sessionPage(integration, link.session, 'elsewhere'));
    const authority = new URL(service.cloudFor(integration).authorityHost).origin;
    return reply
      .code(200)
      .headers(startPageHeaders(authority, new URL(link.session.returnUrl ?? integration.returnUrl).origin))
      .type('text/html; charset=utf-8')
      .send(
        renderStartPage({
          ...startPageContent(integration),
          action: CONNECT_PATH,
          fields: { integration: integration.name, token },
          resuming: link.session.status === 'opened',
        }),
      );
  };

  app.get(
    CONNECT_PATH,
    {
      config: { public: true, rateLimit: { max: 60, timeWindow: '1 minute' } },
      schema: {
        tags: ['connect'],
        summary:
          'A connect link\'s start page: who asks, what will be read and why, the admin role needed, and "Continue with Microsoft". Fetching it uses nothing up',
        querystring: linkQuery,
        security: [],
      },
    },
    async (request, reply) => {
      const q = request.query;
      try {
        const { integration, link } = await resolve(request, q);
        if (link) return show(reply, integration, link, q.token!);
        // Opened from the console (signed in): a session is made, as the API would, and its start page shown.
        if (q.state !== undefined && q.state.length > MAX_VENDOR_STATE)
          throw new TenantlinkError('INVALID_INPUT', `state is at most ${MAX_VENDOR_STATE} characters.`, {
            status: 400,
          });
        const made = await createConnectSession(sessions, integration, {
          state: q.state ?? null,
          returnUrl: q.returnUrl ?? null,
          publicUrl: publicUrl(),
        });
        return reply.headers(CONNECT_PAGE_HEADERS).redirect(made.url, 303);
      } catch (err) {
        return failure(reply, err);
      }
    },
  );

  app.post(
    CONNECT_PATH,
    {
      config: { public: true, rateLimit: { max: 30, timeWindow: '1 minute' } },
      schema: {
        tags: ['connect'],
        summary:
          '"Continue with Microsoft": opens the link for this browser (reopening it here resumes) and redirects to ' +
          'Microsoft; with action=cancel, ends it (error cancelled) and returns to the vendor',
        body: continueBody,
        security: [],
      },
    },
    async (request, reply) => {
      const q = request.body;
      try {
        if (!q.token)
          throw new TenantlinkError('CONNECT_LINK_INVALID', 'This connect link carries no token.', { status: 401 });
        const { integration, link } = await resolve(request, q);
        if (!link || link.kind !== 'open') return show(reply, integration, link!, q.token);
        if (q.action === 'cancel') {
          // Cancelling is allowed only where continuing is: not for a link another browser has opened.
          const location = await browserFlows.cancel(link.session, integration);
          return reply.headers(CONNECT_PAGE_HEADERS).redirect(location, 303);
        }
        let browser = request.cookies[BROWSER_COOKIE];
        if (!browser || !(await sessions.open(link.session.id, sha256(browser)))) {
          browser = randomToken(24);
          if (!(await sessions.open(link.session.id, sha256(browser))))
            return show(reply, integration, await linkState(sessions, q.token, integration, sha256(browser)), q.token);
        }
        reply.setCookie(BROWSER_COOKIE, browser, cookieOptions(CONNECT_PATH));
        const opened = (await sessions.get(link.session.id)) ?? link.session;
        const { location, state } = await browserFlows.begin(opened, integration);
        reply.setCookie(flowCookie(state), state, cookieOptions(CALLBACK_PATH));
        return reply.headers(CONNECT_PAGE_HEADERS).redirect(location, 303);
      } catch (err) {
        return failure(reply, err);
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
          "Where Microsoft returns after admin consent or sign-in (register it as the app's Web redirect URI); redirects to the next step, or to the return URL with state, result, connection, tenant and error",
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
        if ('page' in next) return send(reply, next.page);
        if (next.state) reply.setCookie(flowCookie(next.state), next.state, cookieOptions(CALLBACK_PATH));
        return reply.headers(CONNECT_PAGE_HEADERS).redirect(next.location, 302);
      } catch (err) {
        return failure(reply, err);
      }
    },
  );
};
