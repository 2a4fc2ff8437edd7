import type { Cloud, CloudChoice } from '../auth/clouds.js';
import { DeviceCodeFlow, type DeviceCodePrompt, type DeviceCodeResult } from '../auth/device-code-flow.js';
import { type Connection, type Feature, validateConnectionInput } from '../connections/model.js';
import { TenantlinkError } from '../errors.js';
import type { Logger } from '../logging/index.js';
import type { ConnectFlowError, ConnectFlowsRepository } from '../store/connect-flows-repository.js';
import { isoNow } from '../store/schema.js';
import { randomToken, sha256 } from '../tokens.js';
import { delegatedScopes, ORGANIZATIONS } from './auth-code.js';
import { FLOW_RETENTION_MS } from './connect-sessions.js';
import type { IntegrationService } from './integrations.js';
import type { ConnectOutcome } from './outcome.js';
import { type ConnectedTenant, connectionName, saveConnection } from './save-connection.js';
import { signInAgain } from './sign-in-again.js';
import { type ConnectTestOptions, testNewConnection } from './test-connection.js';

/**
 * A device-code sign-in through a delegated integration, on a public client app of the customer's own, or for a stored
 * delegated connection again (its refresh token expired or was revoked).
 */
export type DeviceCodeRequest =
  | { integration: string }
  | { name: string; tenantId: string; clientId: string; features: Feature[]; cloud?: CloudChoice }
  | { connection: string };

export interface DeviceCodeStarted {
  /** Poll `GET /api/v1/connect/device-code/{flowId}` with it. */
  flowId: string;
  userCode: string;
  verificationUri: string;
  expiresAt: string;
  /** Microsoft's sentence to show: "To sign in, use a web browser to open the page … and enter the code …". */
  message: string;
}

export interface DeviceCodeStatus {
  status: 'pending' | 'connected' | 'failed';
  connection?: string;
  error?: ConnectFlowError;
}

/** What a device-code request resolves to: the app, where to sign in, and how to name the connection. */
interface DeviceCodePlan {
  integrationId: string | null;
  /** The integration's name (the connection is named after it and the domain), or the connection's own name. */
  prefix: string;
  exactName: boolean;
  tenant: string;
  clientId: string;
  cloud: Cloud;
  features: Feature[];
  /** Signing a stored connection in again: which one. */
  existing?: Connection;
}

/** Sign-ins waiting at once for one app (an integration, or a public client app by its client ID), per process. */
export const MAX_WAITING_PER_APP = 5;
/** The longest a device code is polled, whatever the authority says (Microsoft's codes live 15 minutes). */
export const MAX_DEVICE_CODE_SECONDS = 1800;

export interface DeviceCodeSignInsOptions extends ConnectTestOptions {
  flows: ConnectFlowsRepository;
  integrations: IntegrationService;
  logger?: Logger;
  /** Told how each sign-in ended (the lifecycle webhooks). */
  onOutcome?: (outcome: ConnectOutcome) => void | Promise<void>;
}

/**
 * Device-code sign-ins for headless setups: MSAL polls in this process while the person signs in elsewhere; the flow's
 * row (found by the SHA-256 of its ID) records how it ended, so any process sharing the store can answer its status.
 */
export class DeviceCodeSignIns {
  readonly #running = new Map<string, DeviceCodeFlow>();
  /** Sign-ins started or waiting, per app: taken before the first await of a start, so a burst cannot pass it. */
  readonly #perApp = new Map<string, number>();
  #closed = false;

  constructor(private readonly options: DeviceCodeSignInsOptions) {}

