import { Agent } from 'undici';
import type { AuthCloud } from '../auth/authority.js';
import { certificateCredential } from '../auth/certificate-credential.js';
import { ClientCredentialProvider } from '../auth/client-credential-provider.js';
import { type Cloud, type CloudChoice, type CloudEndpoints, chooseCloud, cloudEndpoints } from '../auth/clouds.js';
import { DelegatedRefreshTokenProvider, type RefreshTokenStore } from '../auth/delegated-refresh-token-provider.js';
import type { TokenCacheStore } from '../auth/token-cache-plugin.js';
import type { TokenProvider } from '../auth/token-provider.js';
import type { DoctorInput } from '../doctor/doctor.js';
import { TenantlinkError } from '../errors.js';
import { GraphClient, type GraphClientOptions } from '../graph/client.js';
import { ResourceConcurrencyLimiter } from '../graph/concurrency.js';
import type { Logger } from '../logging/index.js';
import { type ConnectFlowsRepository, connectFlowsRepository } from '../store/connect-flows-repository.js';
import {
  type ConnectionsRepository,
  connectionsRepository,
  type StoredConnection,
} from '../store/connections-repository.js';
import type { Store } from '../store/database.js';
import { type IntegrationsRepository, integrationsRepository } from '../store/integrations-repository.js';
import type { SecretKind } from '../store/schema.js';
import { type SecretsRepository, secretsRepository } from '../store/secrets-repository.js';
import { type WebhookEndpointsRepository, webhookEndpointsRepository } from '../store/webhook-endpoints-repository.js';
import { type Connection, type ConnectionInput, looksLikeSecretId, validateConnectionInput } from './model.js';
import {
  connectFlowContext,
  integrationSecretContext,
  type RotationReport,
  secretContext,
  type Vault,
  webhookPreviousSecretContext,
  webhookSecretContext,
  webhookUrlContext,
} from './vault.js';

/** How a connection proves who it is. Never stored in the connection itself; the vault encrypts it. */
export type ConnectionCredential =
  | { clientSecret: string }
  | { certificate: { certificatePem: string; privateKeyPem?: string } }
  /** Delegated: the refresh token from a sign-in, and the web app's own credential when it is a confidential app. */
  | { refreshToken: string; clientCredential?: { clientSecret: string } };

export type AddConnectionInput = Omit<ConnectionInput, 'authMode'> & {
  credential: ConnectionCredential;
  /** The vendor's own app, consented into this customer tenant (one connection per tenant). */
  multiTenant?: boolean;
};

/** What `show` reports about the stored secrets: which exist and under which key, never their values. */
export interface StoredSecretSummary {
  kind: SecretKind;
  keyId: string;
  updatedAt: string;
}

export interface ConnectionDetails extends Connection {
  secrets: StoredSecretSummary[];
}

export interface ConnectionServiceOptions {
  store: Store;
  vault: Vault;
  logger?: Logger;
  /**
   * Extra settings for custom clouds, matched on `authorityHost`: the CA to trust and the token audience (the
   * sandbox's `--sandbox` cloud).
   */
  customClouds?: CloudEndpoints[];
  /**
   * Use only national clouds and `customClouds` (the server): a stored connection with any other custom cloud fails
   * with CLOUD_NOT_CONFIGURED instead of sending its credential there. The CLI, run by the operator, leaves it off.
   */
  configuredCloudsOnly?: boolean;
  /** Passed to every Graph client this service builds. */
  graph?: Partial<Omit<GraphClientOptions, 'graphEndpoint' | 'getToken' | 'dispatcher' | 'limiter'>>;
}

interface ConnectionRuntime {
  provider: TokenProvider;
  graph?: GraphClient;
}

/**
 * Connections with their secrets: adds and removes them, keeps credentials in the vault, and builds the token
 * provider and the Graph client each connection uses (one of each per connection, so single flight and the
 * per-mailbox limits hold across callers).
 */
