import type { Kysely } from 'kysely';
import { type Database, isoNow } from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';

/** Tables that keep one vault-encrypted secret in `secret_ciphertext` / `secret_key_id` beside their own row. */
export type TableWithSecret = 'integrations' | 'webhook_endpoints';

/** Reading a row's encrypted secret, listing them all for key rotation, and replacing one with a compare-and-swap. */
export interface EncryptedSecretColumn {
  secret(id: string): Promise<EncryptedValue | undefined>;
  /** Every row's secret, for `vault rotate`. */
  secrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /** Writes `next` only when the stored ciphertext is still `expected`; returns whether it did. */
  replaceSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
}

export function encryptedSecretColumn(db: Kysely<Database>, table: TableWithSecret): EncryptedSecretColumn {
  // Both tables have the same secret columns; Kysely types a query on one name at a time.
  const t = table as 'integrations';
  return {
    async secret(id) {
      const row = await db
        .selectFrom(t)
        .select(['secret_ciphertext', 'secret_key_id'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row && { ciphertext: row.secret_ciphertext, keyId: row.secret_key_id };
    },
    async secrets() {
      const rows = await db.selectFrom(t).select(['id', 'secret_ciphertext', 'secret_key_id']).orderBy('id').execute();
      return rows.map((r) => ({ id: r.id, ciphertext: r.secret_ciphertext, keyId: r.secret_key_id }));
    },
    async replaceSecret(id, expected, next) {
      const result = await db
        .updateTable(t)
        .set({ secret_ciphertext: next.ciphertext, secret_key_id: next.keyId, updated_at: isoNow() })
        .where('id', '=', id)
        .where('secret_ciphertext', '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}
