import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AADSTS, IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import type { Interaction } from '../grant-store.js';
import { correlationIdOf, flattenForm, originOf } from '../http.js';
import { confirmDevice, submitConsent, submitLogin, submitMfa } from './answers.js';
import { endInteraction, loadInteraction, SESSION_COOKIE } from './interactions.js';
import { type Outcome, type PageRequest, page, showError } from './outcome.js';
import { deviceCodeEntryPage, errorLookupPage, signedOutPage } from './pages.js';
import { isRegisteredRedirect } from './redirects.js';
import { DEVICE_CODE_ENTRY, enterDeviceCode, startAdminConsent, startAuthorize } from './start.js';

type Query = Record<string, string>;
type Answer = (ctx: IdentityContext, request: PageRequest, interaction: Interaction, form: Query) => Outcome;

function pageRequest(request: FastifyRequest): PageRequest {
  return {
    traceId: request.id,
    correlationId: correlationIdOf(request),
    origin: originOf(request),
    sessionCookie: request.cookies[SESSION_COOKIE],
  };
}

/** Sends what a step answered, with the session cookie when the step signed someone in. */
function send(reply: FastifyReply, request: PageRequest, outcome: Outcome) {
  if (request.startedSession) {
    reply.setCookie(SESSION_COOKIE, request.startedSession, {
      path: '/',
      httpOnly: true,
      secure: true,
      sameSite: 'lax',
    });
  }
  if (outcome.kind === 'redirect') return reply.redirect(outcome.url, 302);
  return reply
    .code(outcome.status)
    .header('cache-control', 'no-store, no-cache')
    .type('text/html; charset=utf-8')
    .send(outcome.html);
}

/** The sign-in, consent, device-login and admin-consent pages, and the redirects that end them (see flow.ts). */
export function registerInteractionRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const respond = (reply: FastifyReply, request: FastifyRequest, step: (page: PageRequest) => Outcome) => {
    const browser = pageRequest(request);
    return send(reply, browser, step(browser));
  };

  app.get<{ Params: { tenant: string }; Querystring: Query }>(
    '/:tenant/oauth2/v2.0/authorize',
    async (request, reply) =>
      respond(reply, request, (browser) => startAuthorize(ctx, browser, request.params.tenant, request.query)),
  );
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', async (request, reply) =>
    respond(reply, request, (browser) =>
      startAuthorize(ctx, browser, request.params.tenant, flattenForm(request.body)),
    ),
  );

  /** A POST that continues a pending interaction named by the form's `txn`; an unknown or stale one is an error page. */
  const answer = (path: string, handler: Answer) =>
    app.post(path, async (request, reply) =>
      respond(reply, request, (browser) => {
        const form = flattenForm(request.body);
        let interaction: Interaction;
        try {
          interaction = loadInteraction(ctx, form.txn);
        } catch (err) {
          return showError(ctx, browser, err as IdentityError);
        }
        try {
          return handler(ctx, browser, interaction, form);
        } catch (err) {
          if (!(err instanceof IdentityError)) throw err;
          endInteraction(ctx, interaction);
          return showError(ctx, browser, err);
        }
      }),
    );
  answer('/:tenant/login', submitLogin);
  answer('/:tenant/mfa', submitMfa);
  answer('/:tenant/consent', submitConsent);
  answer('/:tenant/deviceauth/confirm', confirmDevice);

  app.get('/devicelogin', async (request, reply) =>
    respond(reply, request, () => page(deviceCodeEntryPage({ action: DEVICE_CODE_ENTRY }))),
  );
  app.post(DEVICE_CODE_ENTRY, async (request, reply) =>
    respond(reply, request, () => enterDeviceCode(ctx, flattenForm(request.body).otc ?? '')),
  );

  for (const [path, version] of [
    ['/:tenant/v2.0/adminconsent', 2],
    ['/:tenant/adminconsent', 1],
  ] as const) {
    app.get<{ Params: { tenant: string }; Querystring: Query }>(path, async (request, reply) =>
      respond(reply, request, (browser) =>
        startAdminConsent(ctx, browser, version, request.params.tenant, request.query),
      ),
    );
  }

  app.get<{ Params: { tenant: string }; Querystring: Query }>('/:tenant/oauth2/v2.0/logout', async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (id) ctx.grants.sessions.delete(id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const target = request.query.post_logout_redirect_uri;
    if (target && isRegisteredRedirect(ctx.directory, target, request.query.client_id)) {
      return reply.redirect(target, 302);
    }
    return send(reply, pageRequest(request), page(signedOutPage()));
  });

  app.get<{ Querystring: { code?: string } }>('/error', async (request, reply) => {
    const code = Number(request.query.code);
    const definition = Object.values(AADSTS).find((d) => d.code === code);
    return send(reply, pageRequest(request), page(errorLookupPage(code, definition?.message({}))));
  });
}
