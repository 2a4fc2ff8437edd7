import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { notFound } from './connections-repository.js';
import { isForeignKeyViolation } from './constraint-violations.js';
import { encryptedSecretColumn } from './encrypted-secret-column.js';
import { type IsoTimestamp, isoNow, type StoreHandle, type WebhookEndpointsTable } from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';

/** A webhook endpoint as stored, without its secret. */
export interface StoredWebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  /** The one connection it receives; null for every connection. */
  connectionId: string | null;
  /** The models it receives; null for every model. */
  models: string[] | null;
  enabled: boolean;
  /** Until when the secret before the last rotation is still signed with (possibly past); null when none is kept. */
  previousSecretExpiresAt: IsoTimestamp | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

/** The secret before the last rotation, encrypted, and until when deliveries are still signed with it. */
export type PreviousSecret = EncryptedValue & { expiresAt: IsoTimestamp };

export interface NewWebhookEndpoint {
  /** The vault binds the secret to the id, so whoever encrypts the secret chooses it. */
  id?: string;
  url: string;
  description?: string | null;
  connectionId?: string | null;
  models?: string[] | null;
  enabled?: boolean;
  secret: EncryptedValue;
}

export type WebhookEndpointChanges = Partial<Pick<StoredWebhookEndpoint, 'url' | 'description' | 'models' | 'enabled'>>;

export interface WebhookEndpointsRepository {
  /** Throws CONNECTION_NOT_FOUND when `connectionId` names no connection. */
  create(endpoint: NewWebhookEndpoint): Promise<StoredWebhookEndpoint>;
  get(id: string): Promise<StoredWebhookEndpoint | undefined>;
  /** Oldest first. */
  list(): Promise<StoredWebhookEndpoint[]>;
  /** The enabled endpoints that receive this connection's feed (its own and the global ones). */
  enabledFor(connectionId: string): Promise<StoredWebhookEndpoint[]>;
  update(id: string, changes: WebhookEndpointChanges): Promise<StoredWebhookEndpoint | undefined>;
  /** Deletes the endpoint with its cursors and delivery log. */
  delete(id: string): Promise<boolean>;
  secret(id: string): Promise<EncryptedValue | undefined>;
  /** Every endpoint's encrypted secret, for vault rotation. */
  secrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /** Replaces the secret only while it is still `expected` (compare-and-swap). */
  replaceSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
  /**
   * A rotation: `next` becomes the secret and `previous` (the old one, re-encrypted for its new place; null to keep
   * none) the previous secret, only while the secret is still `expected`. Returns whether it was done.
   */
  rotateSecret(id: string, expected: string, next: EncryptedValue, previous: PreviousSecret | null): Promise<boolean>;
  /** The secret and, when one is kept, the previous one (expired or not), in one read; undefined once removed. */
  signingSecrets(id: string): Promise<{ current: EncryptedValue; previous?: PreviousSecret } | undefined>;
  /** Every kept previous secret, for vault rotation. */
  previousSecrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /** Replaces the previous secret only while it is still `expected` (compare-and-swap). */
  replacePreviousSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
}

export function webhookEndpointsRepository({ db }: StoreHandle): WebhookEndpointsRepository {
  const get = async (id: string) => {
    const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  };
  return {
    ...encryptedSecretColumn(db, 'webhook_endpoints'),
    async create(endpoint) {
      const now = isoNow();
      const row: WebhookEndpointsTable = {
        id: endpoint.id ?? randomUUID(),
        url: endpoint.url,
        description: endpoint.description ?? null,
        connection_id: endpoint.connectionId ?? null,
        models: endpoint.models ? JSON.stringify(endpoint.models) : null,
        enabled: endpoint.enabled === false ? 0 : 1,
        secret_ciphertext: endpoint.secret.ciphertext,
        secret_key_id: endpoint.secret.keyId,
        previous_secret_ciphertext: null,
        previous_secret_key_id: null,
        previous_secret_expires_at: null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('webhook_endpoints').values(row).execute();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound(endpoint.connectionId ?? '');
        throw err;
      }
      return fromRow(row);
    },
    get,
    async list() {
      const rows = await db.selectFrom('webhook_endpoints').selectAll().orderBy('created_at').orderBy('id').execute();
      return rows.map(fromRow);
    },
    async enabledFor(connectionId) {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('enabled', '=', 1)
        .where((eb) => eb.or([eb('connection_id', 'is', null), eb('connection_id', '=', connectionId)]))
        .orderBy('created_at')
        .execute();
      return rows.map(fromRow);
    },
    async update(id, changes) {
      const set: Partial<WebhookEndpointsTable> = { updated_at: isoNow() };
      if (changes.url !== undefined) set.url = changes.url;
      if (changes.description !== undefined) set.description = changes.description;
      if (changes.models !== undefined) set.models = changes.models ? JSON.stringify(changes.models) : null;
      if (changes.enabled !== undefined) set.enabled = changes.enabled ? 1 : 0;
      await db.updateTable('webhook_endpoints').set(set).where('id', '=', id).execute();
      return get(id);
    },
    async rotateSecret(id, expected, next, previous) {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({
          secret_ciphertext: next.ciphertext,
          secret_key_id: next.keyId,
          previous_secret_ciphertext: previous?.ciphertext ?? null,
          previous_secret_key_id: previous?.keyId ?? null,
          previous_secret_expires_at: previous?.expiresAt ?? null,
          updated_at: isoNow(),
        })
        .where('id', '=', id)
        .where('secret_ciphertext', '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async signingSecrets(id) {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select([
          'secret_ciphertext',
          'secret_key_id',
          'previous_secret_ciphertext',
          'previous_secret_key_id',
          'previous_secret_expires_at',
        ])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const current = { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id };
      if (!row.previous_secret_ciphertext || !row.previous_secret_key_id || !row.previous_secret_expires_at)
        return { current };
      const previous = {
        ciphertext: row.previous_secret_ciphertext,
        keyId: row.previous_secret_key_id,
        expiresAt: row.previous_secret_expires_at,
      };
      return { current, previous };
    },
    async previousSecrets() {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'previous_secret_ciphertext', 'previous_secret_key_id'])
        .where('previous_secret_ciphertext', 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        ciphertext: r.previous_secret_ciphertext!,
        keyId: r.previous_secret_key_id!,
      }));
    },
    async replacePreviousSecret(id, expected, next) {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ previous_secret_ciphertext: next.ciphertext, previous_secret_key_id: next.keyId })
        .where('id', '=', id)
        .where('previous_secret_ciphertext', '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async delete(id) {
      const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function fromRow(row: Selectable<WebhookEndpointsTable>): StoredWebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    connectionId: row.connection_id,
    models: row.models === null ? null : (JSON.parse(row.models) as string[]),
    enabled: Number(row.enabled) === 1,
    previousSecretExpiresAt: row.previous_secret_ciphertext ? row.previous_secret_expires_at : null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
