import { Counter, Histogram, type Registry } from 'prom-client';
import type { GraphAttempt, GraphAttemptObserver } from './policies/metrics-policy.js';

/**
 * Microsoft Graph requests as Prometheus metrics, registered on the registry it is given (the server's, so they are
 * exported at `/metrics`). Every label is bounded: route templates (`/users/{id}`), never raw paths with IDs or user
 * names; the tenant is the connection's, as it was added.
 */
export class GraphRequestMetrics {
  readonly registry: Registry;
  readonly #requests: Counter<'method' | 'route' | 'tenant' | 'status'>;
  readonly #throttled: Counter<'route' | 'tenant'>;
  readonly #retries: Counter<'route' | 'tenant'>;
  readonly #duration: Histogram<'method' | 'route'>;

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    this.#requests = new Counter({
      name: 'tenantlink_graph_requests_total',
      help: 'Microsoft Graph HTTP requests, each retry included, by method, route template, tenant and status ("network" when no answer came)',
      labelNames: ['method', 'route', 'tenant', 'status'] as const,
      registers,
    });
    this.#throttled = new Counter({
      name: 'tenantlink_graph_throttled_total',
      help: 'Microsoft Graph answers with status 429, by route template and tenant',
      labelNames: ['route', 'tenant'] as const,
      registers,
    });
    this.#retries = new Counter({
      name: 'tenantlink_graph_retries_total',
      help: 'Microsoft Graph requests that retried an earlier attempt, by route template and tenant',
      labelNames: ['route', 'tenant'] as const,
      registers,
    });
    this.#duration = new Histogram({
      name: 'tenantlink_graph_request_duration_seconds',
      help: 'Time from sending a Microsoft Graph request to its answer (or network error), by method and route template',
      labelNames: ['method', 'route'] as const,
      buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** What one client records into: its attempts, labelled with its tenant ("" when the client has none). */
  observerFor(tenant: string | undefined): GraphAttemptObserver {
    const tenantLabel = tenant ?? '';
    return {
      record: ({ method, route, attempt, status, durationMs }: GraphAttempt) => {
        this.#requests.inc({
          method,
          route,
          tenant: tenantLabel,
          status: status === undefined ? 'network' : String(status),
        });
        if (status === 429) this.#throttled.inc({ route, tenant: tenantLabel });
        if (attempt > 0) this.#retries.inc({ route, tenant: tenantLabel });
        this.#duration.observe({ method, route }, durationMs / 1000);
      },
    };
  }
}
