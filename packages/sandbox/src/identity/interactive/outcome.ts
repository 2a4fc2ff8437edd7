import { aadTimestamp, type ErrorContext, type IdentityError } from '../aadsts.js';
import type { IdentityContext } from '../context.js';
import { errorPage } from './pages.js';

/** What the flow needs to know of the browser's request, so that it never touches HTTP itself. */
export interface PageRequest {
  traceId: string;
  /** The client's `client-request-id`, echoed in error texts. */
  correlationId: string;
  /** `https://host:port` as the browser reached the sandbox. */
  origin: string;
  /** The session cookie the browser sent, if any. */
  sessionCookie: string | undefined;
  /** Set when this request signed someone in; the route sends it back as the session cookie, whatever the answer. */
  startedSession?: string;
}

/** How a step of the flow answers the browser: a page, or a redirect (to the client or within the sandbox). */
export type Outcome = { kind: 'page'; html: string; status: number } | { kind: 'redirect'; url: string };

export const page = (html: string, status = 200): Outcome => ({ kind: 'page', html, status });
export const redirect = (url: string): Outcome => ({ kind: 'redirect', url });

export function errorContextOf(ctx: IdentityContext, request: PageRequest): ErrorContext {
  return {
    traceId: request.traceId,
    correlationId: request.correlationId,
    nowMs: ctx.clock.now(),
    origin: request.origin,
  };
}

/** The error page for an identity error, with its status. */
export function showError(ctx: IdentityContext, request: PageRequest, err: IdentityError): Outcome {
  const ectx = errorContextOf(ctx, request);
  return page(
    errorPage({
      code: err.code,
      message: err.definition.message(err.params),
      traceId: ectx.traceId,
      correlationId: ectx.correlationId,
      timestamp: aadTimestamp(ectx.nowMs),
    }),
    err.definition.status,
  );
}
