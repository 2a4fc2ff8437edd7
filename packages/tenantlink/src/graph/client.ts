/**
 * The one Microsoft Graph client every feature uses: a small pipeline of policies over undici's fetch.
 *
 * Why not the official Graph SDK (@microsoft/microsoft-graph-client): tenantlink's sync needs control the SDK does
 * not give. Paging must stream one page at a time into storage and hand each delta page to the sync engine to
 * checkpoint; Outlook allows 4 requests in flight per mailbox, so concurrency has to be limited per mailbox, not per
 * client; `$batch` must be split into chunks of 20 with throttled items retried after the longest item Retry-After
 * (the SDK's RetryHandler retries whole HTTP calls, never batch items); and every failure must become a
 * TenantlinkError with a stable code and a diagnosis in the Azure portal's words. Each concern is one policy
 * (`policies/`), composed like the Azure SDK's pipeline; how long to wait is a retry strategy (`retry-strategies/`).
 *
 * Policy order, outermost first: client-request-id → retry → bearer token → concurrency → metrics → log → fetch.
 * The concurrency slot is held only during an attempt, never while a retry waits.
 */
import type { Dispatcher } from 'undici';
import { TenantlinkError } from '../errors.js';
import { routeTemplate } from '../logging/index.js';
import { type BatchOptions, type BatchRequestItem, type BatchResult, runBatch } from './batch.js';
import { ResourceConcurrencyLimiter } from './concurrency.js';
import { graphErrorFromResponse, networkError } from './errors.js';
import {
  composePipeline,
  type GraphRequest,
  type GraphResponse,
  type PipelinePolicy,
  type SendRequest,
} from './pipeline.js';
import { bearerTokenPolicy, type GetToken } from './policies/bearer-token-policy.js';
import { clientRequestIdPolicy } from './policies/client-request-id-policy.js';
import { concurrencyPolicy } from './policies/concurrency-policy.js';
import { type GraphLogger, logPolicy } from './policies/log-policy.js';
import { type GraphMetrics, MetricsRecorder, metricsPolicy } from './policies/metrics-policy.js';
import { retryPolicy } from './policies/retry-policy.js';
import type { GraphRequestMetrics } from './request-metrics.js';
import type { RetryStrategy } from './retry-strategies/retry-strategy.js';
import { fetchTransport } from './transport.js';

export interface GraphClientOptions {
  /** `https://graph.microsoft.com` (a trailing `/v1.0` is accepted). */
  graphEndpoint: string;
  getToken: GetToken;
  /** An undici dispatcher, e.g. an `Agent` trusting the sandbox CA. */
  dispatcher?: Dispatcher;
  logger?: GraphLogger;
  /** Retries per request after the first attempt. Default 5. */
  maxRetries?: number;
  /** Replace the default strategies (Retry-After, then exponential backoff). */
  retryStrategies?: RetryStrategy[];
  /** Requests in flight per mailbox. Default 4 (Outlook's limit). */
  perMailboxConcurrency?: number;
  /** Requests in flight over the whole client. Default unlimited. */
  maxConcurrentRequests?: number;
  /** Share one limiter between clients of the same app and tenant (the limits are per app and mailbox). */
  limiter?: ResourceConcurrencyLimiter;
  /** The customer's tenant name, used in diagnoses ("Grant admin consent for <tenant>"). */
  tenantName?: string;
  /** Graph version. Default `v1.0`. */
  version?: 'v1.0' | 'beta';
  /** Sent on every request; SharePoint throttles undecorated traffic first. */
  userAgent?: string;
  /** Policies to run just outside the transport (tests, tracing). */
  extraPolicies?: PipelinePolicy[];
  /** `$batch` calls in flight at once when a batch splits into several chunks. Default 4. */
  batchConcurrency?: number;
  /**
   * The permission a call needs when the caller did not name one, by route template and method: a refusal's diagnosis
   * names it. tenantlink passes the feature registry's `permissionForRoute`.
   */
  permissionFor?: (route: string, method: string) => string | undefined;
  /** Prometheus metrics shared by the server's clients (exported at /metrics); `tenantName` is their tenant label. */
  requestMetrics?: GraphRequestMetrics;
}

type QueryValue = string | number | boolean | undefined;

export interface RequestOptions {
  query?: Record<string, QueryValue>;
  /** `$select`: every feature names the properties it reads. */
  select?: readonly string[];
  headers?: Record<string, string>;
  /** JSON-serialised unless it is a string or bytes (then give a content-type header). */
  body?: unknown;
  signal?: AbortSignal;
  /** The application permission this call needs, named in the diagnosis when it is missing. */
  permission?: string;
}

/** A successful answer: status, headers and the parsed body (JSON, text, or undefined for 204). */
export interface GraphResult<T> {
  status: number;
  headers: Headers;
  body: T;
}

/** One page of a collection. */
export interface GraphPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
  '@odata.deltaLink'?: string;
  '@odata.count'?: number;
  [annotation: string]: unknown;
}

