import type { PipelinePolicy } from '../pipeline.js';

/** Upper bounds (ms) of the latency buckets; the last bucket counts everything slower. */
export const LATENCY_BUCKETS_MS = [25, 50, 100, 250, 500, 1000, 2500, 5000, 10000] as const;

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
  latency: { count: number; sumMs: number; maxMs: number; buckets: { leMs: number | '+Inf'; count: number }[] };
}

export interface GraphMetrics {
  total: Omit<RouteMetrics, 'latency' | 'byStatus'>;
  /** Keyed by `METHOD /route/{id}/template`. */
  routes: Record<string, RouteMetrics>;
}

function emptyRoute(): RouteMetrics {
  return {
    requests: 0,
    retries: 0,
    throttled: 0,
    errors: 0,
    byStatus: {},
    latency: {
      count: 0,
      sumMs: 0,
      maxMs: 0,
      buckets: [...LATENCY_BUCKETS_MS.map((leMs) => ({ leMs, count: 0 })), { leMs: '+Inf' as const, count: 0 }],
    },
  };
}

/** Counts every attempt per route template: requests, retries, 429s, errors, and a latency histogram. */
export class MetricsRecorder {
  private routes = new Map<string, RouteMetrics>();

  record(route: string, attempt: number, status: number | undefined, latencyMs: number): void {
    let m = this.routes.get(route);
    if (!m) {
      m = emptyRoute();
      this.routes.set(route, m);
    }
    m.requests += 1;
    if (attempt > 0) m.retries += 1;
    if (status === 429) m.throttled += 1;
    if (status === undefined || status >= 400) m.errors += 1;
    const key = status === undefined ? 'network' : String(status);
    m.byStatus[key] = (m.byStatus[key] ?? 0) + 1;
    m.latency.count += 1;
    m.latency.sumMs += latencyMs;
    m.latency.maxMs = Math.max(m.latency.maxMs, latencyMs);
    const bucket = m.latency.buckets.find((b) => b.leMs === '+Inf' || latencyMs <= b.leMs);
    if (bucket) bucket.count += 1;
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
export function metricsPolicy(recorder: MetricsRecorder): PipelinePolicy {
  return {
    name: 'metricsPolicy',
    async sendRequest(request, next) {
      const started = performance.now();
      const route = `${request.method} ${request.routeTemplate}`;
      try {
        const response = await next(request);
        recorder.record(route, request.attempt, response.status, performance.now() - started);
        return response;
      } catch (err) {
        recorder.record(route, request.attempt, undefined, performance.now() - started);
        throw err;
      }
    },
  };
}
