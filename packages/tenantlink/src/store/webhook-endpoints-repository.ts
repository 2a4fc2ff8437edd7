import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { notFound } from './connections-repository.js';
import { isForeignKeyViolation } from './constraint-violations.js';
import { encryptedSecretColumn } from './encrypted-secret-column.js';
import { type Database, type IsoTimestamp, isoNow, type StoreHandle, type WebhookEndpointsTable } from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';
import { webhookEventCursorsRepository } from './webhook-event-cursors-repository.js';

/** A webhook endpoint as stored, without its secrets. */
export interface StoredWebhookEndpoint {
  id: string;
  /** As shown: a query string's values are masked (the whole URL is then kept encrypted). */
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
  /** The whole URL, encrypted, when `url` is masked. */
  urlSecret?: EncryptedValue | null;
}

export type WebhookEndpointChanges = Partial<Pick<StoredWebhookEndpoint, 'description' | 'models' | 'enabled'>> & {
  /** A new URL: as shown, and encrypted whole when it is masked (null otherwise). */
  url?: { shown: string; secret: EncryptedValue | null };
};

/** What a delivery needs beyond the endpoint row: its signing secrets and, when masked, its whole URL. */
export interface DeliverySecrets {
  current: EncryptedValue;
  previous?: PreviousSecret;
  url?: EncryptedValue;
}

export interface WebhookEndpointsRepository {
  /**
   * Adds the endpoint with its cursor at the lifecycle events' head. Throws CONNECTION_NOT_FOUND when `connectionId`
   * names no connection.
   */
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
  /**
   * The secret, the previous one when one is kept (expired or not) and the encrypted URL when there is one, in one
   * read; undefined once removed.
   */
  deliverySecrets(id: string): Promise<DeliverySecrets | undefined>;
  /** Every kept previous secret, for vault rotation. */
  previousSecrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /** Replaces the previous secret only while it is still `expected` (compare-and-swap). */
  replacePreviousSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
  /** Every encrypted URL, for vault rotation. */
  urlSecrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /** Replaces the encrypted URL only while it is still `expected` (compare-and-swap). */
  replaceUrlSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
  /** Endpoints whose URL has a query string kept in clear (stored before URLs were sealed). */
  unsealedWithQuery(): Promise<StoredWebhookEndpoint[]>;
}

export function webhookEndpointsRepository({ db, dialect }: StoreHandle): WebhookEndpointsRepository {
  const get = async (id: string) => {
    const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirst();
    return row && fromRow(row);
  };
  const previous = optionalEncryptedColumn(db, 'previous_secret');
  const sealedUrl = optionalEncryptedColumn(db, 'url');
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
        url_ciphertext: endpoint.urlSecret?.ciphertext ?? null,
        url_key_id: endpoint.urlSecret?.keyId ?? null,
        created_at: now,
        updated_at: now,
      };
      // A new endpoint receives only lifecycle events published after it was added.
      const insert = async (trx: Kysely<Database>) => {
        await trx.insertInto('webhook_endpoints').values(row).execute();
        await webhookEventCursorsRepository({ db: trx, dialect }).start(row.id, now);
      };
      try {
        await (db.isTransaction ? insert(db) : db.transaction().execute(insert));
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
      if (changes.url !== undefined) {
        set.url = changes.url.shown;
        set.url_ciphertext = changes.url.secret?.ciphertext ?? null;
        set.url_key_id = changes.url.secret?.keyId ?? null;
      }
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
    async deliverySecrets(id) {
      const row = await db
        .selectFrom('webhook_endpoints')
        .select([
          'secret_ciphertext',
          'secret_key_id',
          'previous_secret_ciphertext',
          'previous_secret_key_id',
          'previous_secret_expires_at',
          'url_ciphertext',
          'url_key_id',
        ])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      const secrets: DeliverySecrets = { current: { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id } };
      if (row.previous_secret_ciphertext && row.previous_secret_key_id && row.previous_secret_expires_at)
        secrets.previous = {
          ciphertext: row.previous_secret_ciphertext,
          keyId: row.previous_secret_key_id,
          expiresAt: row.previous_secret_expires_at,
        };
      if (row.url_ciphertext && row.url_key_id) secrets.url = { ciphertext: row.url_ciphertext, keyId: row.url_key_id };
      return secrets;
    },
    previousSecrets: previous.list,
    replacePreviousSecret: previous.replace,
    urlSecrets: sealedUrl.list,
    replaceUrlSecret: sealedUrl.replace,
    async unsealedWithQuery() {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('url_ciphertext', 'is', null)
        .where('url', 'like', '%?%')
        .execute();
      return rows.map(fromRow);
    },
    async delete(id) {
      const result = await db.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

/**
 * A nullable encrypted value kept beside the row in `<prefix>_ciphertext` and `<prefix>_key_id`: every stored one, for
 * vault rotation, and a compare-and-swap replacement.
 */
function optionalEncryptedColumn(db: StoreHandle['db'], prefix: 'previous_secret' | 'url') {
  // Both pairs have the same shape; Kysely types a query on one column name at a time.
  const ciphertext = `${prefix}_ciphertext` as 'url_ciphertext';
  const keyId = `${prefix}_key_id` as 'url_key_id';
  return {
    async list(): Promise<Array<{ id: string } & EncryptedValue>> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['id', ciphertext, keyId])
        .where(ciphertext, 'is not', null)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ id: r.id, ciphertext: r[ciphertext]!, keyId: r[keyId]! }));
    },
    async replace(id: string, expected: string, next: EncryptedValue): Promise<boolean> {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ [ciphertext]: next.ciphertext, [keyId]: next.keyId })
        .where('id', '=', id)
        .where(ciphertext, '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
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
