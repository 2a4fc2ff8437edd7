import { connectFlowContext, type Vault } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { ConnectFlow, ConnectFlowError, ConnectFlowsRepository } from '../store/connect-flows-repository.js';
import type {
  ConnectSessionsRepository,
  ConnectTestSummary,
  StoredConnectSession,
} from '../store/connect-sessions-repository.js';
import { type ConnectFlowKind, isoNow } from '../store/schema.js';
import { equalStrings, randomToken, sha256 } from '../tokens.js';
import { adminConsentUrl } from './admin-consent.js';
import {
  type AuthCodeSecrets,
  authCodeUrl,
  delegatedScopes,
  ORGANIZATIONS,
  redeemAdminSignIn,
  redeemAuthCode,
  type SignInRequest,
  type WebSignInApp,
} from './auth-code.js';
import { CONNECT_LINK_TTL_MS } from './connect-sessions.js';
import {
  asFlowError,
  flowError,
  type MicrosoftAnswer,
  microsoftFlowError,
  SILENT_SIGN_IN_NEEDS_A_PAGE,
} from './flow-errors.js';
import type { Integration, IntegrationService } from './integrations.js';
import type { ConnectOutcome } from './outcome.js';
import type { ConnectPage } from './pages.js';
import { returnUrlWithResult } from './return-url.js';
import { type ConnectedTenant, connectionName, saveConnection } from './save-connection.js';
import { type ConnectTestOptions, testNewConnection } from './test-connection.js';

export interface BrowserFlowsOptions extends ConnectTestOptions {
  flows: ConnectFlowsRepository;
  sessions: ConnectSessionsRepository;
  integrations: IntegrationService;
  vault: Vault;
  /** `<public URL>/connect/microsoft/callback`: the Web redirect URI registered on the integration's app. */
  redirectUri: () => string;
  logger?: Logger;
  /** Told once per session how it ended; a connection is told once its first test has settled. */
  onOutcome?: (outcome: ConnectOutcome) => void | Promise<void>;
}

/** What Microsoft sends back to the callback (admin consent or sign-in), all optional until checked. */
export interface CallbackQuery extends MicrosoftAnswer {
  state?: string | undefined;
  code?: string | undefined;
  tenant?: string | undefined;
  admin_consent?: string | undefined;
}

export type { ConnectOutcome };

/** Where the browser goes next (with the state to bind when it is another leg at Microsoft), or a page to show. */
export type FlowStep = { location: string; state?: string } | { page: ConnectPage };

/** What the sign-in leg of admin consent carries (kept encrypted with the flow). */
interface SignInProof extends AuthCodeSecrets {
  /** The tenant that granted admin consent, which the signed-in administrator must belong to. */
  consentedTenant: string;
  /** The first try is silent (`prompt=none`); an interactive sign-in follows only when it cannot be. */
  silent: boolean;
}