export interface PageOptions {
  select?: readonly string[];
  /** `$top`: the page size asked for (the service may return fewer). */
  top?: number;
  query?: Record<string, QueryValue>;
  /** Sent on every page (Graph does not carry headers such as ConsistencyLevel over to nextLinks). */
  headers?: Record<string, string>;
  /** `Prefer: odata.maxpagesize=n`, for Outlook lists and delta. */
  maxPageSize?: number;
  signal?: AbortSignal;
  permission?: string;
}

/** One delta page: its items, and either the link to the next page or the delta link to keep for the next round. */
export interface DeltaPage<T> {
  items: T[];
  nextLink?: string;
  deltaLink?: string;
}

export type DeltaOptions = Omit<PageOptions, 'top'>;

function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '').replace(/\/(v1\.0|beta)$/, '');
}

function encodeQuery(query: Record<string, QueryValue>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    // Keys stay readable (`$select`); values are encoded but keep the characters OData uses literally.
    parts.push(`${key}=${encodeURIComponent(String(value)).replace(/%2C/g, ',').replace(/%24/g, '$')}`);
  }
  return parts.join('&');
}

export class GraphClient {
  readonly graphEndpoint: string;
  readonly version: string;
  readonly limiter: ResourceConcurrencyLimiter;
  private readonly origin: string;
  private readonly send: SendRequest;
  private readonly recorder = new MetricsRecorder();
  private readonly options: GraphClientOptions;

  constructor(options: GraphClientOptions) {
    this.options = options;
    this.graphEndpoint = trimEndpoint(options.graphEndpoint);
    if (!/^https:\/\//.test(this.graphEndpoint))
      throw new TenantlinkError('INVALID_CLOUD', 'The Graph endpoint must be an https URL.');
    this.origin = new URL(this.graphEndpoint).origin;
    this.version = options.version ?? 'v1.0';
    this.limiter =
      options.limiter ??
      new ResourceConcurrencyLimiter({
        perMailbox: options.perMailboxConcurrency ?? 4,
        ...(options.maxConcurrentRequests !== undefined
          ? { maxConcurrentRequests: options.maxConcurrentRequests }
          : {}),
      });
    const policies: PipelinePolicy[] = [
      clientRequestIdPolicy(),
      retryPolicy({
        maxRetries: options.maxRetries ?? 5,
        ...(options.retryStrategies ? { strategies: options.retryStrategies } : {}),
        ...(options.logger?.warn
          ? {
              onRetry: (info: { attempt: number; delayMs: number; status?: number; strategy: string }) =>
                options.logger?.warn?.(info, 'graph request retry'),
            }
          : {}),
      }),
      bearerTokenPolicy(options.getToken),
      concurrencyPolicy(this.limiter),
      metricsPolicy([
        this.recorder,
        ...(options.requestMetrics ? [options.requestMetrics.observerFor(options.tenantName)] : []),
      ]),
      ...(options.logger ? [logPolicy(options.logger)] : []),
      ...(options.extraPolicies ?? []),
    ];
    this.send = composePipeline(policies, fetchTransport(options.dispatcher ? { dispatcher: options.dispatcher } : {}));
  }

  /** This client's requests, retries, 429s and latency per route template since creation (or the last reset). */
  metrics(): GraphMetrics {
    return this.recorder.snapshot();
  }

  resetMetrics(): void {
    this.recorder.reset();
  }

  /**
   * The absolute URL for a path (`/users`, `users/{id}`) or a link Graph gave (nextLink, deltaLink), which is followed
   * as-is. A link to another origin is refused: it would receive the bearer token.
   */
  url(pathOrLink: string, query: Record<string, QueryValue> = {}): string {
    let url: string;
    if (/^https?:\/\//i.test(pathOrLink)) {
      if (new URL(pathOrLink).origin !== this.origin)
        throw new TenantlinkError(
          'UNTRUSTED_LINK',
          `Refusing to send a Graph token to ${new URL(pathOrLink).origin}: links must stay on ${this.origin}.`,
        );
      url = pathOrLink;
    } else {
      let path = pathOrLink.startsWith('/') ? pathOrLink : `/${pathOrLink}`;
      if (!/^\/(v1\.0|beta)\//.test(path)) path = `/${this.version}${path}`;
      url = `${this.origin}${new URL(this.graphEndpoint).pathname.replace(/\/$/, '')}${path}`;
    }
    const encoded = encodeQuery(query);
    if (!encoded) return url;
    return `${url}${url.includes('?') ? '&' : '?'}${encoded}`;
  }

  /** Sends one request through the pipeline; a non-2xx answer throws a TenantlinkError. */
  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<GraphResult<T>> {
    const query = { ...options.query };
    if (options.select?.length) query.$select = options.select.join(',');
    const url = this.url(path, query);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.options.userAgent) headers['user-agent'] = this.options.userAgent;
    for (const [k, v] of Object.entries(options.headers ?? {})) headers[k.toLowerCase()] = v;
    let body: string | Uint8Array | undefined;
    if (options.body !== undefined) {
      if (typeof options.body === 'string' || options.body instanceof Uint8Array) body = options.body;
      else {
        body = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
    }
    const request: GraphRequest = {
      method: method.toUpperCase(),
      url,
      headers,
      ...(body !== undefined ? { body } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      attempt: 0,
      routeTemplate: routeTemplate(url),
    };
    let response: GraphResponse;
    try {
      response = await this.send(request);
    } catch (err) {
      if (err instanceof TenantlinkError) throw err;
      throw networkError(err, { method: request.method, route: request.routeTemplate });
    }
    const text = await response.text();
    if (response.status >= 400) {
      const permission = options.permission ?? this.options.permissionFor?.(request.routeTemplate, request.method);
      throw graphErrorFromResponse(response, text, {
        method: request.method,
        route: request.routeTemplate,
        retries: request.attempt,
        ...(permission ? { permission } : {}),
        ...(this.options.tenantName ? { tenantName: this.options.tenantName } : {}),
      });
    }
    const type = response.headers.get('content-type') ?? '';
    let parsed: unknown;
    if (text === '') parsed = undefined;
    else if (type.includes('json')) parsed = JSON.parse(text);
    else parsed = text;
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  async get<T = unknown>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return (await this.request<T>('GET', path, options)).body;
  }

  async post<T = unknown>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('POST', path, { ...options, body })).body;
  }

  async patch<T = unknown>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PATCH', path, { ...options, body })).body;
  }

