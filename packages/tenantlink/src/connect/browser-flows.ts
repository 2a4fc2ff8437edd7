import { connectFlowContext, type Vault } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { ConnectFlow, ConnectFlowError, ConnectFlowsRepository } from '../store/connect-flows-repository.js';
import { type ConnectFlowKind, isoNow } from '../store/schema.js';
import { equalStrings, randomToken, sha256 } from '../tokens.js';
import { adminConsentUrl } from './admin-consent.js';
import {
  type AuthCodeSecrets,
  authCodeUrl,
  delegatedScopes,
  redeemAdminSignIn,
  redeemAuthCode,
  type WebSignInApp,
} from './auth-code.js';
import { CONNECT_LINK_TTL_MS } from './connect-sessions.js';
import type { Integration, IntegrationService } from './integrations.js';
import { returnUrlWithResult } from './return-url.js';
import { type ConnectedTenant, connectionName, saveConnection } from './save-connection.js';
import { type ConnectTestOptions, testNewConnection } from './test-connection.js';

export interface BrowserFlowsOptions extends ConnectTestOptions {
  flows: ConnectFlowsRepository;
  integrations: IntegrationService;
  vault: Vault;
  /** `<public URL>/connect/microsoft/callback`: the Web redirect URI registered on the integration's app. */
  redirectUri: () => string;
  logger?: Logger;
}

/** What Microsoft sends back to the callback (admin consent or sign-in), all optional until checked. */
export interface CallbackQuery {
  state?: string | undefined;
  code?: string | undefined;
  tenant?: string | undefined;
  admin_consent?: string | undefined;
  error?: string | undefined;
  error_description?: string | undefined;
}

/** Where the browser goes next, and the state to bind to it when that is another leg of the flow. */
export interface FlowStep {
  location: string;
  /** Set when the browser goes back to Microsoft: the new state, to bind to this browser like the first. */
  state?: string;
}

/** What the consent leg of admin consent knows from the sign-in leg (kept encrypted with the flow). */
interface SignedInAdmin {
  tenantId: string;
  username: string;
}

const BROWSER_KINDS: readonly ConnectFlowKind[] = ['admin-sign-in', 'admin-consent', 'auth-code'];

/**
 * The browser flows. Each `state` we send to Microsoft is random, stored only as its SHA-256, bound to the browser
 * that started the flow (a cookie the route sets), valid 15 minutes, and used once.
 *
 * - Multi-tenant integration, admin consent in two legs: the admin signs in (MSAL auth code with PKCE, OpenID scopes
 *   only), which proves their tenant through the token endpoint; then `/{that tenant}/v2.0/adminconsent`. The
 *   consent's answer is not signed, so a `tenant` other than the signed-in one is refused: a browser holding a
 *   valid link cannot name another customer's tenant and have its connection.
 * - Delegated integration: one sign-in (auth code with PKCE) with the features' delegated scopes; the refresh token
 *   becomes a delegated connection.
 */
export class BrowserFlows {
  constructor(private readonly options: BrowserFlowsOptions) {}