export class ConnectionService {
  readonly #connections: ConnectionsRepository;
  readonly #secrets: SecretsRepository;
  readonly #integrations: IntegrationsRepository;
  readonly #connectFlows: ConnectFlowsRepository;
  readonly #webhookEndpoints: WebhookEndpointsRepository;
  readonly #vault: Vault;
  readonly #logger: Logger | undefined;
  readonly #customClouds: CloudEndpoints[];
  readonly #configuredCloudsOnly: boolean;
  readonly #graphOptions: ConnectionServiceOptions['graph'];
  readonly #runtimes = new Map<string, ConnectionRuntime>();
  readonly #agents = new Map<string, Agent>();

  constructor(options: ConnectionServiceOptions) {
    this.#connections = connectionsRepository(options.store);
    this.#secrets = secretsRepository(options.store);
    this.#integrations = integrationsRepository(options.store);
    this.#connectFlows = connectFlowsRepository(options.store);
    this.#webhookEndpoints = webhookEndpointsRepository(options.store);
    this.#vault = options.vault;
    this.#logger = options.logger;
    this.#customClouds = options.customClouds ?? [];
    this.#configuredCloudsOnly = options.configuredCloudsOnly === true;
    this.#graphOptions = options.graph;
  }

  /** The vault this service encrypts with; the server's other secrets (integrations, connect flows) use it too. */
  get vault(): Vault {
    return this.#vault;
  }

  /** Validates, stores the connection and encrypts its credential. Nothing is kept when any step fails. */
  async add(input: AddConnectionInput): Promise<Connection> {
    const { credential, multiTenant, ...rest } = input;
    const authMode = multiTenant
      ? 'multi-tenant'
      : 'refreshToken' in credential
        ? 'delegated'
        : 'certificate' in credential
          ? 'certificate'
          : 'secret';
    const valid = validateConnectionInput({ ...rest, authMode });
    if (multiTenant && 'refreshToken' in credential)
      throw new TenantlinkError(
        'INVALID_INPUT',
        'A multi-tenant connection uses the app credential, not a refresh token.',
      );
    const secrets = this.#credentialSecrets(credential);
    const certificateThumbprint =
      'certificate' in credential ? certificateCredential(credential.certificate).thumbprint : null;
    const stored = await this.#connections.create({ ...valid, certificateThumbprint });
    try {
      for (const [kind, plaintext] of secrets) await this.#putSecret(stored.id, kind, plaintext);
    } catch (err) {
      await this.#connections.delete(stored.id);
      throw err;
    }
    this.#logger?.info({ connection: stored.id, authMode }, 'connection added');
    return toConnection(stored);
  }

  async list(): Promise<Connection[]> {
    return (await this.#connections.list()).map(toConnection);
  }

  /** A connection by id or name, with which secrets it holds. */
  async show(idOrName: string): Promise<ConnectionDetails> {
    const stored = await this.#find(idOrName);
    const secrets = (await this.#secrets.listForConnection(stored.id)).map(secretSummary);
    return { ...toConnection(stored), secrets };
  }

  /** Every connection with which secrets it holds, in two queries (the list that `show` would give one by one). */
  async listDetails(): Promise<ConnectionDetails[]> {
    const bySecretOwner = new Map<string, StoredSecretSummary[]>();
    for (const secret of await this.#secrets.summaries()) {
      const list = bySecretOwner.get(secret.connectionId) ?? [];
      list.push(secretSummary(secret));
      bySecretOwner.set(secret.connectionId, list);
    }
    return (await this.#connections.list()).map((c) => ({
      ...toConnection(c),
      secrets: bySecretOwner.get(c.id) ?? [],
    }));
  }

  /** Removes the connection and its secrets. */
  async remove(idOrName: string): Promise<Connection> {
    const stored = await this.#find(idOrName);
    await this.#connections.delete(stored.id);
    this.#runtimes.delete(stored.id);
    this.#logger?.info({ connection: stored.id }, 'connection removed');
    return toConnection(stored);
  }

