import pg from 'pg';
import type { Logger } from '../logging/index.js';
import { FEED_NOTIFY_CHANNEL } from '../sync/engine.js';
import { EVENTS_NOTIFY_CHANNEL } from './events.js';

export interface FeedListener {
  close(): Promise<void>;
}

export interface FeedListenerOptions {
  /** Told the connection of each commit with feed entries, in any process on the database. */
  onCommit: (connectionId: string) => void;
  /** Told when lifecycle events were published, in any process on the database. */
  onEvents?: () => void;
  logger?: Logger;
  /** Wait before connecting again after the connection dropped. Default 5 s. */
  reconnectDelayMs?: number;
}

/**
 * LISTENs on the sync engine's PostgreSQL channel and on the lifecycle events' (a connection of its own, outside the
 * pool), so that commits and events made by other processes wake this one's webhook dispatcher at once. A dropped connection is opened again; meanwhile the
 * dispatcher's periodic sweep finds what was missed.
 */
export async function listenForFeedCommits(databaseUrl: string, options: FeedListenerOptions): Promise<FeedListener> {
  let closed = false;
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  const scheduleReconnect = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      connect().catch((err: unknown) => {
        options.logger?.warn({ err: { message: (err as Error).message } }, 'webhooks: LISTEN reconnect failed');
        scheduleReconnect();
      });
    }, options.reconnectDelayMs ?? 5000);
    retry.unref();
  };
  const drop = (dropped: pg.Client) => {
    if (client !== dropped) return;
    client = undefined;
    dropped.end().catch(() => {});
  };

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: databaseUrl });
    next.on('notification', (message) => {
      if (message.channel === EVENTS_NOTIFY_CHANNEL) options.onEvents?.();
      if (message.channel !== FEED_NOTIFY_CHANNEL || !message.payload) return;
      try {
        const { connectionId } = JSON.parse(message.payload) as { connectionId?: unknown };
        if (typeof connectionId === 'string') options.onCommit(connectionId);
      } catch {
        // Not ours to understand.
      }
    });
    const lost = () => {
      if (client !== next) return;
      drop(next);
      scheduleReconnect();
    };
    next.on('error', lost);
    next.on('end', lost);
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${FEED_NOTIFY_CHANNEL}`);
      await next.query(`LISTEN ${EVENTS_NOTIFY_CHANNEL}`);
    } catch (err) {
      drop(next);
      throw err;
    }
  };

  await connect();
  return {
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const current = client;
      client = undefined;
      await current?.end();
    },
  };
}
