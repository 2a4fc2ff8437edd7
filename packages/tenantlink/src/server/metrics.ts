import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The server's Prometheus metrics, in a registry of its own (several servers in one process stay apart) or the one it
 * is given, shared with the metrics of its connections' Graph clients.
 */
export class ServerMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly testRuns: Counter<'result'>;

  constructor(countConnections: () => Promise<number>, registry: Registry = new Registry()) {
    this.registry = registry;
    const registers = [registry];
    this.requests = new Counter({
      name: 'tenantlink_http_requests_total',
      help: 'HTTP requests answered, by method, route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers,
    });
    this.duration = new Histogram({
      name: 'tenantlink_http_request_duration_seconds',
      help: 'Time to answer HTTP requests, by method and route',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.testRuns = new Counter({
      name: 'tenantlink_connection_tests_total',
      help: 'Doctor runs ("Run test"), by result',
      labelNames: ['result'] as const,
      registers,
    });
    collectDefaultMetrics({ register: registry, prefix: 'tenantlink_' });
    new Gauge({
      name: 'tenantlink_connections',
      help: 'Connections configured',
      registers,
      async collect() {
        this.set(await countConnections());
      },
    });
  }

  /** Counts and times every answer by its route template (never the raw URL, which can hold IDs or codes). */
  observe(app: FastifyInstance): void {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      this.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
      this.duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    });
  }
}