  /** Renames a connection or changes its features or settings (validated as when adding). */
  async update(
    idOrName: string,
    changes: { name?: string; features?: string[]; settings?: Record<string, unknown> },
  ): Promise<Connection> {
    const stored = await this.#find(idOrName);
    const current = toConnection(stored);
    const valid = validateConnectionInput({
      ...current,
      ...(changes.name !== undefined ? { name: changes.name } : {}),
      ...(changes.features !== undefined ? { features: changes.features } : {}),
      ...(changes.settings !== undefined ? { settings: changes.settings } : {}),
    });
    const updated = await this.#connections.update(stored.id, {
      name: valid.name,
      features: valid.features,
      settings: valid.settings,
    });
    this.#runtimes.delete(stored.id);
    this.#logger?.info({ connection: stored.id }, 'connection updated');
    return toConnection(updated);
  }

  /** Replaces a connection's credential (a new client secret or certificate, or a new sign-in). */
  async setCredential(
    idOrName: string,
    credential: ConnectionCredential,
    options: { secretExpiresAt?: string } = {},
  ): Promise<Connection> {
    const stored = await this.#find(idOrName);
    const validSettings = settingsForNewSecret(stored, options.secretExpiresAt);
    const expected = stored.authMode === 'multi-tenant' ? ['secret', 'certificate'] : [stored.authMode];
    const given = 'refreshToken' in credential ? 'delegated' : 'certificate' in credential ? 'certificate' : 'secret';
    if (!expected.includes(given))
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Connection '${stored.name}' authenticates with ${stored.authMode}; a ${given} credential does not fit it.`,
      );
    const secrets = this.#credentialSecrets(credential);
    for (const kind of ['client_secret', 'certificate_key', 'token_cache'] as const)
      if (!secrets.has(kind)) await this.#secrets.delete(stored.id, kind);
    for (const [kind, plaintext] of secrets) await this.#putSecret(stored.id, kind, plaintext);
    const thumbprint = 'certificate' in credential ? certificateCredential(credential.certificate).thumbprint : null;
    const updated = await this.#connections.update(stored.id, {
      certificateThumbprint: thumbprint,
      settings: validSettings,
    });
    this.#runtimes.delete(stored.id);
    return toConnection(updated);
  }

  /**
   * Replaces only the app's client secret of a connection that holds one (an application or multi-tenant app's secret,
   * or a confidential delegated app's), keeping the rest: a signed-in user's refresh token stays valid. The expiry
   * recorded for the old secret is dropped, or replaced by `secretExpiresAt`.
   */
  async replaceClientSecret(
    idOrName: string,
    clientSecret: string,
    options: { secretExpiresAt?: string } = {},
  ): Promise<Connection> {
    const stored = await this.#find(idOrName);
    if (!(await this.#secrets.get(stored.id, 'client_secret')))
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Connection '${stored.name}' does not authenticate with a client secret; replace its credential instead.`,
      );
    checkClientSecret(clientSecret);
    const validSettings = settingsForNewSecret(stored, options.secretExpiresAt);
    await this.#putSecret(stored.id, 'client_secret', clientSecret.trim());
    const updated = await this.#connections.update(stored.id, { settings: validSettings });
    this.#runtimes.delete(stored.id);
    this.#logger?.info({ connection: stored.id }, 'connection client secret replaced');
    return toConnection(updated);
  }

  /**
   * What the doctor needs to test a connection: its cloud, tenant, app, decrypted credential (or, for a delegated
   * connection, its refresh-token store) and the settings the probes use. Never returned by any API.
   */
  async doctorInput(idOrName: string): Promise<Omit<DoctorInput, 'now'>> {
    const stored = await this.#find(idOrName);
    const settings = toConnection(stored).settings;
    const text = (key: string) => (typeof settings[key] === 'string' ? (settings[key] as string) : undefined);
    let credential: DoctorInput['credential'];
    if (stored.authMode === 'delegated') {
      const clientSecret = await this.#getSecret(stored.id, 'client_secret');
      credential = {
        delegated: {
          refreshTokenStore: this.#secretStore(stored.id, 'refresh_token'),
          ...(clientSecret ? { clientCredential: { clientSecret } } : {}),
        },
      };
    } else credential = await this.#appCredential(stored);
    const testUser = text('testUser');
    const serviceAccount = text('serviceAccount');
    const secretExpiresAt = text('secretExpiresAt');
    return {
      cloud: this.cloudFor(stored),
      tenant: stored.tenant,
      clientId: stored.clientId,
      credential,
      features: stored.features as Connection['features'],
      ...(testUser ? { testUser } : {}),
      ...(serviceAccount ? { serviceAccount } : {}),
      ...(secretExpiresAt ? { secretExpiresAt } : {}),
    };
  }

  /** The cloud a connection's tokens and Graph calls go to, with the CA and audience of a matching custom cloud. */
  cloudFor(connection: Pick<Connection, 'cloud'>): AuthCloud {
    const endpoints = cloudEndpoints(connection.cloud as Parameters<typeof cloudEndpoints>[0]);
    if (typeof connection.cloud === 'string') return endpoints;
    const custom = this.#customClouds.find(
      (c) => c.authorityHost === endpoints.authorityHost && c.graphEndpoint === endpoints.graphEndpoint,
    );
    if (custom) return { ...endpoints, ...custom };
    if (this.#configuredCloudsOnly)
      throw new TenantlinkError(
        'CLOUD_NOT_CONFIGURED',
        `The connection's custom cloud (${endpoints.authorityHost}) is not one this server is configured to use.`,
        {
          status: 409,
          diagnosis: {
            meaning: "Custom clouds come from the server's operator; tenantlink sends no credential to any other host.",
            fix: 'Add the cloud to TENANTLINK_CUSTOM_CLOUDS (or start with --sandbox for a sandbox), or remove the connection.',
          },
        },
      );
    return endpoints;
  }

  /** The cloud an API caller chose, if the operator allows it (INVALID_CLOUD otherwise); see `chooseCloud`. */
  chooseCloud(choice: CloudChoice): Cloud {
    return chooseCloud(choice, this.#customClouds);
  }

  /** The connection's token provider (one per connection: concurrent callers share one token request). */
  async tokenProvider(idOrName: string): Promise<TokenProvider> {
    return (await this.#runtime(idOrName)).provider;
  }

  /** The connection's Graph client, authenticated by its token provider. */
  async graphClient(idOrName: string): Promise<GraphClient> {
    const stored = await this.#find(idOrName);
    const runtime = await this.#runtime(stored.id);
    if (!runtime.graph) {
      const cloud = this.cloudFor(stored);
      runtime.graph = new GraphClient({
        ...this.#graphOptions,
        graphEndpoint: cloud.graphEndpoint,
        getToken: async (opts) => (await runtime.provider.getToken(opts)).token,
        limiter: new ResourceConcurrencyLimiter(),
        tenantName: stored.tenant,
        ...(this.#logger ? { logger: this.#logger } : {}),
        ...(cloud.caCertPem ? { dispatcher: this.#agentFor(cloud.caCertPem) } : {}),
      });
    }
    return runtime.graph;
  }

  /** Re-encrypts every stored secret under a new master key; the old key stays readable until retired. */
  async rotateVault(): Promise<RotationReport> {
    return this.#vault.rotate((visit) => this.#forEachSecret(visit));
  }

  /** Re-encrypts secrets still under an older key (after a rotation that was interrupted, or a key from the env). */
  async reencryptVault() {
    return this.#vault.reencryptAll((visit) => this.#forEachSecret(visit));
  }

  async close(): Promise<void> {
    this.#runtimes.clear();
    await Promise.all([...this.#agents.values()].map((agent) => agent.close()));
    this.#agents.clear();
  }

  /**
   * Every secret the store holds: the connections' secrets, the integrations' client secrets, the secrets of
   * connect flows under way, and the webhook endpoints' signing secrets and sealed URLs. Each is written back with a compare-and-swap,
   * so one replaced meanwhile is left as it is.
   */
  async #forEachSecret(visit: Parameters<Parameters<Vault['rotate']>[0]>[0]): Promise<void> {
    for await (const batch of this.#secrets.batches()) {
      for (const row of batch) {
        await this.#secrets.replaceSecret(row.connectionId, row.kind, async (current) => {
          // Visit what is stored now: a secret replaced since the batch was read is re-encrypted as it is now.
          return visit({
            connectionId: current.connectionId,
            kind: current.kind,
            ciphertext: current.ciphertext,
            keyId: current.keyId,
          });
        });
      }
    }
    // Secrets kept beside their own rows, each bound to its row by its vault context.
    type Ciphertext = { ciphertext: string; keyId: string };
    const columns: Array<{
      kind: string;
      rows: () => Promise<Array<{ id: string } & Ciphertext>>;
      context: (id: string) => string;
      replace: (id: string, expected: string, next: Ciphertext) => Promise<boolean>;
    }> = [
      {
        kind: 'integration_secret',
        rows: () => this.#integrations.secrets(),
        context: integrationSecretContext,
        replace: (...args) => this.#integrations.replaceSecret(...args),
      },
      {
        kind: 'connect_flow_payload',
        rows: async () => (await this.#connectFlows.payloads()).map(({ idHash, ...r }) => ({ id: idHash, ...r })),
        context: connectFlowContext,
        replace: (...args) => this.#connectFlows.replacePayload(...args),
      },
      {
        kind: 'webhook_secret',
        rows: () => this.#webhookEndpoints.secrets(),
        context: webhookSecretContext,
        replace: (...args) => this.#webhookEndpoints.replaceSecret(...args),
      },
      {
        kind: 'webhook_url',
        rows: () => this.#webhookEndpoints.urlSecrets(),
        context: webhookUrlContext,
        replace: (...args) => this.#webhookEndpoints.replaceUrlSecret(...args),
      },
      {
        kind: 'webhook_previous_secret',
        rows: () => this.#webhookEndpoints.previousSecrets(),
        context: webhookPreviousSecretContext,
        replace: (...args) => this.#webhookEndpoints.replacePreviousSecret(...args),
      },
    ];
    for (const column of columns)
      for (const row of await column.rows()) {
        const next = await visit({
          connectionId: row.id,
          kind: column.kind,
          ciphertext: row.ciphertext,
          keyId: row.keyId,
          context: column.context(row.id),
        });
        if (next) await column.replace(row.id, row.ciphertext, next);
      }
  }

  #credentialSecrets(credential: ConnectionCredential): Map<SecretKind, string> {
    const secrets = new Map<SecretKind, string>();
    if ('clientSecret' in credential) {
      checkClientSecret(credential.clientSecret);
      secrets.set('client_secret', credential.clientSecret.trim());
    } else if ('certificate' in credential) {
      // Fails early, naming the problem, when the key does not belong to the certificate.
      certificateCredential(credential.certificate);
      secrets.set('certificate_key', JSON.stringify(credential.certificate));
    } else {
      if (!credential.refreshToken.trim()) throw new TenantlinkError('INVALID_INPUT', 'The refresh token is empty.');
      secrets.set('refresh_token', credential.refreshToken.trim());
      if (credential.clientCredential) {
        checkClientSecret(credential.clientCredential.clientSecret);
        secrets.set('client_secret', credential.clientCredential.clientSecret.trim());
      }
    }
    return secrets;
  }

  async #putSecret(connectionId: string, kind: SecretKind, plaintext: string): Promise<void> {
    const ciphertext = this.#vault.encrypt(plaintext, secretContext(connectionId, kind));
    await this.#secrets.put(connectionId, kind, { ciphertext, keyId: this.#vault.keyIdOf(ciphertext) });
  }

  async #getSecret(connectionId: string, kind: SecretKind): Promise<string | null> {
    const stored = await this.#secrets.get(connectionId, kind);
    return stored ? this.#vault.decrypt(stored.ciphertext, secretContext(connectionId, kind)) : null;
  }

  #secretStore(connectionId: string, kind: SecretKind): TokenCacheStore & RefreshTokenStore {
    return {
      load: () => this.#getSecret(connectionId, kind),
      get: () => this.#getSecret(connectionId, kind),
      save: (value) => this.#putSecret(connectionId, kind, value),
      set: (value) => this.#putSecret(connectionId, kind, value),
    };
  }

  async #find(idOrName: string): Promise<StoredConnection> {
    const stored = (await this.#connections.get(idOrName)) ?? (await this.#connections.getByName(idOrName));
    if (!stored)
      throw new TenantlinkError('CONNECTION_NOT_FOUND', `No connection is named or has the id '${idOrName}'.`, {
        status: 404,
        diagnosis: {
          meaning: 'The connection does not exist here.',
          fix: 'List them with `tenantlink connections list`.',
        },
      });
    return stored;
  }

  async #runtime(idOrName: string): Promise<ConnectionRuntime> {
    const stored = await this.#find(idOrName);
    const cached = this.#runtimes.get(stored.id);
    if (cached) return cached;
    const runtime = { provider: await this.#buildProvider(stored) };
    this.#runtimes.set(stored.id, runtime);
    return runtime;
  }

  async #buildProvider(stored: StoredConnection): Promise<TokenProvider> {
    const base = { cloud: this.cloudFor(stored), tenant: stored.tenant, clientId: stored.clientId };
    if (stored.authMode === 'delegated') {
      // A confidential (web) app also holds a client secret; a public client has none.
      const clientSecret = await this.#getSecret(stored.id, 'client_secret');
      return new DelegatedRefreshTokenProvider({
        ...base,
        ...(clientSecret ? { credential: { clientSecret } } : {}),
        refreshTokenStore: this.#secretStore(stored.id, 'refresh_token'),
      });
    }
    return new ClientCredentialProvider({
      ...base,
      credential: await this.#appCredential(stored),
      cacheStore: this.#secretStore(stored.id, 'token_cache'),
    });
  }

  /** The decrypted certificate or client secret of an application connection. */
  async #appCredential(
    stored: StoredConnection,
  ): Promise<{ clientSecret: string } | { certificate: { certificatePem: string; privateKeyPem?: string } }> {
    const certificate = await this.#getSecret(stored.id, 'certificate_key');
    if (certificate)
      return { certificate: JSON.parse(certificate) as { certificatePem: string; privateKeyPem?: string } };
    const clientSecret = await this.#getSecret(stored.id, 'client_secret');
    if (clientSecret) return { clientSecret };
    throw new TenantlinkError('CREDENTIAL_MISSING', `Connection '${stored.name}' has no stored credential.`, {
      diagnosis: {
        meaning: 'Its secret or certificate was removed, or adding it did not finish.',
        fix: 'Remove the connection and add it again with its client secret or certificate.',
      },
    });
  }

  #agentFor(caCertPem: string): Agent {
    let agent = this.#agents.get(caCertPem);
    if (!agent) {
      agent = new Agent({ connect: { ca: caCertPem } });
      this.#agents.set(caCertPem, agent);
    }
    return agent;
  }
}

