import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { applicationPermission, delegatedPermission } from '../../tenant/graph-permissions.js';
import { type Application, MICROSOFT_GRAPH_APP_ID, type Tenant, type User } from '../../tenant/model.js';
import { AADSTS, aadsts, aadTimestamp, errorTrailer, IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import { missingConsent, registeredDelegatedScopes, requiredScopes } from '../delegated-issuance.js';
import { type BrowserSession, type Interaction, opaqueToken, type RedirectPlatform } from '../grant-store.js';
import { correlationIdOf, errorContext, flattenForm } from '../http.js';
import { parseDelegatedScopes } from '../scopes.js';
import { resolveTenantSegment } from '../tenant-segment.js';
import {
  type ConsentItem,
  consentPage,
  deviceCodeEntryPage,
  deviceConfirmPage,
  deviceDonePage,
  errorLookupPage,
  errorPage,
  formPostPage,
  mfaPage,
  needAdminApprovalPage,
  signedOutPage,
  signInPage,
} from './pages.js';

const SESSION_COOKIE = 'sandbox_session';
const INTERACTION_LIFETIME_MS = 15 * 60_000;
const PROMPTS = new Set(['login', 'none', 'consent', 'select_account', 'create']);

type Query = Record<string, string>;

/** The sign-in, consent, device-login and admin-consent pages, and the redirects that end them. */
export function registerInteractionRoutes(app: FastifyInstance, ctx: IdentityContext): void {
  const html = (reply: FastifyReply, body: string, status = 200) =>
    reply.code(status).header('cache-control', 'no-store, no-cache').type('text/html; charset=utf-8').send(body);

  const showError = (request: FastifyRequest, reply: FastifyReply, err: IdentityError, correlationId?: string) => {
    const ectx = errorContext(ctx, request, correlationId ?? correlationIdOf(request));
    return html(
      reply,
      errorPage({
        code: err.code,
        message: err.definition.message(err.params),
        traceId: ectx.traceId,
        correlationId: ectx.correlationId,
        timestamp: aadTimestamp(ectx.nowMs),
      }),
      err.definition.status,
    );
  };

  const application = (interaction: Interaction) => ctx.directory.findApplication(interaction.clientId)!;

  /** Ends an authorize or admin-consent interaction at the client's redirect URI. */
  const redirectToClient = (reply: FastifyReply, interaction: Interaction, params: Record<string, string>) => {
    ctx.grants.interactions.delete(interaction.id);
    const target = interaction.authorize ?? interaction.adminConsent!;
    const mode = interaction.authorize?.responseMode ?? 'query';
    if (mode === 'form_post') return html(reply, formPostPage(target.redirectUri, params));
    const url = new URL(target.redirectUri);
    const encoded = new URLSearchParams(params).toString();
    if (mode === 'fragment') url.hash = encoded;
    else url.search = url.search ? `${url.search.slice(1)}&${encoded}` : encoded;
    return reply.redirect(url.toString(), 302);
  };

  const redirectError = (
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: Interaction,
    err: IdentityError,
    extra: Record<string, string> = {},
  ) => {
    const ectx = errorContext(ctx, request, correlationIdOf(request));
    const params: Record<string, string> = {
      error: err.definition.error,
      error_description: `AADSTS${err.code}: ${err.definition.message(err.params)}${errorTrailer(ectx)}`,
      error_uri: `${ectx.origin}/error?code=${err.code}`,
      ...extra,
    };
    const state = interaction.authorize?.state ?? interaction.adminConsent?.state;
    if (state !== null && state !== undefined) params.state = state;
    return redirectToClient(reply, interaction, params);
  };

  const cancelRedirect = (reply: FastifyReply, interaction: Interaction) => {
    const params: Record<string, string> = { error: 'access_denied', error_subcode: 'cancel' };
    const state = interaction.authorize?.state ?? interaction.adminConsent?.state;
    if (state !== null && state !== undefined) params.state = state;
    return redirectToClient(reply, interaction, params);
  };

  const sessionFromCookie = (request: FastifyRequest, segmentTenantId: string | null): BrowserSession | undefined => {
    const id = request.cookies[SESSION_COOKIE];
    const session = id ? ctx.grants.sessions.get(id) : undefined;
    if (!session) return undefined;
    if (segmentTenantId && session.tenantId !== segmentTenantId) return undefined;
    const user = ctx.directory.tenants.get(session.tenantId)?.users.get(session.userId);
    if (!user?.accountEnabled) return undefined;
    if (Date.parse(user.signInSessionsValidFromDateTime) > session.authTime) return undefined;
    return session;
  };

  const newInteraction = (
    init: Omit<Interaction, 'id' | 'expiresAt' | 'session' | 'pendingMfa' | 'consentOffer'>,
  ): Interaction => {
    const interaction: Interaction = {
      ...init,
      id: opaqueToken(24),
      expiresAt: ctx.clock.now() + INTERACTION_LIFETIME_MS,
      session: null,
      pendingMfa: null,
      consentOffer: null,
    };
    ctx.grants.interactions.set(interaction.id, interaction);
    return interaction;
  };

  const loadInteraction = (txn: string | undefined): Interaction => {
    const interaction = txn ? ctx.grants.interactions.get(txn) : undefined;
    if (!interaction || interaction.expiresAt < ctx.clock.now()) throw aadsts('refreshTokenMalformed');
    return interaction;
  };

  const showSignIn = (reply: FastifyReply, interaction: Interaction, error?: { code: number; text: string }) =>
    html(
      reply,
      signInPage({
        action: `/${interaction.tenantSegment}/login`,
        txn: interaction.id,
        appName: application(interaction).application.displayName,
        username: interaction.loginHint ?? '',
        ...(error ? { error } : {}),
      }),
    );

  const consentItems = (values: string[], type: 'Application' | 'Delegated'): ConsentItem[] =>
    values.map((value) => {
      if (type === 'Application') {
        const p = applicationPermission(value);
        return { value, type, displayName: p?.displayName ?? value, adminOnly: true };
      }
      const p = delegatedPermission(value);
      return { value, type, displayName: p?.displayName ?? value, adminOnly: p?.adminConsentRequired ?? false };
    });

  const registeredApplicationPermissions = (app: Application): string[] =>
    app.requiredResourceAccess
      .filter((r) => r.resourceAppId === MICROSOFT_GRAPH_APP_ID)
      .flatMap((r) => r.resourceAccess.filter((a) => a.type === 'Role'))
      .map((a) => applicationPermission(a.id)?.value)
      .filter((v): v is string => Boolean(v));

  /** The delegated permissions an admin-consent request covers: its scopes, or the registration's list for .default. */
  const adminConsentDelegated = (interaction: Interaction, app: Application, tenant: Tenant): string[] =>
    interaction.scopes.length === 0 || interaction.scopes.some((s) => s.endsWith('/.default'))
      ? registeredDelegatedScopes(app)
      : parseDelegatedScopes(interaction.scopes.join(' '), { appName: app.displayName, tenantName: tenant.displayName })
          .graph;

  /** After sign-in: check the app in the user's tenant, ask for consent if any is missing, then finish. */
  const proceed = (request: FastifyRequest, reply: FastifyReply, interaction: Interaction) => {
    const session = interaction.session!;
    const tenant = ctx.directory.tenants.get(session.tenantId)!;
    const user = tenant.users.get(session.userId)!;
    const { application: app, home } = application(interaction);
    const fail = (err: IdentityError) => {
      ctx.grants.interactions.delete(interaction.id);
      return showError(request, reply, err);
    };
    if (app.signInAudience === 'AzureADMyOrg' && tenant.id !== home.id) {
      return fail(
        aadsts('userNotInTenant', {
          userTenantId: tenant.id,
          tenantName: home.displayName,
          appId: app.appId,
          appName: app.displayName,
        }),
      );
    }
    const sp = ctx.directory.servicePrincipal(tenant, app.appId);
    if (sp && !sp.accountEnabled) {
      return fail(aadsts('applicationDisabled', { appId: app.appId, appName: app.displayName }));
    }
    const action = `/${interaction.tenantSegment}/consent`;
    const isAdmin = ctx.directory.isAdmin(user);
    if (interaction.kind === 'adminconsent') {
      // v1 and `.default` consent to everything the registration lists; named v2 scopes to those scopes only.
      const wholeRegistration =
        interaction.scopes.length === 0 || interaction.scopes.some((s) => s.endsWith('/.default'));
      const offer = {
        application: wholeRegistration ? registeredApplicationPermissions(app) : [],
        delegated: adminConsentDelegated(interaction, app, tenant),
        forOrganization: 'always' as const,
      };
      const items = [...consentItems(offer.application, 'Application'), ...consentItems(offer.delegated, 'Delegated')];
      if (!isAdmin) {
        return html(
          reply,
          needAdminApprovalPage({
            action,
            txn: interaction.id,
            appName: app.displayName,
            items: items.map((i) => i.value),
          }),
        );
      }
      interaction.consentOffer = offer;
      return html(
        reply,
        consentPage({
          action,
          txn: interaction.id,
          appName: app.displayName,
          publisherTenant: home.displayName,
          user: user.userPrincipalName,
          items,
          offerOrganizationConsent: true,
          adminConsentFlow: true,
        }),
      );
    }
    const scopeRequest = parseDelegatedScopes(interaction.scopes.join(' '), {
      appName: app.displayName,
      tenantName: tenant.displayName,
    });
    const required = requiredScopes(app, scopeRequest);
    const missing = missingConsent(ctx, tenant, app, user, required);
    const forceConsent = interaction.prompt === 'consent';
    if (missing.length === 0 && !forceConsent) return finish(reply, interaction);
    if (interaction.prompt === 'none') {
      return redirectError(
        request,
        reply,
        interaction,
        aadsts('consentRequiredInteractive', { appId: app.appId, appName: app.displayName }),
      );
    }
    const toGrant = forceConsent ? required : missing;
    const items = consentItems(toGrant, 'Delegated');
    if (!isAdmin && (items.some((i) => i.adminOnly) || !tenant.settings.usersCanConsent)) {
      return html(
        reply,
        needAdminApprovalPage({ action, txn: interaction.id, appName: app.displayName, items: toGrant }),
      );
    }
    interaction.consentOffer = { application: [], delegated: toGrant, forOrganization: isAdmin ? 'optional' : 'never' };
    return html(
      reply,
      consentPage({
        action,
        txn: interaction.id,
        appName: app.displayName,
        publisherTenant: home.displayName,
        user: user.userPrincipalName,
        items,
        offerOrganizationConsent: isAdmin,
        adminConsentFlow: false,
      }),
    );
  };

  /** Completes the interaction: a code for authorize, approval for a device code, the redirect for admin consent. */
  const finish = (reply: FastifyReply, interaction: Interaction) => {
    const session = interaction.session!;
    const now = ctx.clock.now();
    if (interaction.kind === 'authorize') {
      const a = interaction.authorize!;
      const code = `1.A${opaqueToken(200)}`;
      ctx.grants.codes.set(code, {
        code,
        tenantId: session.tenantId,
        clientId: interaction.clientId,
        userId: session.userId,
        redirectUri: a.redirectUri,
        platform: a.platform,
        scopes: interaction.scopes,
        codeChallenge: a.codeChallenge,
        codeChallengeMethod: a.codeChallengeMethod,
        nonce: a.nonce,
        sessionId: session.id,
        authTime: session.authTime,
        amr: session.amr,
        expiresAt: now + ctx.settings.authorizationCodeLifetimeSeconds * 1000,
        redeemed: false,
      });
      const params: Record<string, string> = { code };
      if (a.state !== null) params.state = a.state;
      params.session_state = session.id;
      return redirectToClient(reply, interaction, params);
    }
    if (interaction.kind === 'device') {
      const record = ctx.grants.deviceCodes.get(interaction.device!.deviceCode);
      ctx.grants.interactions.delete(interaction.id);
      if (record === undefined || record.status !== 'pending') throw aadsts('badVerificationCode');
      if (record.expiresAt < ctx.clock.now()) throw aadsts('deviceCodeExpired');
      Object.assign(record, {
        status: 'approved',
        tenantId: session.tenantId,
        userId: session.userId,
        sessionId: session.id,
        authTime: session.authTime,
        amr: session.amr,
      });
      return html(reply, deviceDonePage({ appName: application(interaction).application.displayName, approved: true }));
    }
    const c = interaction.adminConsent!;
    const params: Record<string, string> = { admin_consent: 'True', tenant: session.tenantId };
    if (c.version === 2 && interaction.scopes.length > 0) params.scope = interaction.scopes.join(' ');
    if (c.state !== null) params.state = c.state;
    return redirectToClient(reply, interaction, params);
  };

  const startSession = (
    reply: FastifyReply,
    tenant: Tenant,
    user: User,
    amr: BrowserSession['amr'],
  ): BrowserSession => {
    const session: BrowserSession = {
      id: randomUUID(),
      tenantId: tenant.id,
      userId: user.id,
      authTime: ctx.clock.now(),
      amr,
    };
    ctx.grants.sessions.set(session.id, session);
    reply.setCookie(SESSION_COOKIE, session.id, { path: '/', httpOnly: true, secure: true, sameSite: 'lax' });
    return session;
  };

  /** Starts an interaction: reuse the browser session unless the client forces a fresh sign-in. */
  const begin = (
    request: FastifyRequest,
    reply: FastifyReply,
    interaction: Interaction,
    segmentTenantId: string | null,
  ) => {
    const forceLogin = interaction.prompt === 'login' || interaction.prompt === 'select_account';
    const session = forceLogin ? undefined : sessionFromCookie(request, segmentTenantId);
    if (session) {
      interaction.session = session;
      return proceed(request, reply, interaction);
    }
    if (interaction.prompt === 'none') return redirectError(request, reply, interaction, aadsts('loginRequired'));
    return showSignIn(reply, interaction);
  };

  const matchRedirect = (app: Application, uri: string): RedirectPlatform | undefined => {
    if (app.web.redirectUris.includes(uri)) return 'web';
    if (app.spa.redirectUris.includes(uri)) return 'spa';
    if (app.publicClient.redirectUris.includes(uri)) return 'publicClient';
    // RFC 8252 loopback redirects: a registered http://localhost URI matches any port.
    try {
      const url = new URL(uri);
      if (url.protocol === 'http:' && (url.hostname === 'localhost' || url.hostname === '127.0.0.1')) {
        const withoutPort = `${url.protocol}//${url.hostname}${url.pathname === '/' ? '' : url.pathname}`;
        const registered = app.publicClient.redirectUris.map((u) => u.replace(/\/$/, ''));
        if (registered.includes(withoutPort.replace(/\/$/, ''))) return 'publicClient';
      }
    } catch {
      return undefined;
    }
    return undefined;
  };

  // ---- /authorize ----------------------------------------------------------------------------------------------
  const authorize = async (request: FastifyRequest<{ Params: { tenant: string } }>, reply: FastifyReply, q: Query) => {
    let interaction: Interaction;
    let segmentTenantId: string | null;
    try {
      const segment = resolveTenantSegment(ctx.directory, request.params.tenant);
      segmentTenantId = segment.kind === 'tenant' ? segment.tenant.id : null;
      if (!q.client_id) throw aadsts('missingParameter', { name: 'client_id' });
      const found = ctx.directory.findApplication(q.client_id);
      if (!found) throw aadsts('applicationNotFound', { appId: q.client_id, tenant: segment.value });
      const app = found.application;
      if (segment.kind !== 'tenant' && app.signInAudience === 'AzureADMyOrg') {
        throw aadsts('singleTenantAppOnCommon', { appId: app.appId, appName: app.displayName });
      }
      if (segment.kind === 'tenant' && app.signInAudience === 'AzureADMyOrg' && segment.tenant.id !== found.home.id) {
        throw aadsts('applicationNotFound', { appId: app.appId, tenant: segment.value });
      }
      const registered = [...app.web.redirectUris, ...app.spa.redirectUris, ...app.publicClient.redirectUris];
      if (registered.length === 0) throw aadsts('noRedirectUri');
      const redirectUri = q.redirect_uri;
      if (!redirectUri) throw aadsts('missingParameter', { name: 'redirect_uri' });
      try {
        new URL(redirectUri);
      } catch {
        throw aadsts('invalidRedirectUri');
      }
      const platform = matchRedirect(app, redirectUri);
      if (!platform) throw aadsts('redirectUriMismatch', { redirectUri, appId: app.appId });
      const responseMode = (q.response_mode ?? 'query') as 'query' | 'fragment' | 'form_post';
      interaction = newInteraction({
        kind: 'authorize',
        tenantSegment: request.params.tenant,
        clientId: app.appId,
        scopes: (q.scope ?? '').split(/\s+/).filter(Boolean),
        loginHint: q.login_hint ?? null,
        prompt: q.prompt ?? null,
        authorize: {
          redirectUri,
          platform,
          state: q.state ?? null,
          responseMode: ['query', 'fragment', 'form_post'].includes(responseMode) ? responseMode : 'query',
          codeChallenge: q.code_challenge ?? null,
          codeChallengeMethod: q.code_challenge_method === 'S256' ? 'S256' : 'plain',
          nonce: q.nonce ?? null,
        },
      });
    } catch (err) {
      if (err instanceof IdentityError) return showError(request, reply, err);
      throw err;
    }
    try {
      const app = application(interaction).application;
      if (!q.response_type) throw aadsts('missingParameter', { name: 'response_type' });
      if (q.response_type !== 'code') throw aadsts('unsupportedResponseType', { responseType: q.response_type });
      if (q.prompt && !PROMPTS.has(q.prompt)) throw aadsts('unsupportedPrompt');
      if (!q.scope) throw aadsts('missingParameter', { name: 'scope' });
      parseDelegatedScopes(q.scope, { appName: app.displayName, tenantName: request.params.tenant });
      if (q.code_challenge_method && !['S256', 'plain'].includes(q.code_challenge_method)) {
        throw aadsts('missingParameter', { name: 'code_challenge_method' });
      }
      return begin(request, reply, interaction, segmentTenantId);
    } catch (err) {
      if (err instanceof IdentityError) return redirectError(request, reply, interaction, err);
      throw err;
    }
  };

  app.get<{ Params: { tenant: string }; Querystring: Query }>('/:tenant/oauth2/v2.0/authorize', (request, reply) =>
    authorize(request, reply, request.query),
  );
  app.post<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', (request, reply) =>
    authorize(request, reply, flattenForm(request.body)),
  );

  /** A POST that continues a pending interaction named by the form's `txn`; an unknown or stale one is an error page. */
  const interactionPost = (
    path: string,
    handler: (
      request: FastifyRequest,
      reply: FastifyReply,
      form: Record<string, string>,
      interaction: Interaction,
    ) => Promise<unknown>,
  ) =>
    app.post(path, async (request, reply) => {
      const form = flattenForm(request.body);
      let interaction: Interaction;
      try {
        interaction = loadInteraction(form.txn);
      } catch (err) {
        return showError(request, reply, err as IdentityError);
      }
      try {
        return await handler(request, reply, form, interaction);
      } catch (err) {
        if (!(err instanceof IdentityError)) throw err;
        ctx.grants.interactions.delete(interaction.id);
        return showError(request, reply, err);
      }
    });

  // ---- sign-in, MFA and consent posts ----------------------------------------------------------------------------
  interactionPost('/:tenant/login', async (request, reply, form, interaction) => {
    const login = (form.login ?? '').trim();
    interaction.loginHint = login;
    const segment = resolveTenantSegment(ctx.directory, interaction.tenantSegment);
    const found =
      segment.kind === 'tenant'
        ? (() => {
            const user = ctx.directory.findUser(segment.tenant, login);
            return user ? { tenant: segment.tenant, user } : undefined;
          })()
        : ctx.directory.findUserBySignInName(login);
    if (!found) {
      const notFound = AADSTS.userNotFound;
      return showSignIn(reply, interaction, {
        code: notFound.code,
        text: 'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.',
      });
    }
    if (found.user.password !== (form.passwd ?? '')) {
      return showSignIn(reply, interaction, {
        code: AADSTS.badPassword.code,
        text: "Your account or password is incorrect. If you don't remember your password, reset it now.",
      });
    }
    if (!found.user.accountEnabled) return showError(request, reply, aadsts('userDisabled'));
    if (found.user.conditionalAccessBlocked) return showError(request, reply, aadsts('blockedByConditionalAccess'));
    if (found.user.mfaRequired) {
      interaction.pendingMfa = { tenantId: found.tenant.id, userId: found.user.id };
      return html(
        reply,
        mfaPage({
          action: `/${interaction.tenantSegment}/mfa`,
          txn: interaction.id,
          username: found.user.userPrincipalName,
        }),
      );
    }
    interaction.session = startSession(reply, found.tenant, found.user, ['pwd']);
    return proceed(request, reply, interaction);
  });

  interactionPost('/:tenant/mfa', async (request, reply, form, interaction) => {
    const pending = interaction.pendingMfa;
    if (!pending) return showSignIn(reply, interaction);
    if (form.decision !== 'approve') {
      ctx.grants.interactions.delete(interaction.id);
      return showError(request, reply, aadsts('mfaDenied'));
    }
    const tenant = ctx.directory.tenants.get(pending.tenantId)!;
    interaction.session = startSession(reply, tenant, tenant.users.get(pending.userId)!, ['pwd', 'mfa']);
    interaction.pendingMfa = null;
    return proceed(request, reply, interaction);
  });

  interactionPost('/:tenant/consent', async (request, reply, form, interaction) => {
    if (!interaction.session) return showSignIn(reply, interaction);
    const tenant = ctx.directory.tenants.get(interaction.session.tenantId)!;
    const user = tenant.users.get(interaction.session.userId)!;
    const { application: app, home } = application(interaction);
    if (form.decision === 'back') {
      if (interaction.kind === 'device') return declineDevice(reply, interaction);
      return cancelRedirect(reply, interaction);
    }
    if (form.decision !== 'accept') {
      if (interaction.kind === 'device') return declineDevice(reply, interaction);
      const extra: Record<string, string> = interaction.kind === 'adminconsent' ? { admin_consent: 'True' } : {};
      return redirectError(request, reply, interaction, aadsts('consentDeclined'), extra);
    }
    // Only what the consent page offered this user can be granted; no page shown, nothing to accept.
    const offer = interaction.consentOffer;
    if (!offer) return cancelRedirect(reply, interaction);
    const sp = ctx.directory.ensureServicePrincipal(tenant, app, home);
    ctx.directory.grantApplicationPermissions(tenant, sp, offer.application);
    const forOrganization =
      offer.forOrganization === 'always' ||
      (offer.forOrganization === 'optional' && form.consentForOrganization === 'true');
    if (offer.delegated.length > 0) {
      ctx.directory.grantDelegatedPermissions(tenant, sp, offer.delegated, forOrganization ? null : user.id);
    }
    interaction.consentOffer = null;
    return finish(reply, interaction);
  });

  const declineDevice = (reply: FastifyReply, interaction: Interaction) => {
    const record = ctx.grants.deviceCodes.get(interaction.device!.deviceCode);
    if (record && record.status === 'pending') record.status = 'declined';
    ctx.grants.interactions.delete(interaction.id);
    return html(reply, deviceDonePage({ appName: application(interaction).application.displayName, approved: false }));
  };

  // ---- device login --------------------------------------------------------------------------------------------
  app.get('/devicelogin', async (_request, reply) =>
    html(reply, deviceCodeEntryPage({ action: '/common/oauth2/deviceauth' })),
  );

  app.post('/common/oauth2/deviceauth', async (request, reply) => {
    const form = flattenForm(request.body);
    const record = ctx.grants.deviceCodeByUserCode(form.otc ?? '');
    if (record === undefined || record.status !== 'pending' || record.expiresAt < ctx.clock.now()) {
      return html(
        reply,
        deviceCodeEntryPage({
          action: '/common/oauth2/deviceauth',
          error: "That code didn't work. Check the code and try again.",
        }),
      );
    }
    const interaction = newInteraction({
      kind: 'device',
      tenantSegment: record.tenantSegment,
      clientId: record.clientId,
      scopes: record.scopes,
      loginHint: null,
      prompt: null,
      device: { deviceCode: record.deviceCode },
    });
    return html(
      reply,
      deviceConfirmPage({
        action: `/${record.tenantSegment}/deviceauth/confirm`,
        txn: interaction.id,
        appName: application(interaction).application.displayName,
      }),
    );
  });

  interactionPost('/:tenant/deviceauth/confirm', async (request, reply, form, interaction) => {
    if (form.decision !== 'continue') return declineDevice(reply, interaction);
    const segment = resolveTenantSegment(ctx.directory, interaction.tenantSegment);
    return begin(request, reply, interaction, segment.kind === 'tenant' ? segment.tenant.id : null);
  });

  // ---- admin consent -------------------------------------------------------------------------------------------
  const adminConsent =
    (version: 1 | 2) =>
    async (request: FastifyRequest<{ Params: { tenant: string }; Querystring: Query }>, reply: FastifyReply) => {
      const q = request.query;
      try {
        const segment = resolveTenantSegment(ctx.directory, request.params.tenant);
        if (!q.client_id) throw aadsts('missingParameter', { name: 'client_id' });
        const found = ctx.directory.findApplication(q.client_id);
        if (!found) throw aadsts('applicationNotFound', { appId: q.client_id, tenant: segment.value });
        const app = found.application;
        if (app.signInAudience === 'AzureADMyOrg' && segment.kind !== 'tenant') {
          throw aadsts('singleTenantAppOnCommon', { appId: app.appId, appName: app.displayName });
        }
        if (app.signInAudience === 'AzureADMyOrg' && segment.kind === 'tenant' && segment.tenant.id !== found.home.id) {
          throw aadsts('applicationNotFound', { appId: app.appId, tenant: segment.value });
        }
        const scopes = version === 2 ? (q.scope ?? '').split(/\s+/).filter(Boolean) : [];
        const named = scopes.filter((s) => !s.endsWith('/.default'));
        if (named.length > 0)
          parseDelegatedScopes(named.join(' '), { appName: app.displayName, tenantName: segment.value });
        const redirectUri = q.redirect_uri ?? app.web.redirectUris[0];
        if (!redirectUri) throw aadsts('noRedirectUri');
        if (!app.web.redirectUris.includes(redirectUri))
          throw aadsts('redirectUriMismatch', { redirectUri, appId: app.appId });
        const interaction = newInteraction({
          kind: 'adminconsent',
          tenantSegment: request.params.tenant,
          clientId: app.appId,
          scopes,
          loginHint: q.login_hint ?? null,
          prompt: null,
          adminConsent: { redirectUri, state: q.state ?? null, version },
        });
        return begin(request, reply, interaction, segment.kind === 'tenant' ? segment.tenant.id : null);
      } catch (err) {
        if (err instanceof IdentityError) return showError(request, reply, err);
        throw err;
      }
    };
  app.get('/:tenant/v2.0/adminconsent', adminConsent(2));
  app.get('/:tenant/adminconsent', adminConsent(1));

  /** Sign-out only returns to a URI some app registered (that app's, when the client names itself). */
  const isRegisteredRedirect = (uri: string, clientId: string | undefined): boolean => {
    const apps = clientId
      ? [ctx.directory.findApplication(clientId)?.application].filter((a): a is Application => Boolean(a))
      : [...ctx.directory.tenants.values()].flatMap((t) => [...t.applications.values()]);
    return apps.some((a) =>
      [...a.web.redirectUris, ...a.spa.redirectUris, ...a.publicClient.redirectUris].includes(uri),
    );
  };

  // ---- sign-out and error lookup -------------------------------------------------------------------------------
  app.get<{ Params: { tenant: string }; Querystring: Query }>('/:tenant/oauth2/v2.0/logout', async (request, reply) => {
    const id = request.cookies[SESSION_COOKIE];
    if (id) ctx.grants.sessions.delete(id);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    const target = request.query.post_logout_redirect_uri;
    if (target && isRegisteredRedirect(target, request.query.client_id)) return reply.redirect(target, 302);
    return html(reply, signedOutPage());
  });

  app.get<{ Querystring: { code?: string } }>('/error', async (request, reply) => {
    const code = Number(request.query.code);
    const definition = Object.values(AADSTS).find((d) => d.code === code);
    return html(reply, errorLookupPage(code, definition?.message({})));
  });
}
