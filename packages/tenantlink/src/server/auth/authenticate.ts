import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeysRepository } from '../../store/api-keys-repository.js';
import type { ConsoleSessionsRepository } from '../../store/console-sessions-repository.js';
import { equalStrings, sha256 } from '../../tokens.js';
import { apiError } from '../errors.js';
import { findApiKey } from './api-keys.js';
import { authorize, type Principal, SAFE_METHODS } from './authorize.js';
import type { TrustedHosts } from './trusted-hosts.js';

export const SESSION_COOKIE = 'tenantlink_session';
export const CSRF_HEADER = 'x-csrf-token';

export type { Principal };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route answers without authentication (console files, health, sign-in, connect pages and callbacks). */
    public?: boolean;
    /** Only a console session or an `admin` key, whatever the method (API keys). */
    scope?: 'admin';
    /** One of the console's static files (public, and the only answers a cache may keep). */
    consoleFile?: boolean;
  }
}

/** Finds the principal of a request from its bearer API key or its session cookie. */
export async function identify(
  request: FastifyRequest,
  repos: { apiKeys: ApiKeysRepository; sessions: ConsoleSessionsRepository },
): Promise<Principal | null> {
  const authorization = request.headers.authorization;
  if (authorization) {
    const [scheme, value] = authorization.split(' ', 2);
    if (scheme?.toLowerCase() !== 'bearer' || !value) return null;
    const key = await findApiKey(repos.apiKeys, value.trim());
    if (!key) return null;
    // Marking use is best effort; a failure here must not fail the request.
    repos.apiKeys.touch(key.id).catch(() => undefined);
    return { kind: 'apiKey', keyId: key.id, name: key.name, scope: key.scope };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const idHash = sha256(cookie);
  const session = await repos.sessions.find(idHash);
  return session ? { kind: 'session', csrfToken: session.csrfToken, idHash } : null;
}

/** How a principal appears in the request log: the key by name, a session by the start of its hash. */
export function principalLabel(principal: Principal | null): string | undefined {
  if (!principal) return undefined;
  return principal.kind === 'apiKey' ? `apiKey:${principal.name}` : `session:${principal.idHash.slice(0, 12)}`;
}

/**
 * Denies by default, deciding from the matched route and never from the URL as sent (which may be percent-encoded or
 * in absolute form): every route needs a principal unless its config says `public`, and the principal's scope must
 * allow it. A request no route matched goes on to the 404 handler, whatever its spelling. Unsafe requests made with
 * the session cookie must come from this server's own host and origin and echo the session's CSRF token; on a public
 * route they are made for nobody.
 */
export function registerAuthentication(
  app: FastifyInstance,
  repos: { apiKeys: ApiKeysRepository; sessions: ConsoleSessionsRepository },
  trustedHosts: TrustedHosts,
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (request.is404) return undefined;
    const { url, config } = request.routeOptions;
    // A public route's unsafe request acts for nobody (the connect page's "Continue" form, signing in again), so the
    // console's cookie neither helps it nor needs a CSRF token there.
    request.principal = config.public && !SAFE_METHODS.has(request.method) ? null : await identify(request, repos);
    const refusal = authorize(request.principal, {
      url: url ?? '',
      method: request.method,
      public: config.public,
      scope: config.scope,
    });
    if (refusal) {
      if (refusal.status === 401) reply.header('www-authenticate', 'Bearer realm="tenantlink"');
      return reply.code(refusal.status).send(apiError(refusal.code, refusal.message, refusal.fix));
    }
    if (request.principal?.kind === 'session' && !SAFE_METHODS.has(request.method)) {
      if (!trustedHosts.allowsHost(request.headers.host) || !trustedHosts.allowsOrigin(request.headers.origin))
        return reply
          .code(403)
          .send(
            apiError(
              'ORIGIN_NOT_ALLOWED',
              'This request did not come from the console of this server (its Host or Origin is another site).',
              'Open the console at the address tenantlink serves on, or set --public-url to the address you use.',
            ),
          );
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !equalStrings(sent, request.principal.csrfToken))
        return reply
          .code(403)
          .send(apiError('CSRF_TOKEN_INVALID', `The ${CSRF_HEADER} header is missing or does not match this session.`));
    }
    return undefined;
  });
}
