import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ConsoleSessionsRepository } from '../../store/console-sessions-repository.js';
import type { AdminPassword } from '../auth/admin-password.js';
import { SESSION_COOKIE } from '../auth/authenticate.js';
import { randomToken, sha256 } from '../auth/secrets.js';
import { apiError } from '../errors.js';
import { errorResponses } from '../schemas.js';

const SESSION_HOURS = 12;
const sessionState = z.object({
  authenticated: z.boolean(),
  needsSetup: z.boolean(),
  csrfToken: z.string().optional(),
});
const passwordBody = z.object({ password: z.string().min(1).max(1024) });

export interface SessionRoutesOptions {
  admin: AdminPassword;
  sessions: ConsoleSessionsRepository;
  /** Set the Secure flag even on plain HTTP (behind a TLS-terminating proxy). */
  secureCookies: boolean;
}

/** Console sign-in: an admin password, an HttpOnly SameSite=Strict session cookie, and a CSRF token. */
export const sessionRoutes: FastifyPluginAsyncZod<SessionRoutesOptions> = async (
  app,
  { admin, sessions, secureCookies },
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
        summary: 'Choose the admin password on first start (only from this machine, and only once)',
        body: passwordBody,
        response: { 200: sessionState, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      // Whoever reaches a fresh server first would own it; only a browser on the server's own machine may set it up.
      if (!isLoopback(request.socket.remoteAddress))
        return reply
          .code(403)
          .send(
            apiError(
              'SETUP_FROM_LOOPBACK_ONLY',
              'The admin password can be chosen only from the machine tenantlink runs on.',
              'Set TENANTLINK_ADMIN_PASSWORD before starting the server, or open the console on that machine.',
            ),
          );
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

function isLoopback(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}
