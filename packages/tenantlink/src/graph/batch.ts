import { TenantlinkError } from '../errors.js';
import { routeTemplate } from '../logging/index.js';
import type { ResourceConcurrencyLimiter } from './concurrency.js';
import { graphErrorFromResponse } from './errors.js';
import { abortableSleep } from './policies/retry-policy.js';
import { backoffDelay } from './retry-strategies/exponential-backoff-strategy.js';
import { parseRetryAfter } from './retry-strategies/retry-after-strategy.js';
import { RETRIABLE_STATUSES } from './retry-strategies/retry-strategy.js';

/** Graph's limit of requests per `$batch` call. */
export const MAX_BATCH_SIZE = 20;

export interface BatchRequestItem {
  /** Unique in the batch; defaults to the 1-based position. */
  id?: string;
  method: string;
  /** Relative to the version: `/users/{id}/messages?$top=5` (an absolute Graph link is made relative). */
  url: string;
  headers?: Record<string, string>;
  /** A JSON body (Content-Type is added when missing). */
  body?: unknown;
  /** IDs of requests in this batch that must succeed first; they are kept in the same `$batch` call. */
  dependsOn?: string[];
  /** The application permission this request needs, for the diagnosis when it is missing. */
  permission?: string;
}

export interface BatchResult<T = unknown> {
  id: string;
  status: number;
  /** Lower-cased. */
  headers: Record<string, string>;
  body?: T;
  /** Set when status ≥ 400: the same normalised error a single request would throw. */
  error?: TenantlinkError;
  /** How many times the item was sent. */
  attempts: number;
}

/** What a batch needs of the Graph client: URLs, its limiter, and POST (kept narrow so batch.ts does not import client.ts). */
export interface BatchClient {
  url(path: string): string;
  readonly limiter: ResourceConcurrencyLimiter;
  post<T>(path: string, body?: unknown, options?: { signal?: AbortSignal }): Promise<T>;
}

