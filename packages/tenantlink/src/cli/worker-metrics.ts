import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { JobRunner } from '../jobs/runner.js';

export interface WorkerProbe {
  url: string;
  close(): Promise<void>;
}

/**
 * A worker's own small HTTP listener for Prometheus and the orchestrator: `GET /metrics` (its jobs and the Graph
 * requests it made, per tenant), `GET /healthz` (the process is up) and `GET /readyz` (it can read the queue). Nothing
 * else, and nothing that changes state; it listens on loopback unless the operator names another address.
 */
export async function serveWorkerProbe(
  registry: Registry,
  runner: JobRunner,
  at: { host: string; port: number },
): Promise<WorkerProbe> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' }).end(body);
    };
    if (request.method !== 'GET' && request.method !== 'HEAD') return send(405, 'only GET\n');
    if (path === '/healthz') return send(200, 'ok\n');
    if (path === '/readyz') {
      runner.queueDepth().then(
        () => send(200, 'ready\n'),
        () => send(503, 'the job queue cannot be read\n'),
      );
      return;
    }
    if (path !== '/metrics') return send(404, 'not found\n');
    registry.metrics().then(
      (text) => send(200, text, registry.contentType),
      () => send(500, 'metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