/** Refuses values that cannot be a client secret before anything is stored, naming the usual mistake. */
export function checkClientSecret(secret: string): void {
  if (!secret.trim()) throw new TenantlinkError('INVALID_INPUT', 'The client secret is empty.');
  if (looksLikeSecretId(secret))
    throw new TenantlinkError('SECRET_IS_SECRET_ID', 'The client secret given is a GUID: that is the Secret ID.', {
      diagnosis: {
        meaning: 'Certificates & secrets shows two columns for a client secret; the Secret ID is not the secret.',
        fix:
          'Copy the Value column (shown only once, right after "New client secret"); if it is no longer shown, add a ' +
          'new client secret and copy its Value.',
      },
    });
}

/** The recorded expiry belonged to the old secret: the settings with the new one's, or without one. */
function settingsForNewSecret(stored: StoredConnection, secretExpiresAt: string | undefined) {
  const { secretExpiresAt: _old, ...settings } = toConnection(stored).settings;
  return validateConnectionInput({
    ...toConnection(stored),
    settings: secretExpiresAt ? { ...settings, secretExpiresAt } : settings,
  }).settings;
}

function secretSummary({ kind, keyId, updatedAt }: StoredSecretSummary): StoredSecretSummary {
  return { kind, keyId, updatedAt };
}

function toConnection(stored: StoredConnection): Connection {
  return { ...stored, features: stored.features as Connection['features'] };
}