  /** Stores the flow and returns where to send the browser, with the state to bind to it. */
  async start(
    integration: Integration,
    request: { vendorState: string | null; returnUrl: string | null },
  ): Promise<Required<FlowStep>> {
    const scopes = integration.authMode === 'multi-tenant' ? [] : delegatedScopes(integration.features);
    const state = randomToken(32);
    const { url, secrets } = await authCodeUrl(await this.#webApp(integration), { state, scopes });
    await this.#store(state, integration.authMode === 'multi-tenant' ? 'admin-sign-in' : 'auth-code', integration, {
      ...request,
      payload: secrets,
    });
    return { location: url, state };
  }

  /**
   * Handles Microsoft's answer. A state that is missing, unknown, expired, used, or not bound to this browser is a
   * CONNECT_STATE_INVALID (400) and changes nothing. Otherwise the flow is claimed (once) and goes on to its next
   * leg at Microsoft, or ends with a redirect to the vendor's return URL carrying the result.
   */
  async complete(query: CallbackQuery, boundState: string | undefined): Promise<FlowStep> {
    const { flows } = this.options;
    const state = query.state;
    if (!state || state.length > 200) throw stateInvalid('The answer from Microsoft carries no valid state.');
    const idHash = sha256(state);
    const used = () => stateInvalid('This sign-in link was already used or has expired.');
    const known = await flows.get(idHash);
    if (known?.status !== 'pending' || !BROWSER_KINDS.includes(known.kind) || known.expiresAt <= isoNow()) throw used();
    if (!boundState || !equalStrings(boundState, state))
      throw stateInvalid(
        'This sign-in was not started in this browser, or the browser did not keep its cookie.',
        'Start connecting again from the application that sent you, in one browser window.',
      );
    const flow = await flows.claim(idHash, BROWSER_KINDS, 'redeeming');
    if (!flow) throw used();
    const integration = await this.options.integrations.find(flow.integrationId ?? '');
    const returnUrl = flow.returnUrl ?? integration.returnUrl;
    const fail = async (error: ConnectFlowError): Promise<FlowStep> => {
      await flows.finish(idHash, { status: 'failed', error });
      this.options.logger?.info(
        { flow: flow.kind, integration: integration.name, code: error.code },
        'connect flow failed',
      );
      return { location: returnUrlWithResult(returnUrl, { state: flow.vendorState, result: 'failed', error }) };
    };
    if (query.error) return fail(microsoftError(query.error, query.error_description));
    try {
      if (flow.kind === 'admin-sign-in') return await this.#toConsent(integration, flow, query);
      const tenant = await this.#connectedTenant(integration, flow, query);
      const connection = await saveConnection(this.options.service, tenant);
      const { result } = await testNewConnection(this.options, connection.id, {
        afterAdminConsent: flow.kind === 'admin-consent',
      }).catch((err: unknown) => {
        this.options.logger?.warn({ err, connection: connection.id }, 'the test of a new connection failed');
        return { result: 'errors' as const };
      });
      await flows.finish(idHash, { status: 'connected', connectionId: connection.id });
      this.options.logger?.info(
        { flow: flow.kind, integration: integration.name, connection: connection.id, result },
        'connect flow finished',
      );
      const location = returnUrlWithResult(returnUrl, {
        state: flow.vendorState,
        result,
        connection: connection.id,
        tenant: tenant.tenantId,
      });
      return { location };
    } catch (err) {
      return fail(this.#asFlowError(err));
    }
  }

  /** The admin signed in: their tenant is now known from the token endpoint; on to admin consent in that tenant. */
  async #toConsent(integration: Integration, flow: ConnectFlow, query: CallbackQuery): Promise<FlowStep> {
    const app = await this.#webApp(integration);
    const admin = await redeemAdminSignIn(app, { code: codeOf(query), secrets: this.#payload<AuthCodeSecrets>(flow) });
    const state = randomToken(32);
    const signedIn: SignedInAdmin = { tenantId: admin.tenantId.toLowerCase(), username: admin.username };
    await this.#store(state, 'admin-consent', integration, {
      vendorState: flow.vendorState,
      returnUrl: flow.returnUrl,
      payload: signedIn,
    });
    await this.options.flows.finish(flow.idHash, { status: 'used' });
    const location = adminConsentUrl(app.cloud, {
      tenant: signedIn.tenantId,
      clientId: integration.clientId,
      redirectUri: app.redirectUri,
      state,
    });
    return { location, state };
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
    if (flow.kind === 'admin-consent') {
      const admin = this.#payload<SignedInAdmin>(flow);
      if (query.tenant?.toLowerCase() !== admin.tenantId)
        throw new TenantlinkError(
          'TENANT_MISMATCH',
          'The consent did not come from the tenant the administrator signed in to.',
        );
      return {
        ...base,
        tenantId: admin.tenantId,
        authMode: 'multi-tenant',
        credential: { clientSecret: await this.options.integrations.clientSecret(integration) },
        name: connectionName(integration.name, admin.tenantId, admin.username),
      };
    }
    const app = await this.#webApp(integration);
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

  async #store(
    state: string,
    kind: ConnectFlowKind,
    integration: Integration,
    request: { vendorState: string | null; returnUrl: string | null; payload: object },
  ): Promise<void> {
    const { flows, vault } = this.options;
    const idHash = sha256(state);
    const ciphertext = vault.encrypt(JSON.stringify(request.payload), connectFlowContext(idHash));
    await flows.create({
      idHash,
      kind,
      integrationId: integration.id,
      vendorState: request.vendorState,
      returnUrl: request.returnUrl,
      payload: { ciphertext, keyId: vault.keyIdOf(ciphertext) },
      expiresAt: new Date(Date.now() + CONNECT_LINK_TTL_MS).toISOString(),
    });
  }

  #payload<T>(flow: ConnectFlow): T {
    if (!flow.payload) throw new TenantlinkError('FLOW_INCOMPLETE', 'This sign-in lost what it had stored.');
    return JSON.parse(this.options.vault.decrypt(flow.payload.ciphertext, connectFlowContext(flow.idHash))) as T;
  }

  #asFlowError(err: unknown): ConnectFlowError {
    if (err instanceof TenantlinkError) return { code: err.code, message: err.message.slice(0, 300) };
    this.options.logger?.error({ err }, 'a connect flow failed unexpectedly');
    return { code: 'INTERNAL', message: 'Something went wrong on the server; its log has the details.' };
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

/** Microsoft's error on the redirect: its code, and the first line of its description (no trace IDs). */
function microsoftError(error: string, description: string | undefined): ConnectFlowError {
  const firstLine = (description ?? '').split(/\r?\n/)[0]?.trim() ?? '';
  const code = /^[a-z_]{1,64}$/.test(error) ? error : 'invalid_response';
  const message =
    code === 'access_denied' && !firstLine
      ? 'The administrator declined, or cancelled, the consent.'
      : firstLine.slice(0, 300) || `Microsoft answered ${code}.`;
  return { code, message };
}
