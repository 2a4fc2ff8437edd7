import type { Selectable } from 'kysely';
import {
  type ConnectFlowKind,
  type ConnectFlowStatus,
  type ConnectFlowsTable,
  type IsoTimestamp,
  isoNow,
  type StoreHandle,
} from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';

/** Why a flow failed: a stable code and a sentence for whoever started it (never a secret). */
export interface ConnectFlowError {
  code: string;
  message: string;
}

/** A connect session or flow as stored; found by the SHA-256 of its handle, which is never stored. */
export interface ConnectFlow {
  idHash: string;
  kind: ConnectFlowKind;
  integrationId: string | null;
  vendorState: string | null;
  returnUrl: string | null;
  /** The vault envelope of the flow's secrets; null once the flow ended. */
  payload: EncryptedValue | null;
  status: ConnectFlowStatus;
  connectionId: string | null;
  error: ConnectFlowError | null;
  createdAt: IsoTimestamp;
  expiresAt: IsoTimestamp;
  /** The connect session a browser flow's leg belongs to. */
  sessionId: string | null;
}

export interface NewConnectFlow {
  idHash: string;
  kind: ConnectFlowKind;
  integrationId: string | null;
  vendorState?: string | null;
  returnUrl?: string | null;
  payload?: EncryptedValue | null;
  expiresAt: IsoTimestamp;
  sessionId?: string | null;
}

export interface ConnectFlowsRepository {
  create(flow: NewConnectFlow): Promise<ConnectFlow>;
  get(idHash: string): Promise<ConnectFlow | undefined>;
  /**
   * Moves a `pending`, unexpired flow of one of these kinds to `to`, in one statement, and returns it; undefined when
   * it is unknown, expired or already claimed. This is what makes tokens and states single-use, also across processes.
   */
  claim(
    idHash: string,
    kinds: readonly ConnectFlowKind[],
    to: 'used' | 'redeeming',
    now?: IsoTimestamp,
  ): Promise<ConnectFlow | undefined>;
  /** Records how a flow ended and drops its secrets. Only a flow still under way is changed; returns whether it was. */
  finish(
    idHash: string,
    outcome: { status: 'used' | 'connected' | 'failed'; connectionId?: string | null; error?: ConnectFlowError | null },
  ): Promise<boolean>;
  /** Removes flows that expired before `before`; returns how many. */
  deleteExpired(before: IsoTimestamp): Promise<number>;
  /** Every flow that still holds secrets, for vault rotation. */
  payloads(): Promise<Array<{ idHash: string } & EncryptedValue>>;
  /** Compare-and-swap of a flow's encrypted payload (vault rotation). */
  replacePayload(idHash: string, expected: string, next: EncryptedValue): Promise<boolean>;
}

export function connectFlowsRepository({ db }: StoreHandle): ConnectFlowsRepository {
  return {
    async create(flow) {
      const row: ConnectFlowsTable = {
        id_hash: flow.idHash,
        kind: flow.kind,
        integration_id: flow.integrationId,
        vendor_state: flow.vendorState ?? null,
        return_url: flow.returnUrl ?? null,
        payload_ciphertext: flow.payload?.ciphertext ?? null,
        payload_key_id: flow.payload?.keyId ?? null,
        status: 'pending',
        connection_id: null,
        error: null,
        created_at: isoNow(),
        expires_at: flow.expiresAt,
        session_id: flow.sessionId ?? null,
      };
      await db.insertInto('connect_flows').values(row).execute();
      return fromRow(row);
    },
    async get(idHash) {
      const row = await db.selectFrom('connect_flows').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row && fromRow(row);
    },
    async claim(idHash, kinds, to, now = isoNow()) {
      const row = await db
        .updateTable('connect_flows')
        .set({ status: to })
        .where('id_hash', '=', idHash)
        .where('kind', 'in', kinds)
        .where('status', '=', 'pending')
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
      return row && fromRow(row);
    },
    async finish(idHash, outcome) {
      const result = await db
        .updateTable('connect_flows')
        .set({
          status: outcome.status,
          connection_id: outcome.connectionId ?? null,
          error: outcome.error ? JSON.stringify({ code: outcome.error.code, message: outcome.error.message }) : null,
          payload_ciphertext: null,
          payload_key_id: null,
        })
        .where('id_hash', '=', idHash)
        .where('status', 'in', ['pending', 'redeeming'])
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async deleteExpired(before) {
      const result = await db.deleteFrom('connect_flows').where('expires_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
    async payloads() {
      const rows = await db
        .selectFrom('connect_flows')
        .select(['id_hash', 'payload_ciphertext', 'payload_key_id'])
        .where('payload_ciphertext', 'is not', null)
        .orderBy('id_hash')
        .execute();
      return rows.map((r) => ({ idHash: r.id_hash, ciphertext: r.payload_ciphertext!, keyId: r.payload_key_id ?? '' }));
    },
    async replacePayload(idHash, expected, next) {
      const result = await db
        .updateTable('connect_flows')
        .set({ payload_ciphertext: next.ciphertext, payload_key_id: next.keyId })
        .where('id_hash', '=', idHash)
        .where('payload_ciphertext', '=', expected)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
  };
}

function fromRow(row: Selectable<ConnectFlowsTable>): ConnectFlow {
  return {
    idHash: row.id_hash,
    kind: row.kind,
    integrationId: row.integration_id,
    vendorState: row.vendor_state,
    returnUrl: row.return_url,
    payload:
      row.payload_ciphertext && row.payload_key_id
        ? { ciphertext: row.payload_ciphertext, keyId: row.payload_key_id }
        : null,
    status: row.status,
    connectionId: row.connection_id,
    error: row.error ? (JSON.parse(row.error) as ConnectFlowError) : null,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    sessionId: row.session_id,
  };
}