const BROWSER_KINDS: readonly ConnectFlowKind[] = ['admin-sign-in', 'admin-consent', 'auth-code'];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The browser flows, each tied to its connect session. Each `state` we send to Microsoft is random, stored only as its
 * SHA-256, bound to the browser that started it (a cookie the route sets), valid 15 minutes, and used once.
 *
 * - Multi-tenant integration, one consent page: admin consent first (`/organizations/v2.0/adminconsent`, the
 *   registration's permissions with `.default`); its answer names the tenant but is not signed, so the tenant is then
 *   proven by a sign-in asking for `openid profile` only, silent (`prompt=none`) with the session the consent left, and
 *   interactive only when it cannot be silent. The signed-in tenant must be the consented one. The registration lists
 *   the delegated `openid` and `profile` (the setup guide says so), so the admin consent covers the sign-in and leaves
 *   no per-user grant; a declined consent leaves nothing at all.
 * - Delegated integration: one sign-in (auth code with PKCE) with the features' delegated scopes; the refresh token
 *   becomes a delegated connection.
 */
export class BrowserFlows {
  constructor(private readonly options: BrowserFlowsOptions) {}

  /** Stores a session's first leg and returns where to send the browser, with the state to bind to it. */
  async begin(session: StoredConnectSession, integration: Integration): Promise<{ location: string; state: string }> {
    const app = await this.#webApp(integration);
    const state = randomToken(32);
    if (integration.authMode === 'multi-tenant') {
      await this.#store(state, 'admin-consent', integration, session, {});
      const location = adminConsentUrl(app.cloud, {
        tenant: ORGANIZATIONS,
        clientId: integration.clientId,
        redirectUri: app.redirectUri,
        state,
      });
      return { location, state };
    }
    const { url, secrets } = await authCodeUrl(app, { state, scopes: delegatedScopes(integration.features) });
    await this.#store(state, 'auth-code', integration, session, secrets);
    return { location: url, state };
  }

  /** "Cancel" on the start page: the session fails with `cancelled` and the browser goes back to the vendor. */
  async cancel(session: StoredConnectSession, integration: Integration): Promise<string> {
    const error = flowError('cancelled');
    await this.options.sessions.finish(session.id, { status: 'failed', error });
    this.options.logger?.info({ integration: integration.name, code: error.code }, 'connect flow failed');
    return this.#told(integration, session.id, error);
  }

  /**
   * Handles Microsoft's answer. A state that is missing or unknown is CONNECT_STATE_INVALID (400); a state whose leg
   * is done (Back, then Accept again) answers with how its session stands. Otherwise the leg is claimed (once) and the
   * flow goes on at Microsoft, or ends with a redirect to the vendor's return URL carrying the result.
   */
  async complete(query: CallbackQuery, boundState: string | undefined): Promise<FlowStep> {
    const { flows } = this.options;
    const state = query.state;
    if (!state || state.length > 200) throw stateInvalid('The answer from Microsoft carries no valid state.');
    const idHash = sha256(state);
    const known = await flows.get(idHash);
    if (!known || !BROWSER_KINDS.includes(known.kind)) throw stateInvalid('This answer from Microsoft is not ours.');
    const session = known.sessionId ? await this.options.sessions.get(known.sessionId) : undefined;
    const integration = await this.options.integrations.find(known.integrationId ?? '');
    if (known.status !== 'pending' || known.expiresAt <= isoNow()) return this.#standing(session, integration);
    if (!boundState || !equalStrings(boundState, state))
      throw stateInvalid(
        'This sign-in was not started in this browser, or the browser did not keep its cookie.',
        'Start connecting again from the application that sent you, in one browser window.',
      );
    const flow = await flows.claim(idHash, BROWSER_KINDS, 'redeeming');
    if (!flow || !session) return this.#standing(session, integration);
    try {
      if (flow.kind === 'admin-consent') return await this.#afterConsent(integration, session, flow, query);
      if (query.error) {
        const proof = flow.kind === 'admin-sign-in' ? this.#payload<SignInProof>(flow) : undefined;
        if (proof?.silent && SILENT_SIGN_IN_NEEDS_A_PAGE.has(query.error))
          return await this.#proveTenant(integration, session, flow, proof.consentedTenant, false);
        return await this.#fail(
          integration,
          session,
          flow,
          microsoftFlowError(query, flow.kind === 'admin-sign-in' ? 'sign-in' : 'consent'),
        );
      }
      const tenant = await this.#connectedTenant(integration, flow, query);
      return await this.#connect(integration, session, flow, tenant);
    } catch (err) {
      const error = asFlowError(err);
      if (!error) this.options.logger?.error({ err }, 'a connect flow failed unexpectedly');
      return this.#fail(
        integration,
        session,
        flow,
        error ?? { code: 'INTERNAL', message: 'Something went wrong on the server; its log has the details.' },
      );
    }
  }

  /** Admin consent answered: on to proving the tenant with a sign-in, silent first. */
  async #afterConsent(
    integration: Integration,
    session: StoredConnectSession,
    flow: ConnectFlow,
    query: CallbackQuery,
  ): Promise<FlowStep> {
    if (query.error) return this.#fail(integration, session, flow, microsoftFlowError(query, 'consent'));
    const tenant = query.tenant?.toLowerCase();
    if (query.admin_consent !== 'True' || !tenant || !GUID.test(tenant))
      return this.#fail(integration, session, flow, {
        code: 'invalid_response',
        message: 'Microsoft answered the admin consent without the tenant that consented.',
      });
    return this.#proveTenant(integration, session, flow, tenant, true);
  }

  /** The sign-in that proves which tenant the administrator belongs to: `openid profile`, in the consented tenant. */
  async #proveTenant(
    integration: Integration,
    session: StoredConnectSession,
    flow: ConnectFlow,
    consentedTenant: string,
    silent: boolean,
  ): Promise<FlowStep> {
    const state = randomToken(32);
    const request: SignInRequest = {
      state,
      scopes: [],
      tenant: consentedTenant,
      openIdOnly: true,
      ...(silent ? { prompt: 'none' as const } : {}),
    };
    const { url, secrets } = await authCodeUrl(await this.#webApp(integration), request);
    const proof: SignInProof = { ...secrets, consentedTenant, silent };
    await this.#store(state, 'admin-sign-in', integration, session, proof);
    await this.options.flows.finish(flow.idHash, { status: 'used' });
    return { location: url, state };
  }

  async #connectedTenant(integration: Integration, flow: ConnectFlow, query: CallbackQuery): Promise<ConnectedTenant> {
    const base = {
      clientId: integration.clientId,
      cloud: integration.cloud,
      features: integration.features,
      integration: integration.name,
      // The connection holds the integration's secret, so it expires with it.
      ...(integration.secretExpiresAt ? { secretExpiresAt: integration.secretExpiresAt } : {}),
    };
    const app = await this.#webApp(integration);
    if (flow.kind === 'admin-sign-in') {
      const proof = this.#payload<SignInProof>(flow);
      const admin = await redeemAdminSignIn(app, { code: codeOf(query), secrets: proof });
      if (admin.tenantId.toLowerCase() !== proof.consentedTenant)
        throw new TenantlinkError(
          'TENANT_MISMATCH',
          'The consent did not come from the tenant the administrator signed in to.',
        );
      return {
        ...base,
        tenantId: proof.consentedTenant,
        authMode: 'multi-tenant',
        credential: { clientSecret: app.clientSecret },
        name: connectionName(integration.name, proof.consentedTenant, admin.username),
        // The doctor reads a real mailbox and calendar: the administrator's, unless the vendor names another user.
        ...(admin.username.includes('@') ? { testUser: admin.username } : {}),
      };
    }
    const signedIn = await redeemAuthCode(app, {
      code: codeOf(query),
      scopes: delegatedScopes(integration.features),
      secrets: this.#payload<AuthCodeSecrets>(flow),
    });
    return {
      ...base,
      tenantId: signedIn.tenantId.toLowerCase(),
      authMode: 'delegated',
      credential: { refreshToken: signedIn.refreshToken, clientCredential: { clientSecret: app.clientSecret } },
      name: connectionName(integration.name, signedIn.tenantId, signedIn.username),
      user: { id: signedIn.userId, username: signedIn.username },
    };
  }

  /**
   * Stores the connection, tests it, records the session's outcome and sends the browser back with the result. Right
   * after admin consent, replication lag is waited for in the background: the vendor hears the final test through the
   * session and the `connection.created` event.
   */
  async #connect(
    integration: Integration,
    session: StoredConnectSession,
    flow: ConnectFlow,
    tenant: ConnectedTenant,
  ): Promise<FlowStep> {
    const connection = await saveConnection(this.options.service, tenant);
    const test = await testNewConnection(this.options, connection.id, {
      afterAdminConsent: flow.kind === 'admin-sign-in',
    }).catch((err: unknown) => {
      this.options.logger?.warn({ err, connection: connection.id }, 'the test of a new connection failed');
      const failed: ConnectTestSummary = { result: 'errors', warnings: [] };
      return { ...failed, settled: Promise.resolve(failed) };
    });
    const summary: ConnectTestSummary = { result: test.result, warnings: test.warnings };
    await this.options.flows.finish(flow.idHash, { status: 'connected', connectionId: connection.id });
    await this.options.sessions.finish(session.id, {
      status: 'connected',
      connectionId: connection.id,
      tenantId: tenant.tenantId,
      test: summary,
    });
    this.options.logger?.info(
      { flow: flow.kind, integration: integration.name, connection: connection.id, result: test.result },
      'connect flow finished',
    );
    const finished = (await this.options.sessions.get(session.id)) ?? session;
    const ref = { id: connection.id, name: connection.name, tenantId: tenant.tenantId };
    void test.settled
      .then(async (settled) => {
        if (test.result === 'pending') await this.options.sessions.recordTest(session.id, settled);
        await this.options.onOutcome?.({
          type: 'connected',
          session: finished,
          integration,
          connection: ref,
          test: settled,
        });
      })
      .catch((err: unknown) => this.options.logger?.warn({ err, connection: connection.id }, 'after connecting'));
    return { location: resultUrl(integration, finished) };
  }

  async #fail(
    integration: Integration,
    session: StoredConnectSession,
    flow: ConnectFlow,
    error: ConnectFlowError,
  ): Promise<FlowStep> {
    await this.options.flows.finish(flow.idHash, { status: 'failed', error });
    await this.options.sessions.finish(session.id, { status: 'failed', error });
    this.options.logger?.info(
      { flow: flow.kind, integration: integration.name, code: error.code },
      'connect flow failed',
    );
    return { location: await this.#told(integration, session.id, error) };
  }

  /** Tells a failed session's outcome; returns the vendor's return URL carrying it. */
  async #told(integration: Integration, sessionId: string, error: ConnectFlowError): Promise<string> {
    const finished = await this.options.sessions.get(sessionId);
    if (!finished) throw stateInvalid('This connect link was removed while it was in use.');
    await Promise.resolve(this.options.onOutcome?.({ type: 'failed', session: finished, integration, error })).catch(
      (err: unknown) => this.options.logger?.warn({ err }, 'telling a failed connect'),
    );
    return resultUrl(integration, finished);
  }

  /** A leg that is already done (Back, then Accept again; a double submit): say how the session stands. */
  #standing(session: StoredConnectSession | undefined, integration: Integration): FlowStep {
    if (!session) throw stateInvalid('This sign-in link was already used or has expired.');
    return { page: sessionPage(integration, session) };
  }

  async #store(
    state: string,
    kind: ConnectFlowKind,
    integration: Integration,
    session: StoredConnectSession,
    payload: object,
  ): Promise<void> {
    const { flows, vault } = this.options;
    const idHash = sha256(state);
    const ciphertext = vault.encrypt(JSON.stringify(payload), connectFlowContext(idHash));
    await flows.create({
      idHash,
      kind,
      integrationId: integration.id,
      sessionId: session.id,
      vendorState: session.vendorState,
      returnUrl: session.returnUrl,
      payload: { ciphertext, keyId: vault.keyIdOf(ciphertext) },
      expiresAt: new Date(Date.now() + CONNECT_LINK_TTL_MS).toISOString(),
    });
  }

  #payload<T>(flow: ConnectFlow): T {
    if (!flow.payload) throw new TenantlinkError('FLOW_INCOMPLETE', 'This sign-in lost what it had stored.');
    return JSON.parse(this.options.vault.decrypt(flow.payload.ciphertext, connectFlowContext(flow.idHash))) as T;
  }

  async #webApp(integration: Integration): Promise<WebSignInApp> {
    return {
      cloud: this.options.service.cloudFor(integration),
      clientId: integration.clientId,
      clientSecret: await this.options.integrations.clientSecret(integration),
      redirectUri: this.options.redirectUri(),
    };
  }
}

