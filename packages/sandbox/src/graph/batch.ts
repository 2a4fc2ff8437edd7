import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { GraphContext } from './context.js';
import { GraphError } from './errors.js';

/** Marks requests the batch endpoint dispatches itself; the value is a per-process secret no client can send. */
export const BATCH_ITEM_HEADER = 'x-sandbox-batch-item';
export const BATCH_ITEM_SECRET = randomBytes(16).toString('hex');

const MAX_REQUESTS = 20;
const METHODS = new Set(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']);

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: unknown;
  dependsOn?: string[];
}

interface ItemResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

const invalid = (message: string) => new GraphError(400, 'BadRequest', message);

/** `/v1.0/users`, `v1.0/users`, `/users` and `users` name the same request; nothing may leave /v1.0 or nest a batch. */
function innerUrl(id: string, url: string): string {
  const path = url.startsWith('/') ? url : `/${url}`;
  const full = /^\/v1\.0(\/|$)/i.test(path) ? path : `/v1.0${path}`;
  const parsed = new URL(full, 'https://graph.invalid');
  if (!/^\/v1\.0\//i.test(parsed.pathname) || parsed.pathname.toLowerCase() === '/v1.0/$batch') {
    throw invalid(`Invalid request URI '${url}' for request '${id}'.`);
  }
  return `${parsed.pathname}${parsed.search}`;
}

function validate(body: unknown): BatchItem[] {
  const requests = (body as { requests?: unknown } | undefined)?.requests;
  if (!Array.isArray(requests) || requests.length === 0) throw invalid('Invalid batch payload format.');
  if (requests.length > MAX_REQUESTS) throw invalid('Number of requests inside batch exceed the limit.');
  const ids = new Set<string>();
  for (const raw of requests as Record<string, unknown>[]) {
    if (!raw || typeof raw !== 'object') throw invalid('Invalid batch payload format.');
    if (typeof raw.id !== 'string' || raw.id === '') throw invalid('Request Id must be specified for every request.');
    if (ids.has(raw.id)) throw invalid(`Request Id '${raw.id}' is duplicated. Request Id must be unique.`);
    ids.add(raw.id);
    if (typeof raw.method !== 'string' || !METHODS.has(raw.method.toUpperCase())) {
      throw invalid(`Invalid method '${String(raw.method)}' for request '${raw.id}'.`);
    }
    if (typeof raw.url !== 'string' || raw.url === '' || /^[a-z]+:/i.test(raw.url)) {
      throw invalid(
        `Invalid request URI '${String(raw.url)}' for request '${raw.id}': it must be relative, e.g. /users.`,
      );
    }
    raw.url = innerUrl(raw.id, raw.url);
    const headers = raw.headers as Record<string, string> | undefined;
    if (headers !== undefined && (typeof headers !== 'object' || Array.isArray(headers))) {
      throw invalid(`Headers of request '${raw.id}' must be an object.`);
    }
    const hasType = headers && Object.keys(headers).some((h) => h.toLowerCase() === 'content-type');
    if (raw.body !== undefined && !hasType) {
      throw invalid(`Write request id : ${raw.id} does not contain Content-Type header or body.`);
    }
    if (
      raw.dependsOn !== undefined &&
      (!Array.isArray(raw.dependsOn) || raw.dependsOn.some((d) => typeof d !== 'string'))
    ) {
      throw invalid(`dependsOn of request '${raw.id}' must be an array of request ids.`);
    }
  }
  const items = requests as BatchItem[];
  for (const item of items) {
    for (const dep of item.dependsOn ?? []) {
      if (!ids.has(dep)) throw invalid(`Request '${item.id}' depends on '${dep}', which is not in the batch.`);
    }
  }
  assertNoCycle(items);
  return items;
}

function assertNoCycle(items: BatchItem[]): void {
  const byId = new Map(items.map((i) => [i.id, i]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string): void => {
    if (state.get(id) === 'done') return;
    if (state.get(id) === 'visiting') throw invalid(`The dependsOn of request '${id}' forms a cycle.`);
    state.set(id, 'visiting');
    for (const dep of byId.get(id)!.dependsOn ?? []) visit(dep);
    state.set(id, 'done');
  };
  for (const item of items) visit(item.id);
}

/**
 * `POST /v1.0/$batch`: up to 20 requests, run through the same routes (so each is authenticated, permission-checked
 * and throttled on its own), independent ones together and `dependsOn` ones after their dependencies; a request
 * whose dependency failed answers 424. The batch itself needs a valid token.
 */
export function registerBatch(app: FastifyInstance, ctx: GraphContext): void {
  app.post('/$batch', async (request, reply) => {
    await ctx.auth.authenticate(request.headers.authorization);
    const items = validate(request.body);
    const results = new Map<string, Promise<ItemResponse>>();
    const run = (item: BatchItem): Promise<ItemResponse> => {
      const existing = results.get(item.id);
      if (existing) return existing;
      const promise = (async (): Promise<ItemResponse> => {
        for (const dep of item.dependsOn ?? []) {
          const before = await run(items.find((i) => i.id === dep)!);
          if (before.status >= 400) {
            return {
              id: item.id,
              status: 424,
              headers: { 'Content-Type': 'application/json' },
              body: {
                error: {
                  code: 'FailedDependency',
                  message: `Request '${item.id}' failed because request '${dep}' failed.`,
                },
              },
            };
          }
        }
        const headers: Record<string, string> = { ...(item.headers ?? {}), [BATCH_ITEM_HEADER]: BATCH_ITEM_SECRET };
        if (request.headers.authorization) headers.authorization = request.headers.authorization;
        // Keep the client's host so absolute links in item bodies (nextLink) point where the client connects.
        if (request.headers.host) headers.host = request.headers.host;
        const res = await app.inject({
          method: item.method.toUpperCase() as 'GET',
          url: item.url,
          headers,
          ...(item.body !== undefined
            ? { payload: typeof item.body === 'string' ? item.body : JSON.stringify(item.body) }
            : {}),
        });
        // Item headers use Microsoft's casing; the Graph SDK looks up "Content-Type" exactly.
        const out: Record<string, string> = {};
        for (const name of [
          'Content-Type',
          'Location',
          'Retry-After',
          'Cache-Control',
          'x-ms-throttle-scope',
          'x-ms-throttle-information',
        ]) {
          const v = res.headers[name.toLowerCase()];
          if (typeof v === 'string') out[name] = v;
        }
        let body: unknown;
        if (res.body) {
          try {
            body = String(res.headers['content-type'] ?? '').includes('json') ? JSON.parse(res.body) : res.body;
          } catch {
            body = res.body;
          }
        }
        return { id: item.id, status: res.statusCode, headers: out, ...(body !== undefined ? { body } : {}) };
      })();
      results.set(item.id, promise);
      return promise;
    };
    const responses = await Promise.all(items.map(run));
    return reply
      .code(200)
      .type('application/json; odata.metadata=minimal; odata.streaming=true; charset=utf-8')
      .send({ responses });
  });
}
