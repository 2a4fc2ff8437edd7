import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RecordsChangedPayload } from '../../src/webhooks/payload.js';

/** One request the receiver got, with its raw body as sent. */
export interface ReceivedDelivery {
  /** The request's path and query. */
  path: string;
  rawBody: string;
  body: RecordsChangedPayload;
  headers: IncomingHttpHeaders;
  /** Milliseconds since the epoch when the request arrived. */
  at: number;
  /** What the receiver answered (null: it never answered). */
  answered: number | null;
}

/** How to answer one request: a status (with headers), after a delay; `hang` never answers. */
export type ReceiverAnswer = { status: number; headers?: Record<string, string>; delayMs?: number } | { hang: true };

export interface WebhookReceiver {
  url: string;
  received: ReceivedDelivery[];
  /** The most requests in flight at once for the same connection. */
  maxConcurrentPerConnection: number;
  /** Decides each answer; default 200. `n` counts requests from 0. */
  answer: (delivery: ReceivedDelivery, n: number) => ReceiverAnswer;
  /** Deliveries answered with a 2xx, in arrival order. */
  accepted(): ReceivedDelivery[];
  close(): Promise<void>;
}

/** A real HTTP receiver on 127.0.0.1 that records every delivery and answers as told. */
export async function startWebhookReceiver(path = '/hooks/tenantlink'): Promise<WebhookReceiver> {
  const inFlight = new Map<string, number>();
  const hanging = new Set<() => void>();
  let server: Server | undefined;
  const receiver: WebhookReceiver = {
    url: '',
    received: [],
    maxConcurrentPerConnection: 0,
    answer: () => ({ status: 200 }),
    accepted: () => receiver.received.filter((d) => d.answered !== null && d.answered < 300),
    close: async () => {
      for (const release of hanging) release();
      server?.closeAllConnections();
      await new Promise<void>((resolve) => server?.close(() => resolve()));
    },
  };
  server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const delivery: ReceivedDelivery = {
        path: request.url ?? '',
        rawBody,
        body: JSON.parse(rawBody) as RecordsChangedPayload,
        headers: request.headers,
        at: Date.now(),
        answered: null,
      };
      const n = receiver.received.length;
      receiver.received.push(delivery);
      // A ping names no connection.
      const connection = delivery.body.connection?.id ?? '';
      const now = (inFlight.get(connection) ?? 0) + 1;
      inFlight.set(connection, now);
      receiver.maxConcurrentPerConnection = Math.max(receiver.maxConcurrentPerConnection, now);
      const done = () => inFlight.set(connection, (inFlight.get(connection) ?? 1) - 1);
      const answer = receiver.answer(delivery, n);
      if ('hang' in answer) {
        const release = () => {
          hanging.delete(release);
          done();
        };
        hanging.add(release);
        request.on('close', release);
        return;
      }
      setTimeout(() => {
        done();
        delivery.answered = answer.status;
        response.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
        response.end('ok');
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return receiver;
}

/** Polls until `check` holds (or throws with `what` after `timeoutMs`). */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
