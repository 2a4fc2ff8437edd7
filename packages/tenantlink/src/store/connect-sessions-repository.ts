import type { Selectable } from 'kysely';
import type { ConnectFlowError } from './connect-flows-repository.js';
import {
  type ConnectSessionStatus,
  type ConnectSessionsTable,
  type IsoTimestamp,
  isoNow,
  type StoreHandle,
} from './schema.js';

/** A new connection's first test, as the session reports it. */
export interface ConnectTestSummary {
  /** `pending` while replication after admin consent is waited for, in the background. */
  result: 'ok' | 'errors' | 'pending';
  /** Warning codes worth the vendor's attention, such as TEST_USER_MISSING (a feature that could not be tried). */
  warnings: string[];
}

/** A connect session as stored; the link's token is never stored, only its SHA-256. */
export interface StoredConnectSession {
  id: string;
  integrationId: string;
  vendorState: string | null;
  returnUrl: string | null;
  status: ConnectSessionStatus;
  browserHash: string | null;
  connectionId: string | null;
  tenantId: string | null;
  error: ConnectFlowError | null;
  test: ConnectTestSummary | null;
  createdAt: IsoTimestamp;
  expiresAt: IsoTimestamp;
  openedAt: IsoTimestamp | null;
  finishedAt: IsoTimestamp | null;
}

export interface ConnectSessionsRepository {
  create(session: {
    id: string;
    tokenHash: string;
    integrationId: string;
    vendorState: string | null;
    returnUrl: string | null;
    expiresAt: IsoTimestamp;
  }): Promise<StoredConnectSession>;
  get(id: string): Promise<StoredConnectSession | undefined>;
  byTokenHash(tokenHash: string): Promise<StoredConnectSession | undefined>;
  /**
   * Opens the link in one browser: a `pending` session becomes `opened` for `browserHash`; an `opened` one stays open
   * for the same browser (it resumes). Returns false when the session is finished, expired, or opened elsewhere.
   */
  open(id: string, browserHash: string, now?: IsoTimestamp): Promise<boolean>;
  /** Records how connecting ended; only a session still under way changes. Returns whether it did. */
  finish(
    id: string,
    outcome:
      | { status: 'connected'; connectionId: string; tenantId: string; test: ConnectTestSummary }
      | { status: 'failed'; error: ConnectFlowError; tenantId?: string | null },
  ): Promise<boolean>;
  /** The connected session's test, once the background retries settled. */
  recordTest(id: string, test: ConnectTestSummary): Promise<void>;
  deleteExpired(before: IsoTimestamp): Promise<number>;
}

export function connectSessionsRepository({ db }: StoreHandle): ConnectSessionsRepository {
  const get = async (column: 'id' | 'token_hash', value: string) => {
    const row = await db.selectFrom('connect_sessions').selectAll().where(column, '=', value).executeTakeFirst();
    return row && fromRow(row);
  };
  return {
    async create(session) {
      const row: ConnectSessionsTable = {
        id: session.id,
        token_hash: session.tokenHash,
        integration_id: session.integrationId,
        vendor_state: session.vendorState,
        return_url: session.returnUrl,
        status: 'pending',
        browser_hash: null,
        connection_id: null,
        tenant_id: null,
        error: null,
        test: null,
        created_at: isoNow(),
        expires_at: session.expiresAt,
        opened_at: null,
        finished_at: null,
      };
      await db.insertInto('connect_sessions').values(row).execute();
      return fromRow(row);
    },
    get: (id) => get('id', id),
    byTokenHash: (tokenHash) => get('token_hash', tokenHash),
    async open(id, browserHash, now = isoNow()) {
      const result = await db
        .updateTable('connect_sessions')
        .set((eb) => ({
          status: 'opened',
          browser_hash: browserHash,
          opened_at: eb.fn.coalesce('opened_at', eb.val(now)),
        }))
        .where('id', '=', id)
        .where('expires_at', '>', now)
        .where((eb) =>
          eb.or([
            eb('status', '=', 'pending'),
            eb.and([eb('status', '=', 'opened'), eb('browser_hash', '=', browserHash)]),
          ]),
        )
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async finish(id, outcome) {
      const set: Partial<ConnectSessionsTable> =
        outcome.status === 'connected'
          ? {
              status: 'connected',
              connection_id: outcome.connectionId,
              tenant_id: outcome.tenantId,
              test: JSON.stringify(outcome.test),
            }
          : { status: 'failed', error: JSON.stringify(outcome.error), tenant_id: outcome.tenantId ?? null };
      const result = await db
        .updateTable('connect_sessions')
        .set({ ...set, finished_at: isoNow() })
        .where('id', '=', id)
        .where('status', 'in', ['pending', 'opened'])
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async recordTest(id, test) {
      await db
        .updateTable('connect_sessions')
        .set({ test: JSON.stringify(test) })
        .where('id', '=', id)
        .execute();
    },
    async deleteExpired(before) {
      const result = await db.deleteFrom('connect_sessions').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

function fromRow(row: Selectable<ConnectSessionsTable>): StoredConnectSession {
  return {
    id: row.id,
    integrationId: row.integration_id,
    vendorState: row.vendor_state,
    returnUrl: row.return_url,
    status: row.status,
    browserHash: row.browser_hash,
    connectionId: row.connection_id,
    tenantId: row.tenant_id,
    error: row.error ? (JSON.parse(row.error) as ConnectFlowError) : null,
    test: row.test ? (JSON.parse(row.test) as ConnectTestSummary) : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    openedAt: row.opened_at,
    finishedAt: row.finished_at,
  };
}
