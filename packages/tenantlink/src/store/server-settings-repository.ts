import { isoNow, type StoreHandle } from './schema.js';

export interface ServerSettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  /** Sets the value only when the key has none yet; returns whether it was set (first writer wins). */
  setIfAbsent(key: string, value: string): Promise<boolean>;
  remove(key: string): Promise<void>;
}

export function serverSettingsRepository({ db }: StoreHandle): ServerSettingsRepository {
  return {
    async get(key) {
      const row = await db.selectFrom('server_settings').select('value').where('key', '=', key).executeTakeFirst();
      return row?.value;
    },
    async set(key, value) {
      await db
        .insertInto('server_settings')
        .values({ key, value, updated_at: isoNow() })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: isoNow() }))
        .execute();
    },
    async remove(key) {
      await db.deleteFrom('server_settings').where('key', '=', key).execute();
    },
    async setIfAbsent(key, value) {
      const result = await db
        .insertInto('server_settings')
        .values({ key, value, updated_at: isoNow() })
        .onConflict((oc) => oc.column('key').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
  };
}
