import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Directory } from '../tenant/directory.js';
import type { Tenant } from '../tenant/model.js';
import type { SandboxClock } from '../time/clock.js';
import type { Caller, GraphAuthenticator } from './auth.js';
import type { ChangeBus } from './notifications/bus.js';
import type { ODataQuery } from './odata/query.js';
import type { FaultInjector, LatencySettings, TrafficStats } from './traffic/faults.js';
import type { Throttling } from './traffic/throttling.js';

export interface GraphSettings {
  /** Directory delta tokens older than this fail (Microsoft: 7 days). */
  deltaTokenLifetimeSeconds: number;
  /** Objects per users/delta and groups/delta page (observed: 200). */
  deltaPageSize: number;
  /** How an expired delta token fails: 400 syncStateNotFound (documented for directory objects) or 410 Gone with a Location to restart. */
  expiredDeltaStatus: 400 | 410;
}

export const DEFAULT_GRAPH_SETTINGS: GraphSettings = {
  deltaTokenLifetimeSeconds: 7 * 86_400,
  deltaPageSize: 200,
  expiredDeltaStatus: 400,
};

/** What every Graph endpoint works with. */
export interface GraphContext {
  directory: Directory;
  clock: SandboxClock;
  auth: GraphAuthenticator;
  throttling: Throttling;
  faults: FaultInjector;
  latency: LatencySettings;
  stats: TrafficStats;
  settings: GraphSettings;
  /** Signs delta and skip tokens so clients cannot forge them. */
  tokenKey: Buffer;
  /** Workloads publish their changes here for change-notification subscriptions. */
  events: ChangeBus;
}

/** One authenticated Graph request, as a handler sees it. */
export interface GraphCall {
  ctx: GraphContext;
  request: FastifyRequest;
  reply: FastifyReply;
  caller: Caller;
  tenant: Tenant;
  params: Record<string, string>;
  query: ODataQuery;
  /** `https://host:port`, for absolute links. */
  origin: string;
  body: unknown;
}

/** What a handler answers when it is not a plain 200 JSON body. */
export interface GraphResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  contentType?: string;
}

export function isGraphResult(value: unknown): value is GraphResult {
  return (
    typeof value === 'object' &&
    value !== null &&
    'status' in value &&
    typeof (value as GraphResult).status === 'number'
  );
}