  async put<T = unknown>(path: string, body: unknown, options: RequestOptions = {}): Promise<T> {
    return (await this.request<T>('PUT', path, { ...options, body })).body;
  }

  async delete(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<void> {
    await this.request('DELETE', path, options);
  }

  private pageRequestOptions(options: PageOptions): RequestOptions {
    const headers = { ...options.headers };
    if (options.maxPageSize) headers.prefer = `odata.maxpagesize=${options.maxPageSize}`;
    return {
      headers,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.permission ? { permission: options.permission } : {}),
    };
  }

  /**
   * The pages of a collection, one at a time, following `@odata.nextLink` as-is. Only the current page is held: the
   * next is requested when the consumer asks for it.
   */
  async *pages<T>(path: string, options: PageOptions = {}): AsyncGenerator<GraphPage<T>, void, undefined> {
    const query: Record<string, QueryValue> = { ...options.query };
    if (options.top !== undefined) query.$top = options.top;
    const requestOptions = this.pageRequestOptions(options);
    let next: string | undefined = this.url(path, {
      ...query,
      ...(options.select?.length ? { $select: options.select.join(',') } : {}),
    });
    while (next) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(next, requestOptions);
      next = page['@odata.nextLink'];
      yield page;
    }
  }

  /** The items of a collection, streamed page by page. */
  async *paginate<T>(path: string, options: PageOptions = {}): AsyncGenerator<T, void, undefined> {
    for await (const page of this.pages<T>(path, options)) yield* page.value ?? [];
  }

  /**
   * A delta round from a path (`/users/delta`) or a saved delta/next link. Each page carries its link, so the sync
   * engine can store the items and checkpoint the link together; the last page has the `deltaLink` for next time.
   * An expired link throws DELTA_TOKEN_EXPIRED: start again from the path.
   */
  async *delta<T>(pathOrLink: string, options: DeltaOptions = {}): AsyncGenerator<DeltaPage<T>, void, undefined> {
    const isLink = /^https?:\/\//i.test(pathOrLink);
    const requestOptions = this.pageRequestOptions(options);
    let next: string | undefined = isLink
      ? this.url(pathOrLink)
      : this.url(pathOrLink, {
          ...options.query,
          ...(options.select?.length ? { $select: options.select.join(',') } : {}),
        });
    while (next) {
      const page: GraphPage<T> = await this.get<GraphPage<T>>(next, requestOptions);
      next = page['@odata.nextLink'];
      const deltaLink = page['@odata.deltaLink'];
      yield {
        items: page.value ?? [],
        ...(next ? { nextLink: next } : {}),
        ...(deltaLink ? { deltaLink } : {}),
      };
    }
  }

  /**
   * JSON batching: any number of requests, sent in `$batch` calls of at most 20 (requests linked by `dependsOn` stay
   * in one call), results in the order given. Throttled and unavailable items are retried after the longest
   * Retry-After among them.
   */
  batch<T = unknown>(requests: readonly BatchRequestItem[], options: BatchOptions = {}): Promise<BatchResult<T>[]> {
    return runBatch<T>(this, requests, {
      maxItemRetries: this.options.maxRetries ?? 5,
      concurrency: this.options.batchConcurrency ?? 4,
      ...(this.options.tenantName ? { tenantName: this.options.tenantName } : {}),
      ...(this.options.permissionFor ? { permissionFor: this.options.permissionFor } : {}),
      ...options,
    });
  }
}
