import type { GraphRequest, PipelinePolicy } from '../pipeline.js';

/** One HTTP attempt as the metrics policy saw it. */
export interface GraphAttempt {
  method: string;
  /** The route template (`/users/{id}`), never the raw path. */
  route: string;
  /** 0 for the first attempt, 1 for the first retry, … */
  attempt: number;
  /** undefined when no answer came (a network error). */
  status: number | undefined;
  durationMs: number;
}

/** Where attempts are recorded: the client's own summary, and the server's Prometheus metrics when it has them. */
export interface GraphAttemptObserver {
  record(attempt: GraphAttempt): void;
}

export interface RouteMetrics {
  /** HTTP attempts, retries included. */
  requests: number;
  /** Attempts that were retries of an earlier one. */
  retries: number;
  /** Answers with status 429. */
  throttled: number;
  /** Attempts that ended in a status ≥ 400 or a network error. */
  errors: number;
  byStatus: Record<string, number>;
  latency: { count: number; sumMs: number; maxMs: number };
}

export interface GraphMetrics {
  total: Omit<RouteMetrics, 'latency' | 'byStatus'>;
  /** Keyed by `METHOD /route/{id}/template`. */
  routes: Record<string, RouteMetrics>;
}

function emptyRoute(): RouteMetrics {
  return { requests: 0, retries: 0, throttled: 0, errors: 0, byStatus: {}, latency: { count: 0, sumMs: 0, maxMs: 0 } };
}

/**
 * One client's summary, per route template: requests, retries, 429s, errors and latency, readable at once
 * (`GraphClient.metrics()`, for benchmarks and tests). The histograms for monitoring are `GraphRequestMetrics`'.
 */
export class MetricsRecorder implements GraphAttemptObserver {
  private routes = new Map<string, RouteMetrics>();

  record({ method, route, attempt, status, durationMs }: GraphAttempt): void {
    const key = `${method} ${route}`;
    let m = this.routes.get(key);
    if (!m) {
      m = emptyRoute();
      this.routes.set(key, m);
    }
    m.requests += 1;
    if (attempt > 0) m.retries += 1;
    if (status === 429) m.throttled += 1;
    if (status === undefined || status >= 400) m.errors += 1;
    const statusKey = status === undefined ? 'network' : String(status);
    m.byStatus[statusKey] = (m.byStatus[statusKey] ?? 0) + 1;
    m.latency.count += 1;
    m.latency.sumMs += durationMs;
    m.latency.maxMs = Math.max(m.latency.maxMs, durationMs);
  }

  snapshot(): GraphMetrics {
    const total = { requests: 0, retries: 0, throttled: 0, errors: 0 };
    const routes: Record<string, RouteMetrics> = {};
    for (const [route, m] of this.routes) {
      total.requests += m.requests;
      total.retries += m.retries;
      total.throttled += m.throttled;
      total.errors += m.errors;
      routes[route] = structuredClone(m);
    }
    return { total, routes };
  }

  reset(): void {
    this.routes.clear();
  }
}

/** Records each attempt that reaches it; placed inside the retry policy so retries count one by one. */
export function metricsPolicy(observers: readonly GraphAttemptObserver[]): PipelinePolicy {
  const record = (request: GraphRequest, status: number | undefined, started: number) => {
    const { method, routeTemplate: route, attempt } = request;
    const seen: GraphAttempt = { method, route, attempt, status, durationMs: performance.now() - started };
    for (const observer of observers) observer.record(seen);
  };
  return {
    name: 'metricsPolicy',
    async sendRequest(request, next) {
      const started = performance.now();
      try {
        const response = await next(request);
        record(request, response.status, started);
        return response;
      } catch (err) {
        record(request, undefined, started);
        throw err;
      }
    },
  };
}
