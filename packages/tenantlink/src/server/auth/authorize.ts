import type { ApiKeyScope } from '../../model/auth-modes.js';

/** Who made a request: an API key (with its scope), or the console's signed-in admin. */
export type Principal =
  | { kind: 'apiKey'; keyId: string; name: string; scope: ApiKeyScope }
  | { kind: 'session'; csrfToken: string; idHash: string };

/** Methods that change nothing: the only ones a `read` key may use. */
export const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What the matched route says about who may call it. */
export interface RouteAccess {
  /** The route template (`/api/v1/connections/:id`), never the URL as sent. */
  url: string;
  method: string;
  /** Needs no principal (console files, health, sign-in, connect pages and callbacks). */
  public?: boolean | undefined;
  /** Only an admin principal: a console session or an `admin` key, whatever the method. */
  scope?: 'admin' | undefined;
}

export interface Refusal {
  status: 401 | 403;
  code: 'UNAUTHENTICATED' | 'SCOPE_INSUFFICIENT';
  message: string;
  fix?: string;
}

/**
 * Decides from the matched route alone. A console session and an `admin` key may do everything; a `read` key only
 * safe methods on routes not reserved to admins; a `metrics` key only `GET /metrics`.
 */
export function authorize(principal: Principal | null, route: RouteAccess): Refusal | null {
  if (route.public) return null;
  if (!principal)
    return {
      status: 401,
      code: 'UNAUTHENTICATED',
      message: 'Sign in to the console, or send an API key as "Authorization: Bearer <key>".',
      fix: 'Create an API key with: tenantlink apikeys create --name <name>',
    };
  if (principal.kind === 'session' || principal.scope === 'admin') return null;
  const refuse = (why: string): Refusal => ({
    status: 403,
    code: 'SCOPE_INSUFFICIENT',
    message: `The API key '${principal.name}' has the ${principal.scope} scope: ${why}.`,
    fix: 'Use a key with the admin scope for this request (tenantlink apikeys create --name <name> --scope admin).',
  });
  if (principal.scope === 'metrics')
    return route.url === '/metrics' && SAFE_METHODS.has(route.method)
      ? null
      : refuse('it may read /metrics and nothing else');
  if (route.scope === 'admin') return refuse('this request is reserved to admin keys and the console');
  return SAFE_METHODS.has(route.method) ? null : refuse(`it may only read (GET), not ${route.method}`);
}
