import type { AuthCloud } from '../auth/authority.js';
import { certificateCredential } from '../auth/certificate-credential.js';
import type { Cloud, CloudChoice, CloudEndpoints } from '../auth/clouds.js';
import type { RefreshTokenStore } from '../auth/delegated-refresh-token-provider.js';
import type { TokenProvider } from '../auth/token-provider.js';
import { TenantlinkError } from '../errors.js';
import type { GraphClient } from '../graph/client.js';
import type { Logger } from '../logging/index.js';
import {
  type ConnectionsRepository,
  connectionsRepository,
  type StoredConnection,
} from '../store/connections-repository.js';
import type { Store } from '../store/database.js';
import type { SecretKind } from '../store/schema.js';
import { type SecretsRepository, secretsRepository } from '../store/secrets-repository.js';
import { ConnectionClouds } from './connection-clouds.js';
import { ConnectionRuntimes, type SharedGraphOptions } from './connection-runtimes.js';
import {
  type AppCredential,
  type ConnectionCredential,
  ConnectionSecrets,
  checkClientSecret,
  credentialSecrets,
} from './connection-secrets.js';
import { type Connection, type ConnectionInput, validateConnectionInput } from './model.js';
import { forEachStoredSecret } from './secret-rotation.js';
import type { RotationReport, Vault } from './vault.js';

export { type ConnectionCredential, checkClientSecret };

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

/**
 * A stored connection ready to be tested: its cloud, tenant, app, decrypted credential (or, for a delegated connection,
 * its refresh-token store) and the settings the doctor's probes use. Never returned by any API.
 */
export interface ConnectionForDoctor {
  cloud: AuthCloud;
  tenant: string;
  clientId: string;
  credential:
    | AppCredential
    | { delegated: { refreshTokenStore: RefreshTokenStore; clientCredential?: { clientSecret: string } } };
  features: Connection['features'];
  testUser?: string;
  serviceAccount?: string;
  secretExpiresAt?: string;
}

export interface ConnectionServiceOptions {
  store: Store;
  vault: Vault;
  logger?: Logger;
  /**
   * Extra settings for custom clouds, matched on their endpoints: the CA to trust and the token audience (the
   * sandbox's `--sandbox` cloud, TENANTLINK_CUSTOM_CLOUDS).
   */
  customClouds?: CloudEndpoints[];
  /**
   * Use only national clouds and `customClouds` (the server): a stored connection with any other custom cloud fails
   * with CLOUD_NOT_CONFIGURED instead of sending its credential there. The CLI, run by the operator, leaves it off.
   */
  configuredCloudsOnly?: boolean;
  /** Passed to every Graph client this service builds. */
  graph?: SharedGraphOptions;
}

/**
 * Connections with their secrets: adds, changes and removes them, with their credentials encrypted by the vault
 * (connection-secrets.ts). Each connection's token provider and Graph client are built once and shared
 * (connection-runtimes.ts); clouds are resolved against the operator's (connection-clouds.ts); a vault rotation visits
 * every secret of the store (secret-rotation.ts).
 */
export class ConnectionService {
  readonly #store: Store;
  readonly #connections: ConnectionsRepository;
  readonly #secretRows: SecretsRepository;
  readonly #secrets: ConnectionSecrets;
  readonly #clouds: ConnectionClouds;
  readonly #runtimes: ConnectionRuntimes;
  readonly #vault: Vault;
  readonly #logger: Logger | undefined;