export interface BatchOptions {
  /** Rounds of item retries for 429/503/504 items. Default: the client's maxRetries. */
  maxItemRetries?: number;
  /** `$batch` calls in flight at once. Default 4. */
  concurrency?: number;
  signal?: AbortSignal;
  tenantName?: string;
  /** The permission an item needs when it names none (the client's `permissionFor`). */
  permissionFor?: (route: string, method: string) => string | undefined;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

interface WireResponse {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

interface Prepared {
  id: string;
  index: number;
  item: BatchRequestItem;
  url: string;
  mailbox: string | undefined;
}

function relativeUrl(client: BatchClient, url: string): string {
  if (/^https?:\/\//i.test(url)) {
    const absolute = new URL(client.url(url));
    url = `${absolute.pathname}${absolute.search}`;
  }
  const path = url.startsWith('/') ? url : `/${url}`;
  return path.replace(/^(\/[^/]*)?\/(v1\.0|beta)(?=\/)/, '');
}

/** Groups requests linked by `dependsOn` (they must share a call), then packs groups into calls of ≤ 20. */
export function planChunks(prepared: readonly Prepared[], perMailbox: number): Prepared[][] {
  const parent = new Map(prepared.map((p) => [p.id, p.id]));
  const find = (id: string): string => {
    let root = id;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    parent.set(id, root);
    return root;
  };
  for (const p of prepared) for (const dep of p.item.dependsOn ?? []) parent.set(find(p.id), find(dep));
  const groups = new Map<string, Prepared[]>();
  for (const p of prepared) {
    const root = find(p.id);
    const group = groups.get(root) ?? [];
    group.push(p);
    groups.set(root, group);
  }
  const chunks: Prepared[][] = [];
  let current: Prepared[] = [];
  let mailboxes = new Map<string, number>();
  const fits = (group: Prepared[]) => {
    if (current.length + group.length > MAX_BATCH_SIZE) return false;
    // Graph runs at most 4 Outlook items of a batch at once; more for one mailbox only collect 429s.
    const add = new Map<string, number>();
    for (const p of group) if (p.mailbox) add.set(p.mailbox, (add.get(p.mailbox) ?? 0) + 1);
    for (const [m, n] of add) if ((mailboxes.get(m) ?? 0) + n > perMailbox && current.length > 0) return false;
    return true;
  };
  for (const group of groups.values()) {
    if (group.length > MAX_BATCH_SIZE)
      throw new TenantlinkError(
        'BATCH_INVALID',
        `${group.length} requests are linked by dependsOn; one $batch call holds at most ${MAX_BATCH_SIZE}.`,
      );
    if (!fits(group)) {
      chunks.push(current);
      current = [];
      mailboxes = new Map();
    }
    current.push(...group);
    for (const p of group) if (p.mailbox) mailboxes.set(p.mailbox, (mailboxes.get(p.mailbox) ?? 0) + 1);
  }
  if (current.length) chunks.push(current);
  return chunks;
}

function lowerCaseHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = String(v);
  return out;
}

function wireRequest(p: Prepared, pendingIds: ReadonlySet<string>) {
  const headers: Record<string, string> = { ...p.item.headers };
  let body: unknown;
  if (p.item.body !== undefined) {
    body = p.item.body;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type'))
      headers['Content-Type'] = 'application/json';
  }
  // A dependency that already succeeded in an earlier round is no longer in this call.
  const dependsOn = (p.item.dependsOn ?? []).filter((d) => pendingIds.has(d));
  return {
    id: p.id,
    method: p.item.method.toUpperCase(),
    url: p.url,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(dependsOn.length ? { dependsOn } : {}),
  };
}

/** Runs every request in `$batch` calls of ≤ 20 and returns one result per request, in the order given. */
export async function runBatch<T>(
  client: BatchClient,
  requests: readonly BatchRequestItem[],
  options: BatchOptions = {},
): Promise<BatchResult<T>[]> {
  const maxItemRetries = options.maxItemRetries ?? 5;
  const sleep = options.sleep ?? abortableSleep;
  const prepared: Prepared[] = requests.map((item, index) => {
    const url = relativeUrl(client, item.url);
    return {
      id: item.id ?? String(index + 1),
      index,
      item,
      url,
      mailbox: client.limiter.resourceKey(client.url(url)),
    };
  });
  const ids = new Set<string>();
  for (const p of prepared) {
    if (ids.has(p.id)) throw new TenantlinkError('BATCH_INVALID', `Two batch requests share the id '${p.id}'.`);
    ids.add(p.id);
  }
  for (const p of prepared)
    for (const dep of p.item.dependsOn ?? [])
      if (!ids.has(dep))
        throw new TenantlinkError('BATCH_INVALID', `Batch request '${p.id}' depends on unknown request '${dep}'.`);

  const results: BatchResult<T>[] = new Array(prepared.length);
  const attempts = new Map<string, number>();

  const toResult = (p: Prepared, r: WireResponse): BatchResult<T> => {
    const headers = lowerCaseHeaders(r.headers);
    const result: BatchResult<T> = {
      id: p.id,
      status: r.status,
      headers,
      attempts: attempts.get(p.id) ?? 1,
      ...(r.body !== undefined ? { body: r.body as T } : {}),
    };
    if (r.status >= 400) {
      const route = routeTemplate(client.url(p.url));
      const permission = p.item.permission ?? options.permissionFor?.(route, p.item.method.toUpperCase());
      result.error = graphErrorFromResponse(
        { status: r.status, headers: new Headers(headers) },
        typeof r.body === 'string' ? r.body : JSON.stringify(r.body ?? {}),
        {
          method: p.item.method.toUpperCase(),
          route,
          retries: (attempts.get(p.id) ?? 1) - 1,
          ...(permission ? { permission } : {}),
          ...(options.tenantName ? { tenantName: options.tenantName } : {}),
        },
      );
    }
    return result;
  };

  const runChunk = async (chunk: Prepared[]): Promise<void> => {
    let pending = chunk;
    for (let round = 0; pending.length > 0; round++) {
      const pendingIds = new Set(pending.map((p) => p.id));
      for (const p of pending) attempts.set(p.id, (attempts.get(p.id) ?? 0) + 1);
      const weights = new Map<string, number>();
      for (const p of pending) if (p.mailbox) weights.set(p.mailbox, (weights.get(p.mailbox) ?? 0) + 1);
      const release = await client.limiter.acquireMany(weights, options.signal);
      let answer: { responses?: WireResponse[] };
      try {
        answer = await client.post<{ responses?: WireResponse[] }>(
          '/$batch',
          { requests: pending.map((p) => wireRequest(p, pendingIds)) },
          options.signal ? { signal: options.signal } : {},
        );
      } finally {
        release();
      }
      const byId = new Map((answer.responses ?? []).map((r) => [String(r.id), r]));
      const retry: Prepared[] = [];
      let waitMs = 0;
      const canRetry = round < maxItemRetries;
      for (const p of pending) {
        const r = byId.get(p.id);
        if (!r) {
          results[p.index] = toResult(p, {
            id: p.id,
            status: 502,
            body: {
              error: { code: 'MissingBatchResponse', message: 'The $batch answer had no response for this request.' },
            },
          });
          continue;
        }
        if (canRetry && RETRIABLE_STATUSES.has(r.status)) {
          retry.push(p);
          const headers = lowerCaseHeaders(r.headers);
          waitMs = Math.max(waitMs, parseRetryAfter(headers['retry-after']) ?? backoffDelay(round));
          continue;
        }
        results[p.index] = toResult(p, r);
      }
      // A 424 whose dependency is being retried gets another chance with it.
      if (retry.length) {
        const retrying = new Set(retry.map((p) => p.id));
        for (const p of pending) {
          const r = results[p.index];
          if (r?.status === 424 && (p.item.dependsOn ?? []).some((d) => retrying.has(d))) {
            retry.push(p);
            retrying.add(p.id);
          }
        }
        await sleep(waitMs, options.signal);
      }
      pending = retry;
    }
  };

  const chunks = planChunks(prepared, client.limiter.perMailbox);
  let nextChunk = 0;
  const workers = Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, async () => {
    while (nextChunk < chunks.length) {
      const chunk = chunks[nextChunk++];
      if (chunk) await runChunk(chunk);
    }
  });
  await Promise.all(workers);
  return results;
}