/** The vendor's name as customers see it. */
export function vendorName(integration: Integration): string {
  return (integration as Integration & { displayName?: string | null }).displayName || integration.name;
}

/** The vendor's return URL with how the session ended (sent again when the page is shown after the fact). */
export function resultUrl(integration: Integration, session: StoredConnectSession): string {
  const returnUrl = session.returnUrl ?? integration.returnUrl;
  if (session.status === 'connected')
    return returnUrlWithResult(returnUrl, {
      state: session.vendorState,
      result: session.test?.result === 'errors' ? 'errors' : 'ok',
      ...(session.test?.result === 'pending' ? { test: 'pending' } : {}),
      warnings: session.test?.warnings ?? [],
      connection: session.connectionId ?? '',
      tenant: session.tenantId ?? '',
    });
  return returnUrlWithResult(returnUrl, {
    state: session.vendorState,
    result: 'failed',
    error: session.error ?? flowError('link_used'),
  });
}

/** How a finished, expired or elsewhere-opened link's session stands, as a page with the way back. */
export function sessionPage(
  integration: Integration,
  session: StoredConnectSession,
  reason?: 'expired' | 'elsewhere',
): ConnectPage {
  const vendor = vendorName(integration);
  if (session.status === 'connected')
    return {
      status: 200,
      code: 'connected',
      title: `Connected to ${vendor}`,
      message: `Your organisation${session.tenantId ? ` (${session.tenantId})` : ''} is already connected to ${vendor}: this link has done its work.`,
      back: { vendor, url: resultUrl(integration, session) },
    };
  const error =
    session.status === 'failed' && session.error
      ? session.error
      : flowError(reason === 'expired' ? 'link_expired' : 'link_used');
  const failed = { ...session, status: 'failed' as const, error };
  return {
    status: session.status === 'failed' ? 200 : 410,
    code: error.code,
    title: session.status === 'failed' ? 'Connecting did not finish' : 'This link cannot be used any more',
    message: error.message,
    fix: `Return to ${vendor} to start again: it makes a new link.`,
    back: { vendor, url: resultUrl(integration, failed) },
  };
}

function codeOf(query: CallbackQuery): string {
  if (!query.code) throw new TenantlinkError('CODE_MISSING', 'Microsoft answered without an authorization code.');
  return query.code;
}

function stateInvalid(message: string, fix?: string): TenantlinkError {
  return new TenantlinkError('CONNECT_STATE_INVALID', message, {
    status: 400,
    diagnosis: {
      meaning: 'Each sign-in link works once, for 15 minutes, in the browser that opened it.',
      fix: fix ?? 'Go back to the application that sent you here and start connecting again.',
    },
  });
}
