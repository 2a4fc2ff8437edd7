import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { type Database, inTransaction, isoNow, type StoreHandle } from '../store/schema.js';
import { type StoredWebhookEvent, webhookEventsRepository } from '../store/webhook-events-repository.js';

/** The connect session an event came from, with the vendor's own `state`. */
export interface WebhookEventSession {
  id: string;
  state: string | null;
}

/** A customer's administrator connected a tenant. */
export interface ConnectionCreatedEvent {
  type: 'connection.created';
  connection: {
    id: string;
    name: string;
    /** The tenant as the connection was added with: its Directory (tenant) ID or a verified domain. */
    tenantId: string;
    /** The integration it was connected through; null without one. */
    integration: string | null;
  };
  session: WebhookEventSession | null;
  /** The connection's first test: `pending` while Microsoft Entra replicates the consent. */
  test: { result: 'ok' | 'errors' | 'pending'; warnings: string[] };
}

/** Connecting a tenant failed (the browser may never reach the vendor's return URL to say so). */
export interface ConnectFailedEvent {
  type: 'connect.failed';
  integration: string | null;
  session: WebhookEventSession | null;
  error: { code: string; message: string };
}

/**
 * Every lifecycle event. To add one (`connection.removed`, say): add its interface here and its case in
 * `connectionIdOf`; delivery, the log and the retention need nothing more.
 */
export type WebhookEvent = ConnectionCreatedEvent | ConnectFailedEvent;
export type WebhookEventType = WebhookEvent['type'];

/** The JSON body of an event's delivery: its fields, with its id (the same on every attempt) and when it happened. */
export type WebhookEventBody = WebhookEvent & { id: string; occurredAt: string };

/** What `publishWebhookEvent` stored. */
export interface PublishedWebhookEvent {
  id: string;
  seq: number;
  occurredAt: string;
}

/** The connection an event is about, which decides the endpoints for one connection that take it. */
function connectionIdOf(event: WebhookEvent): string | null {
  switch (event.type) {
    case 'connection.created':
      return event.connection.id;
    case 'connect.failed':
      return null;
  }
}

/**
 * Adds a lifecycle event to the outbox, for every enabled endpoint that takes it: the endpoints for every connection,
 * and for `connection.created` also an endpoint for that one connection. Call it inside the transaction that makes
 * the outcome it reports (`{ db: trx, dialect }`), last, because it holds the events' counter until that transaction
 * ends; with the store itself it runs in a transaction of its own. With `signal`, its deliveries are enqueued in the
 * same transaction (the shared queue); once the transaction committed, call `signal.published()`.
 */
export async function publishWebhookEvent(
  store: StoreHandle,
  event: WebhookEvent,
  signal?: WebhookEventSignal,
): Promise<PublishedWebhookEvent> {
  const { type, ...fields } = event;
  const publish = async (db: Kysely<Database>) => {
    const stored = await webhookEventsRepository({ db, dialect: store.dialect }).add({
      id: randomUUID(),
      type,
      connectionId: connectionIdOf(event),
      payload: fields,
      createdAt: isoNow(),
    });
    await signal?.publishing(db);
    return { id: stored.id, seq: stored.seq, occurredAt: stored.createdAt };
  };
  return inTransaction(store.db, publish);
}

/** The body delivered for a stored event: `{type, id, occurredAt, ...fields}`. */
export function webhookEventBody(event: StoredWebhookEvent): WebhookEventBody {
  return { type: event.type, id: event.id, occurredAt: event.createdAt, ...event.payload } as WebhookEventBody;
}

/**
 * Connects whoever publishes events (the connect flows) to the dispatcher: `publishing` inside the publishing
 * transaction (deliveries enqueued on the shared queue commit with the events), `published` once it committed. The
 * server makes one and hands it to both sides.
 */
export class WebhookEventSignal {
  readonly #listeners = new Set<() => void>();
  readonly #inTransaction = new Set<(db: Kysely<Database>) => Promise<void>>();

  /** Called by `publishWebhookEvent` inside its transaction. */
  async publishing(db: Kysely<Database>): Promise<void> {
    for (const listener of this.#inTransaction) await listener(db);
  }

  /** Returns the function that stops listening. */
  listenInTransaction(listener: (db: Kysely<Database>) => Promise<void>): () => void {
    this.#inTransaction.add(listener);
    return () => this.#inTransaction.delete(listener);
  }

  /** Call once the transaction that published has committed. */
  published(): void {
    for (const listener of this.#listeners) listener();
  }

  /** Returns the function that stops listening. */
  listen(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
