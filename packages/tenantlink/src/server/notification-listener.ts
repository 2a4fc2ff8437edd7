import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { NOTIFICATION_PATH } from '../notifications/subscription-manager.js';

export interface NotificationListener {
  /** `https://localhost:<port>`: the base of the notification URLs. */
  url: string;
  /** Hands requests to this app from now on (until then they get 503). */
  serve(app: FastifyInstance): void;
  close(): Promise<void>;
}

/**
 * An HTTPS listener on loopback for change notifications only, beside a server that speaks plain HTTP (demo mode):
 * Microsoft Graph, and the sandbox, post only over HTTPS. It hands `/notifications/microsoft…` to the server's own
 * routes, so they are checked and answered the same; anything else is 404.
 */
export async function listenForNotifications(tls: { keyPem: string; certPem: string }): Promise<NotificationListener> {
  let app: FastifyInstance | undefined;
  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (request, response) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    if (path !== NOTIFICATION_PATH && !path.startsWith(`${NOTIFICATION_PATH}/`)) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    if (!app) {
      response.writeHead(503, { 'content-type': 'text/plain' }).end('starting\n');
      return;
    }
    app.routing(request, response);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    serve(next) {
      app = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