  constructor(options: ConnectionServiceOptions) {
    this.#store = options.store;
    this.#connections = connectionsRepository(options.store);
    this.#secretRows = secretsRepository(options.store);
    this.#secrets = new ConnectionSecrets(this.#secretRows, options.vault);
    this.#clouds = new ConnectionClouds(options.customClouds ?? [], options.configuredCloudsOnly === true);
    this.#runtimes = new ConnectionRuntimes(this.#secrets, this.#clouds, options.logger, options.graph);
    this.#vault = options.vault;
    this.#logger = options.logger;
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
    const secrets = credentialSecrets(credential);
    const certificateThumbprint =
      'certificate' in credential ? certificateCredential(credential.certificate).thumbprint : null;
    const stored = await this.#connections.create({ ...valid, certificateThumbprint });
    try {
      for (const [kind, plaintext] of secrets) await this.#secrets.put(stored.id, kind, plaintext);
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
    const secrets = (await this.#secretRows.listForConnection(stored.id)).map(secretSummary);
    return { ...toConnection(stored), secrets };
  }

  /** Every connection with which secrets it holds, in two queries (the list that `show` would give one by one). */
  async listDetails(): Promise<ConnectionDetails[]> {
    const bySecretOwner = new Map<string, StoredSecretSummary[]>();
    for (const secret of await this.#secretRows.summaries()) {
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
    this.#runtimes.forget(stored.id);
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
    this.#runtimes.forget(stored.id);
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
    const secrets = credentialSecrets(credential);
    for (const kind of ['client_secret', 'certificate_key', 'token_cache'] as const)
      if (!secrets.has(kind)) await this.#secretRows.delete(stored.id, kind);
    for (const [kind, plaintext] of secrets) await this.#secrets.put(stored.id, kind, plaintext);
    const thumbprint = 'certificate' in credential ? certificateCredential(credential.certificate).thumbprint : null;
    const updated = await this.#connections.update(stored.id, {
      certificateThumbprint: thumbprint,
      settings: validSettings,
    });
    this.#runtimes.forget(stored.id);
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
    if (!(await this.#secretRows.get(stored.id, 'client_secret')))
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Connection '${stored.name}' does not authenticate with a client secret; replace its credential instead.`,
      );
    checkClientSecret(clientSecret);
    const validSettings = settingsForNewSecret(stored, options.secretExpiresAt);
    await this.#secrets.put(stored.id, 'client_secret', clientSecret.trim());
    const updated = await this.#connections.update(stored.id, { settings: validSettings });
    this.#runtimes.forget(stored.id);
    this.#logger?.info({ connection: stored.id }, 'connection client secret replaced');
    return toConnection(updated);
  }

  /** What the doctor needs to test a stored connection (see ConnectionForDoctor). */
  async doctorInput(idOrName: string): Promise<ConnectionForDoctor> {
    const stored = await this.#find(idOrName);
    const settings = toConnection(stored).settings;
    const text = (key: string) => (typeof settings[key] === 'string' ? (settings[key] as string) : undefined);
    let credential: ConnectionForDoctor['credential'];
    if (stored.authMode === 'delegated') {
      const clientSecret = await this.#secrets.get(stored.id, 'client_secret');
      credential = {
        delegated: {
          refreshTokenStore: this.#secrets.store(stored.id, 'refresh_token'),
          ...(clientSecret ? { clientCredential: { clientSecret } } : {}),
        },
      };
    } else credential = await this.#secrets.appCredential(stored);
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
    return this.#clouds.cloudFor(connection);
  }

  /** The cloud an API caller chose, if the operator allows it (INVALID_CLOUD otherwise); see `chooseCloud`. */
  chooseCloud(choice: CloudChoice): Cloud {
    return this.#clouds.choose(choice);
  }

  /** The connection's token provider (one per connection: concurrent callers share one token request). */
  async tokenProvider(idOrName: string): Promise<TokenProvider> {
    return this.#runtimes.tokenProvider(await this.#find(idOrName));
  }

  /** The connection's Graph client, authenticated by its token provider. */
  async graphClient(idOrName: string): Promise<GraphClient> {
    return this.#runtimes.graphClient(await this.#find(idOrName));
  }

  /** Re-encrypts every stored secret under a new master key; the old key stays readable until retired. */
  async rotateVault(): Promise<RotationReport> {
    return this.#vault.rotate((visit) => forEachStoredSecret(this.#store, visit));
  }

  /** Re-encrypts secrets still under an older key (after a rotation that was interrupted, or a key from the env). */
  async reencryptVault() {
    return this.#vault.reencryptAll((visit) => forEachStoredSecret(this.#store, visit));
  }

  async close(): Promise<void> {
    this.#runtimes.clear();
    await this.#clouds.close();
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
