import createClient, { type Middleware } from 'openapi-fetch';
import { errorOfResponse, networkError } from './errors';
import type { paths } from './schema';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Sign-in and setup answer 401 for a wrong password or token; that is not a lost session. */
const SIGN_IN_PATHS = new Set(['/api/v1/session', '/api/v1/session/setup']);

export interface ApiClientOptions {
  /** Where the server is; '' (the default) is the page's own origin. */
  baseUrl?: string;
  /** Default: the global fetch, looked up at each call. */
  fetch?: (request: Request) => Promise<Response>;
}

/** The console's session with the server: the CSRF token its answers carry, and who to tell when it is lost. */
export interface ApiSession {
  setCsrfToken: (token: string | undefined) => void;
  /** Called whenever the server answers 401 to a signed-in call: the session expired or was ended elsewhere. */
  whenLost: (handler: () => void) => void;
}

/**
 * An openapi-fetch client typed by the server's OpenAPI document, sending the session cookie, and the session's CSRF
 * token on every unsafe method. Every answer that is not 2xx rejects with an ApiError, as does a server that does
 * not answer; an aborted call rejects with the abort.
 */
export function createApiClient(options: ApiClientOptions = {}) {
  let csrfToken: string | undefined;
  let onLost: () => void = () => {};
  const fetchFn = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    fetch: fetchFn,
  });

  const sessionMiddleware: Middleware = {
    onRequest({ request }) {
      if (!SAFE_METHODS.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
      return request;
    },
    async onResponse({ response, schemaPath }) {
      if (response.status === 401 && !SIGN_IN_PATHS.has(schemaPath)) {
        csrfToken = undefined;
        onLost();
      }
      if (!response.ok) throw await errorOfResponse(response);
      return response;
    },
    onError({ request }) {
      // An aborted call rejects with the abort itself (returning nothing keeps it), so callers can tell it apart.
      if (request.signal.aborted) return;
      return networkError();
    },
  };
  client.use(sessionMiddleware);

  const session: ApiSession = {
    setCsrfToken: (token) => {
      csrfToken = token;
    },
    whenLost: (handler) => {
      onLost = handler;
    },
  };
  return { client, session };
}

export type ApiClient = ReturnType<typeof createApiClient>['client'];
