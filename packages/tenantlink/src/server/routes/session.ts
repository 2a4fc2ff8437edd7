import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConsoleSessionsRepository } from '../../store/console-sessions-repository.js';
import { equalStrings, randomToken, sha256 } from '../../tokens.js';
import type { AdminPassword } from '../auth/admin-password.js';
import { SESSION_COOKIE } from '../auth/authenticate.js';
import type { TrustedHosts } from '../auth/trusted-hosts.js';
import { apiError } from '../errors.js';
import { errorResponses } from '../schemas.js';

const SESSION_HOURS = 12;
const sessionState = z.object({
  authenticated: z.boolean(),
  needsSetup: z.boolean(),
  csrfToken: z.string().optional(),
});
const passwordBody = z.object({ password: z.string().min(1).max(1024) });
const setupBody = passwordBody.extend({
  setupToken: z.string().min(1).max(200).describe('the one-time token `tenantlink serve` printed when it started'),
});

export interface SessionRoutesOptions {
  admin: AdminPassword;
  sessions: ConsoleSessionsRepository;
  /** Set the Secure flag even on plain HTTP (behind a TLS-terminating proxy). */
  secureCookies: boolean;
  /** The hosts and origins this server answers to: setup from anywhere else is refused (DNS rebinding). */
  trustedHosts: TrustedHosts;
  /** The one-time token setup needs; null: setup through the API is closed. */
  setupToken: string | null;
}

/** Console sign-in: an admin password, an HttpOnly SameSite=Strict session cookie, and a CSRF token. */
export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (
  app,
  { admin, sessions, secureCookies, trustedHosts, setupToken },
) => {
  async function startSession(request: FastifyRequest, reply: FastifyReply) {
    const id = randomToken();
    const csrfToken = randomToken();
    const expiresAt = new Date(Date.now() + SESSION_HOURS * 3600_000);
    await sessions.create({ idHash: sha256(id), csrfToken, expiresAt: expiresAt.toISOString() });
    await sessions.deleteExpired();
    reply.setCookie(SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/',
      secure: secureCookies || request.protocol === 'https',
      expires: expiresAt,
    });
    return { authenticated: true, needsSetup: false, csrfToken };
  }

  app.get(
    '/session',
    {
      config: { public: true },
      schema: { tags: ['session'], summary: 'Whether this browser is signed in', response: { 200: sessionState } },
    },
    async (request) => {
      const principal = request.principal;
      return {
        authenticated: principal !== null,
        needsSetup: !(await admin.isSet()),
        ...(principal?.kind === 'session' ? { csrfToken: principal.csrfToken } : {}),
      };
    },
  );

  app.post(
    '/session',
    {
      config: { public: true, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['session'],
        summary: 'Sign in to the console with the admin password',
        body: passwordBody,
        response: { 200: sessionState, ...errorResponses(401, 429) },
      },
    },
    async (request, reply) => {
      if (!(await admin.verify(request.body.password)))
        return reply.code(401).send(apiError('WRONG_PASSWORD', 'That is not the admin password.'));
      return startSession(request, reply);
    },
  );

  app.post(
    '/session/setup',
    {
      config: { public: true, rateLimit: { max: 10, timeWindow: '1 minute' } },
      schema: {
        tags: ['session'],
        summary:
          'Choose the admin password on first start: only from this machine, at its own address, with the setup ' +
          'token `tenantlink serve` printed, and only once',
        body: setupBody,
        response: { 200: sessionState, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      if (await admin.isSet())
        return reply.code(409).send(apiError('ALREADY_SET_UP', 'The admin password is already set; sign in with it.'));
      const refusal = setupRefusal(request, request.body.setupToken, trustedHosts, setupToken);
      if (refusal) return reply.code(403).send(refusal);
      await admin.setUp(request.body.password);
      return startSession(request, reply);
    },
  );

  app.delete(
    '/session',
    { schema: { tags: ['session'], summary: 'Sign out', response: { 204: z.null() } } },
    async (request, reply) => {
      if (request.principal?.kind === 'session') await sessions.delete(request.principal.idHash);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
};

/**
 * Whoever reaches a fresh server first would own it. Setup is allowed only from a browser on the server's own machine
 * (loopback), addressing the server by its own name (a rebound DNS name or a same-machine proxy for another site
 * gives another Host or Origin), and holding the token printed on the server's terminal.
 */
function setupRefusal(
  request: FastifyRequest,
  sentToken: string,
  trustedHosts: TrustedHosts,
  setupToken: string | null,
) {
  const fix = 'Set TENANTLINK_ADMIN_PASSWORD before starting the server, or open the link `tenantlink serve` printed.';
  if (!isLoopback(request.socket.remoteAddress))
    return apiError(
      'SETUP_FROM_LOOPBACK_ONLY',
      'The admin password can be chosen only from the machine tenantlink runs on.',
      fix,
    );
  if (!trustedHosts.allowsHost(request.headers.host) || !trustedHosts.allowsOrigin(request.headers.origin))
    return apiError(
      'ORIGIN_NOT_ALLOWED',
      'The setup request named another host or origin than this server (a rebound DNS name or a proxy for another site).',
      `Open the console at the address tenantlink printed when it started. ${fix}`,
    );
  if (setupToken === null || !equalStrings(sentToken, setupToken))
    return apiError(
      'SETUP_TOKEN_INVALID',
      'The setup token is missing or wrong.',
      'Use the console link `tenantlink serve` printed when it started (it carries the token), or the token it printed.',
    );
  return null;
}

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
