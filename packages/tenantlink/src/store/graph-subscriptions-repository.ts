import type { Selectable } from 'kysely';
import {
  type GraphSubscriptionState,
  type GraphSubscriptionsTable,
  type IsoTimestamp,
  isoNow,
  type StoreHandle,
} from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';

/** A change-notification subscription as stored; its client state stays sealed here. */
export interface StoredSubscription {
  id: string;
  connectionId: string;
  feature: string;
  resource: string;
  changeType: string;
  graphId: string | null;
  clientState: EncryptedValue;
  state: GraphSubscriptionState;
  expiresAt: IsoTimestamp | null;
  notifications: number;
  lastNotificationAt: IsoTimestamp | null;
  lastError: string | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface GraphSubscriptionsRepository {
  list(connectionId: string): Promise<StoredSubscription[]>;
  get(id: string): Promise<StoredSubscription | undefined>;
  byGraphId(graphId: string): Promise<StoredSubscription | undefined>;
  insert(row: {
    id: string;
    connectionId: string;
    feature: string;
    resource: string;
    changeType: string;
    clientState: EncryptedValue;
  }): Promise<void>;
  /** Every sealed client state, for a vault rotation. */
  secrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  replaceSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
  /** Microsoft created (or renewed, or recreated) it: its id and expiry, active, no error. */
  active(id: string, graphId: string, expiresAt: IsoTimestamp): Promise<void>;
  setState(id: string, state: GraphSubscriptionState, error?: string | null): Promise<void>;
  /** A notification arrived for it. */
  notified(id: string, at: IsoTimestamp): Promise<void>;
  remove(id: string): Promise<void>;
}

export function graphSubscriptionsRepository({ db }: StoreHandle): GraphSubscriptionsRepository {
  const select = () => db.selectFrom('graph_subscriptions').selectAll();
  return {
    async list(connectionId) {
      const rows = await select().where('connection_id', '=', connectionId).orderBy('created_at').execute();
      return rows.map(fromRow);
    },
    async get(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async byGraphId(graphId) {
      const row = await select().where('graph_id', '=', graphId).executeTakeFirst();
      return row && fromRow(row);
    },
    async insert(row) {
      const now = isoNow();
      await db
        .insertInto('graph_subscriptions')
        .values({
          id: row.id,
          connection_id: row.connectionId,
          feature: row.feature,
          resource: row.resource,
          change_type: row.changeType,
          graph_id: null,
          client_state_ciphertext: row.clientState.ciphertext,
          client_state_key_id: row.clientState.keyId,
          state: 'pending',
          expires_at: null,
          notifications: 0,
          last_notification_at: null,
          last_error: null,
          created_at: now,
          updated_at: now,
        })
        .execute();
    },
    async active(id, graphId, expiresAt) {
      await db
        .updateTable('graph_subscriptions')
        .set({ graph_id: graphId, expires_at: expiresAt, state: 'active', last_error: null, updated_at: isoNow() })
        .where('id', '=', id)
        .execute();
    },
    async setState(id, state, error) {
      await db
        .updateTable('graph_subscriptions')
        .set({ state, ...(error !== undefined ? { last_error: error } : {}), updated_at: isoNow() })
        .where('id', '=', id)
        .execute();
    },
    async notified(id, at) {
      await db
        .updateTable('graph_subscriptions')
        .set((eb) => ({ notifications: eb('notifications', '+', 1), last_notification_at: at }))
        .where('id', '=', id)
        .execute();
    },
    async secrets() {
      const rows = await db
        .selectFrom('graph_subscriptions')
        .select(['id', 'client_state_ciphertext', 'client_state_key_id'])
        .execute();
      return rows.map((r) => ({ id: r.id, ciphertext: r.client_state_ciphertext, keyId: r.client_state_key_id }));
    },
    async replaceSecret(id, expected, next) {
      const result = await db
        .updateTable('graph_subscriptions')
        .set({ client_state_ciphertext: next.ciphertext, client_state_key_id: next.keyId })
        .where('id', '=', id)
        .where('client_state_ciphertext', '=', expected)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async remove(id) {
      await db.deleteFrom('graph_subscriptions').where('id', '=', id).execute();
    },
  };
}

function fromRow(row: Selectable<GraphSubscriptionsTable>): StoredSubscription {
  return {
    id: row.id,
    connectionId: row.connection_id,
    feature: row.feature,
    resource: row.resource,
    changeType: row.change_type,
    graphId: row.graph_id,
    clientState: { ciphertext: row.client_state_ciphertext, keyId: row.client_state_key_id },
    state: row.state,
    expiresAt: row.expires_at,
    notifications: Number(row.notifications),
    lastNotificationAt: row.last_notification_at,
    lastError: row.last_error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
