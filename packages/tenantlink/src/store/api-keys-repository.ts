import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { TenantlinkError } from '../errors.js';
import type { ApiKeyScope } from '../model/auth-modes.js';
import { isUniqueViolation } from './constraint-violations.js';
import { type ApiKeysTable, type IsoTimestamp, isoNow, type StoreHandle } from './schema.js';

export interface StoredApiKey {
  id: string;
  name: string;
  prefix: string;
  scope: ApiKeyScope;
  createdAt: IsoTimestamp;
  lastUsedAt: IsoTimestamp | null;
}

export interface ApiKeysRepository {
  /** Stores a key by its hash; the key itself is never stored. Throws API_KEY_EXISTS for a taken name. */
  create(key: { name: string; prefix: string; keyHash: string; scope: ApiKeyScope }): Promise<StoredApiKey>;
  findByHash(keyHash: string): Promise<StoredApiKey | undefined>;
  list(): Promise<StoredApiKey[]>;
  /** Deletes by id or name; returns whether one existed. */
  delete(idOrName: string): Promise<boolean>;
  touch(id: string, at?: IsoTimestamp): Promise<void>;
}

export function apiKeysRepository({ db }: StoreHandle): ApiKeysRepository {
  return {
    async create({ name, prefix, keyHash, scope }) {
      const row: ApiKeysTable = {
        id: randomUUID(),
        name,
        prefix,
        key_hash: keyHash,
        scope,
        created_at: isoNow(),
        last_used_at: null,
      };
      try {
        await db.insertInto('api_keys').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err, { sqliteColumn: 'api_keys.name', postgresConstraint: 'api_keys_name_unique' }))
          throw new TenantlinkError('API_KEY_EXISTS', `An API key named '${name}' already exists.`, { status: 409 });
        throw err;
      }
      return fromRow(row);
    },
    async findByHash(keyHash) {
      const row = await db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
      return row && fromRow(row);
    },
    async list() {
      return (await db.selectFrom('api_keys').selectAll().orderBy('name').execute()).map(fromRow);
    },
    async delete(idOrName) {
      const result = await db
        .deleteFrom('api_keys')
        .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async touch(id, at = isoNow()) {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}

function fromRow(row: Selectable<ApiKeysTable>): StoredApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scope: row.scope,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}
