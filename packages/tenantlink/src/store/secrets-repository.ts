import type { Selectable } from 'kysely';
import { TenantlinkError } from '../errors.js';
import { notFound } from './connections-repository.js';
import { isForeignKeyViolation } from './constraint-violations.js';
import {
  type IsoTimestamp,
  isoNow,
  SECRET_KINDS,
  type SecretKind,
  type SecretsTable,
  type StoreHandle,
} from './schema.js';

/** An encrypted secret as stored. The store never holds or returns a plaintext; the vault does the cryptography. */
export interface StoredSecret {
  connectionId: string;
  kind: SecretKind;
  ciphertext: string;
  keyId: string;
  updatedAt: IsoTimestamp;
}

export interface EncryptedValue {
  ciphertext: string;
  keyId: string;
}

export interface SecretsRepository {
  /** Creates or overwrites. Throws CONNECTION_NOT_FOUND when the connection does not exist. */
  put(connectionId: string, kind: SecretKind, value: EncryptedValue): Promise<StoredSecret>;
  get(connectionId: string, kind: SecretKind): Promise<StoredSecret | undefined>;
  delete(connectionId: string, kind: SecretKind): Promise<boolean>;
  listForConnection(connectionId: string): Promise<StoredSecret[]>;
  /** Which secrets every connection holds, without their ciphertexts, in (connection, kind) order. */
  summaries(): Promise<Omit<StoredSecret, 'ciphertext'>[]>;
  /**
   * Every secret, `batchSize` at a time, in (connection, kind) order. Each batch is a separate keyset query, so no
   * cursor or transaction stays open between batches and the consumer may write to the store meanwhile.
   */
  batches(options?: { batchSize?: number }): AsyncIterable<StoredSecret[]>;
  /** Calls `callback` for every secret (loaded in batches) and returns how many it visited. For key rotation. */
  forEachSecret(
    callback: (secret: StoredSecret) => Promise<void> | void,
    options?: { batchSize?: number },
  ): Promise<number>;
  /**
   * Reads a secret and writes what `replace` returns in one transaction (the row is locked on PostgreSQL), unless
   * `replace` returns undefined. The write also checks that the row is unchanged since the read, so two rotations
   * racing from different processes cannot lose a write: the loser gets SECRET_CHANGED_CONCURRENTLY.
   * `replace` must not use the store itself (on SQLite the transaction holds the only connection).
   * Returns the secret as stored afterwards, or undefined when there was none.
   */
  replaceSecret(
    connectionId: string,
    kind: SecretKind,
    replace: (current: StoredSecret) => Promise<EncryptedValue | undefined> | EncryptedValue | undefined,
  ): Promise<StoredSecret | undefined>;
}

const DEFAULT_BATCH_SIZE = 100;

export function secretsRepository({ db, dialect }: StoreHandle): SecretsRepository {
  const repository: SecretsRepository = {
    async put(connectionId, kind, value) {
      checkKind(kind);
      const row: SecretsTable = {
        connection_id: connectionId,
        kind,
        ciphertext: value.ciphertext,
        key_id: value.keyId,
        updated_at: isoNow(),
      };
      try {
        await db
          .insertInto('secrets')
          .values(row)
          .onConflict((conflict) =>
            conflict.columns(['connection_id', 'kind']).doUpdateSet({
              ciphertext: row.ciphertext,
              key_id: row.key_id,
              updated_at: row.updated_at,
            }),
          )
          .execute();
      } catch (err) {
        if (isForeignKeyViolation(err)) throw notFound(connectionId);
        throw err;
      }
      return fromRow(row);
    },

    async get(connectionId, kind) {
      const row = await db
        .selectFrom('secrets')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async delete(connectionId, kind) {
      const result = await db
        .deleteFrom('secrets')
        .where('connection_id', '=', connectionId)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async listForConnection(connectionId) {
      const rows = await db
        .selectFrom('secrets')
        .selectAll()
        .where('connection_id', '=', connectionId)
        .orderBy('kind')
        .execute();
      return rows.map(fromRow);
    },

    async summaries() {
      const rows = await db
        .selectFrom('secrets')
        .select(['connection_id', 'kind', 'key_id', 'updated_at'])
        .orderBy('connection_id')
        .orderBy('kind')
        .execute();
      return rows.map((r) => ({
        connectionId: r.connection_id,
        kind: r.kind,
        keyId: r.key_id,
        updatedAt: r.updated_at,
      }));
    },

    async *batches(options = {}) {
      const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
      if (!Number.isInteger(batchSize) || batchSize < 1) {
        throw new TenantlinkError('INVALID_ARGUMENT', 'batchSize must be a positive integer.');
      }
      let after: { connectionId: string; kind: SecretKind } | undefined;
      for (;;) {
        let query = db.selectFrom('secrets').selectAll();
        if (after) {
          const { connectionId, kind } = after;
          query = query.where((eb) =>
            eb.or([
              eb('connection_id', '>', connectionId),
              eb.and([eb('connection_id', '=', connectionId), eb('kind', '>', kind)]),
            ]),
          );
        }
        const rows = await query.orderBy('connection_id').orderBy('kind').limit(batchSize).execute();
        if (rows.length === 0) return;
        const last = rows[rows.length - 1]!;
        after = { connectionId: last.connection_id, kind: last.kind };
        yield rows.map(fromRow);
        if (rows.length < batchSize) return;
      }
    },

    async forEachSecret(callback, options = {}) {
      let visited = 0;
      for await (const batch of repository.batches(options)) {
        for (const secret of batch) {
          await callback(secret);
          visited++;
        }
      }
      return visited;
    },

    async replaceSecret(connectionId, kind, replace) {
      return db.transaction().execute(async (trx) => {
        const current = await trx
          .selectFrom('secrets')
          .selectAll()
          .where('connection_id', '=', connectionId)
          .where('kind', '=', kind)
          .$if(dialect === 'postgres', (query) => query.forUpdate())
          .executeTakeFirst();
        if (!current) return undefined;
        const next = await replace(fromRow(current));
        if (!next) return fromRow(current);
        const updated = await trx
          .updateTable('secrets')
          .set({ ciphertext: next.ciphertext, key_id: next.keyId, updated_at: isoNow() })
          .where('connection_id', '=', connectionId)
          .where('kind', '=', kind)
          .where('ciphertext', '=', current.ciphertext)
          .where('key_id', '=', current.key_id)
          .returningAll()
          .executeTakeFirst();
        if (!updated) {
          throw new TenantlinkError(
            'SECRET_CHANGED_CONCURRENTLY',
            `The ${kind} of connection '${connectionId}' changed while it was being replaced; read it again and retry.`,
            { status: 409 },
          );
        }
        return fromRow(updated);
      });
    },
  };
  return repository;
}

function checkKind(kind: string): void {
  if (!SECRET_KINDS.includes(kind as SecretKind)) {
    throw new TenantlinkError('INVALID_SECRET_KIND', `Unknown secret kind '${kind}': use ${SECRET_KINDS.join(', ')}.`);
  }
}

function fromRow(row: Selectable<SecretsTable>): StoredSecret {
  return {
    connectionId: row.connection_id,
    kind: row.kind,
    ciphertext: row.ciphertext,
    keyId: row.key_id,
    updatedAt: row.updated_at,
  };
}
