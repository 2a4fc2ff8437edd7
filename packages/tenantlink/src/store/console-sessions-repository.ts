import { type IsoTimestamp, isoNow, type StoreHandle } from './schema.js';

export interface ConsoleSession {
  csrfToken: string;
  expiresAt: IsoTimestamp;
}

export interface ConsoleSessionsRepository {
  create(session: { idHash: string; csrfToken: string; expiresAt: IsoTimestamp }): Promise<void>;
  /** The session when it exists and has not expired. */
  find(idHash: string, now?: IsoTimestamp): Promise<ConsoleSession | undefined>;
  delete(idHash: string): Promise<void>;
  /** Removes expired sessions; returns how many. */
  deleteExpired(now?: IsoTimestamp): Promise<number>;
  /** Signs everybody out (after the admin password changes). */
  deleteAll(): Promise<void>;
}

export function consoleSessionsRepository({ db }: StoreHandle): ConsoleSessionsRepository {
  return {
    async create({ idHash, csrfToken, expiresAt }) {
      await db
        .insertInto('console_sessions')
        .values({ id_hash: idHash, csrf_token: csrfToken, created_at: isoNow(), expires_at: expiresAt })
        .execute();
    },
    async find(idHash, now = isoNow()) {
      const row = await db
        .selectFrom('console_sessions')
        .select(['csrf_token', 'expires_at'])
        .where('id_hash', '=', idHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return row && { csrfToken: row.csrf_token, expiresAt: row.expires_at };
    },
    async delete(idHash) {
      await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
    },
    async deleteExpired(now = isoNow()) {
      const result = await db.deleteFrom('console_sessions').where('expires_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async deleteAll() {
      await db.deleteFrom('console_sessions').execute();
    },
  };
}
