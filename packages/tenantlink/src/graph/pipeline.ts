import type { Dispatcher } from 'undici';

/** One HTTP request as it travels through the policies. Headers are lower-case. */
export interface GraphRequest {
  method: string;
  /** Absolute URL. */
  url: string;
  headers: Record<string, string>;
  /** Kept as a string or bytes so that a retry can send it again. */
  body?: string | Uint8Array;
  signal?: AbortSignal;
  /** 0 for the first attempt, 1 for the first retry, … (set by the retry policy). */
  attempt: number;
  /** The route with IDs replaced by `{id}`, for metrics and logs. */
  routeTemplate: string;
}

/** A response whose body is read at most once; `text()` returns the same text on every call. */
export interface GraphResponse {
  request: GraphRequest;
  status: number;
  headers: Headers;
  text(): Promise<string>;
  /** Releases the connection without reading the body. */
  discard(): Promise<void>;
}

export type SendRequest = (request: GraphRequest) => Promise<GraphResponse>;

/** A cross-cutting concern: sees the request, calls `next` (zero, one or several times), returns a response. */
export interface PipelinePolicy {
  name: string;
  sendRequest(request: GraphRequest, next: SendRequest): Promise<GraphResponse>;
}

/** Composes policies around a transport: the first policy is the outermost. */
export function composePipeline(policies: readonly PipelinePolicy[], transport: SendRequest): SendRequest {
  return policies.reduceRight<SendRequest>((next, policy) => (request) => policy.sendRequest(request, next), transport);
}

export interface TransportOptions {
  dispatcher?: Dispatcher;
  /** The fetch to use; undici's by default. */
  fetch?: typeof import('undici').fetch;
}
