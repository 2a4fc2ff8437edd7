import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKeysRepository } from '../../store/api-keys-repository.js';
import type { ConsoleSessionsRepository } from '../../store/console-sessions-repository.js';
import { apiError } from '../errors.js';
import { findApiKey } from './api-keys.js';
import { equalStrings, sha256 } from './secrets.js';

export const SESSION_COOKIE = 'tenantlink_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Who made a request: an API key, or the console's signed-in admin. */
export type Principal =
  | { kind: 'apiKey'; keyId: string; name: string }
  | { kind: 'session'; csrfToken: string; idHash: string };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    /** The route answers without authentication (health, sign-in, connect callbacks). */
    public?: boolean;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

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
    return { kind: 'apiKey', keyId: key.id, name: key.name };
  }
  const cookie = request.cookies[SESSION_COOKIE];
  if (!cookie) return null;
  const idHash = sha256(cookie);
  const session = await repos.sessions.find(idHash);
  return session ? { kind: 'session', csrfToken: session.csrfToken, idHash } : null;
}

/**
 * Every route needs a principal unless its config says `public`; the console's static files are public (they hold no
 * data). Unsafe methods sent with the session cookie must echo the session's CSRF token in `x-csrf-token`.
 */
export function registerAuthentication(
  app: FastifyInstance,
  repos: { apiKeys: ApiKeysRepository; sessions: ConsoleSessionsRepository },
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    request.principal = await identify(request, repos);
    const path = request.url.split('?')[0] ?? '';
    const guarded = path.startsWith('/api/') || path === '/metrics';
    if (!guarded || request.routeOptions.config?.public) return;
    if (!request.principal)
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="tenantlink"')
        .send(
          apiError(
            'UNAUTHENTICATED',
            'Sign in to the console, or send an API key as "Authorization: Bearer <key>".',
            'Create an API key with: tenantlink apikeys create --name <name>',
          ),
        );
    if (request.principal.kind === 'session' && UNSAFE.has(request.method)) {
      const sent = request.headers[CSRF_HEADER];
      if (typeof sent !== 'string' || !equalStrings(sent, request.principal.csrfToken))
        return reply
          .code(403)
          .send(apiError('CSRF_TOKEN_INVALID', `The ${CSRF_HEADER} header is missing or does not match this session.`));
    }
    return undefined;
  });
}