  /** Asks Microsoft for a code and starts polling in the background; resolves once the code is there to show. */
  async start(request: DeviceCodeRequest): Promise<DeviceCodeStarted> {
    if (this.#closed) throw new TenantlinkError('SERVER_STOPPING', 'The server is stopping.', { status: 503 });
    const plan = await this.#plan(request);
    const cloud = this.options.service.cloudFor(plan);
    const app = plan.integrationId ?? `client:${plan.clientId.toLowerCase()}`;
    if ((this.#perApp.get(app) ?? 0) >= MAX_WAITING_PER_APP)
      throw new TenantlinkError(
        'DEVICE_CODE_LIMIT',
        `${MAX_WAITING_PER_APP} device-code sign-ins are already waiting for this app.`,
        {
          status: 429,
          diagnosis: {
            meaning: 'Each waiting sign-in polls the identity platform until it is finished or its code expires.',
            fix: 'Finish one of them, or wait until their codes expire (15 minutes), then start again.',
          },
        },
      );
    this.#perApp.set(app, (this.#perApp.get(app) ?? 0) + 1);
    const flow = new DeviceCodeFlow({
      cloud,
      tenant: plan.tenant,
      clientId: plan.clientId,
      scopes: delegatedScopes(plan.features),
    });
    let shown: (prompt: DeviceCodePrompt) => void = () => undefined;
    const prompted = new Promise<DeviceCodePrompt>((resolve) => {
      shown = resolve;
    });
    const done = flow.start((prompt) => shown(prompt));
    const flowId = randomToken(24);
    const idHash = sha256(flowId);
    let prompt: DeviceCodePrompt;
    let expiresAt: string;
    try {
      // Until the code is shown, a failure (unknown app, wrong tenant, ...) is the caller's answer.
      prompt = await Promise.race([prompted, done.then(() => prompted)]);
      const seconds = checkedExpiresIn(prompt.expiresIn);
      expiresAt = new Date(Date.now() + seconds * 1000).toISOString();
      // MSAL polls until the authority's own expiry; an authority that names an absurd one is cut off at ours.
      const cutOff = setTimeout(() => flow.cancel(), seconds * 1000 + 5_000);
      cutOff.unref();
      done.finally(() => clearTimeout(cutOff)).catch(() => undefined);
      await this.options.flows.deleteExpired(new Date(Date.now() - FLOW_RETENTION_MS).toISOString());
      await this.options.flows.create({ idHash, kind: 'device-code', integrationId: plan.integrationId, expiresAt });
    } catch (err) {
      flow.cancel();
      done.catch(() => undefined);
      this.#release(app);
      throw err;
    }
    this.#running.set(idHash, flow);
    void done
      .then((result) => this.#connect(idHash, plan, result))
      .catch((err: unknown) => this.#fail(idHash, plan, err))
      .finally(() => {
        this.#running.delete(idHash);
        this.#release(app);
      });
    return {
      flowId,
      userCode: prompt.userCode,
      verificationUri: prompt.verificationUri,
      expiresAt,
      message: prompt.message,
    };
  }

  /** How a flow stands; a pending flow past its expiry (the process that polled it stopped) is failed. */
  async status(flowId: string): Promise<DeviceCodeStatus> {
    const flow = flowId.length <= 200 ? await this.options.flows.get(sha256(flowId)) : undefined;
    if (flow?.kind !== 'device-code')
      throw new TenantlinkError('CONNECT_FLOW_NOT_FOUND', 'There is no such device-code sign-in.', { status: 404 });
    if (flow.status === 'connected') return { status: 'connected', connection: flow.connectionId ?? '' };
    if (flow.status === 'failed')
      return { status: 'failed', error: flow.error ?? { code: 'FAILED', message: 'The sign-in failed.' } };
    if (flow.expiresAt <= isoNow())
      return {
        status: 'failed',
        error: { code: 'DEVICE_CODE_EXPIRED', message: 'The device code expired before the sign-in finished.' },
      };
    return { status: 'pending' };
  }

  /** Stops polling; flows under way are recorded as failed, so nobody waits for them. */
  async close(): Promise<void> {
    this.#closed = true;
    const running = [...this.#running.entries()];
    this.#running.clear();
    for (const [idHash, flow] of running) {
      flow.cancel();
      await this.options.flows.finish(idHash, {
        status: 'failed',
        error: { code: 'SERVER_STOPPED', message: 'The server stopped before the sign-in finished; start again.' },
      });
    }
  }

  #release(app: string): void {
    const left = (this.#perApp.get(app) ?? 1) - 1;
    if (left > 0) this.#perApp.set(app, left);
    else this.#perApp.delete(app);
  }

  async #plan(request: DeviceCodeRequest): Promise<DeviceCodePlan> {
    if ('connection' in request) {
      const existing = await this.options.service.show(request.connection);
      if (existing.authMode !== 'delegated')
        throw new TenantlinkError(
          'INVALID_INPUT',
          `Connection '${existing.name}' authenticates as the app (${existing.authMode}); only a delegated connection signs in.`,
        );
      return {
        integrationId: null,
        prefix: existing.name,
        exactName: true,
        tenant: existing.tenant,
        clientId: existing.clientId,
        cloud: existing.cloud as Cloud,
        features: existing.features,
        existing,
      };
    }
    if ('integration' in request) {
      const integration = await this.options.integrations.find(request.integration);
      if (integration.authMode !== 'delegated')
        throw new TenantlinkError(
          'INVALID_INPUT',
          `Integration '${integration.name}' connects by admin consent; device code needs a delegated integration.`,
        );
      return {
        integrationId: integration.id,
        prefix: integration.name,
        exactName: false,
        tenant: ORGANIZATIONS,
        clientId: integration.clientId,
        cloud: integration.cloud,
        features: integration.features,
      };
    }
    const valid = validateConnectionInput({
      name: request.name,
      tenant: request.tenantId,
      clientId: request.clientId,
      authMode: 'delegated',
      features: request.features,
      ...(request.cloud ? { cloud: this.options.service.chooseCloud(request.cloud) } : {}),
    });
    return {
      integrationId: null,
      prefix: valid.name,
      exactName: true,
      tenant: valid.tenant,
      clientId: valid.clientId,
      cloud: valid.cloud,
      features: valid.features,
    };
  }

  async #connect(idHash: string, plan: DeviceCodePlan, result: DeviceCodeResult) {
    if (this.#closed) return;
    if (!result.refreshToken)
      throw new TenantlinkError('REFRESH_TOKEN_MISSING', 'The sign-in gave no refresh token (offline_access).');
    if (!result.account) throw new TenantlinkError('TOKEN_REQUEST_FAILED', 'The sign-in named no account.');
    const { tenantId, username, homeAccountId } = result.account;
    const tenant: ConnectedTenant = {
      tenantId: tenantId.toLowerCase(),
      clientId: plan.clientId,
      cloud: plan.cloud,
      features: plan.features,
      authMode: 'delegated',
      // Device code is a public client flow: the refresh token is redeemed without a client secret.
      credential: { refreshToken: result.refreshToken },
      name: plan.exactName ? plan.prefix : connectionName(plan.prefix, tenantId, username),
      exactName: plan.exactName,
      user: { id: homeAccountId.split('.')[0] ?? homeAccountId, username },
      ...(plan.integrationId ? { integration: plan.prefix } : {}),
    };
    const connection = plan.existing
      ? await signInAgain(this.options.service, plan.existing, result.refreshToken, tenantId, tenant.user!)
      : await saveConnection(this.options.service, tenant);
    const test = await testNewConnection(this.options, connection.id).catch((err: unknown) => {
      this.options.logger?.warn({ err, connection: connection.id }, 'the test of a new connection failed');
      return { result: 'errors' as const, warnings: [] };
    });
    if (this.#closed) return;
    await this.options.flows.finish(idHash, { status: 'connected', connectionId: connection.id });
    this.options.logger?.info(
      { flow: 'device-code', connection: connection.id, result: test.result },
      'connect flow finished',
    );
    await this.#tell({
      type: 'connected',
      session: null,
      integration: plan.integrationId ? await this.options.integrations.find(plan.integrationId) : null,
      connection: { id: connection.id, name: connection.name, tenantId: tenant.tenantId },
      test: { result: test.result, warnings: test.warnings },
    });
  }

  async #tell(outcome: ConnectOutcome): Promise<void> {
    await Promise.resolve(this.options.onOutcome?.(outcome)).catch((err: unknown) =>
      this.options.logger?.warn({ err }, 'telling how a device-code sign-in ended'),
    );
  }

  async #fail(idHash: string, plan: DeviceCodePlan, err: unknown) {
    if (this.#closed) return;
    const error =
      err instanceof TenantlinkError
        ? { code: err.code, message: err.message.slice(0, 300) }
        : { code: 'INTERNAL', message: 'Something went wrong on the server; its log has the details.' };
    if (!(err instanceof TenantlinkError)) this.options.logger?.error({ err }, 'a device-code sign-in failed');
    await this.options.flows.finish(idHash, { status: 'failed', error }).catch(() => undefined);
    const integration = plan.integrationId
      ? await this.options.integrations.find(plan.integrationId).catch(() => null)
      : null;
    await this.#tell({ type: 'failed', session: null, integration, error });
  }
}

/** The code's lifetime as the authority gave it, within (0, MAX_DEVICE_CODE_SECONDS]; anything else is refused. */
export function checkedExpiresIn(expiresIn: unknown): number {
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0)
    throw new TenantlinkError(
      'TOKEN_REQUEST_FAILED',
      'The identity platform answered a device code without a valid expiry.',
    );
  return Math.min(Math.floor(expiresIn), MAX_DEVICE_CODE_SECONDS);
}
