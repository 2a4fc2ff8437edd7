import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isInputError, isUpstreamError, TenantlinkError } from '../errors.js';

/** The body of every API error: a stable code, what happened, and the fix when there is one. */
export interface ApiErrorBody {
  error: { code: string; message: string; fix?: string; details?: { path: string; message: string }[] };
}

export function apiError(code: string, message: string, fix?: string): ApiErrorBody {
  return { error: { code, message, ...(fix ? { fix } : {}) } };
}

/**
 * The HTTP status for a TenantlinkError: our own 4xx and 503 stay; input mistakes are 400; failures at Microsoft or an
 * authority (its status, its code, or no answer at all) are 502.
 */
export function statusOf(err: TenantlinkError): number {
  if (isInputError(err)) return 400;
  const own = err.microsoftCode === undefined && err.status !== undefined;
  if (own && ((err.status! >= 400 && err.status! < 500) || err.status === 503)) return err.status!;
  if (isUpstreamError(err) || err.status !== undefined) return 502;
  return 500;
}

/** Every failure becomes `{error: {...}}`; validation problems are 400 with one entry per field; nothing leaks a stack. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | TenantlinkError | Error, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const details = err.validation.map((v) => ({
        path: v.instancePath.replace(/^\//, '').replace(/\//g, '.'),
        message: v.message ?? 'is invalid',
      }));
      return reply.code(400).send({
        error: {
          code: 'INVALID_INPUT',
          message: `Invalid ${err.validationContext ?? 'input'}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}.`,
          details,
        },
      } satisfies ApiErrorBody);
    }
    if (err instanceof TenantlinkError) {
      const status = statusOf(err);
      if (status >= 500) request.log.error({ code: err.code, microsoftCode: err.microsoftCode }, err.message);
      return reply.code(status).send(apiError(err.code, err.message, err.diagnosis?.fix));
    }
    const status = (err as FastifyError).statusCode;
    if (status && status >= 400 && status < 500) {
      const code =
        (err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
      return reply.code(status).send(apiError(status === 429 ? 'RATE_LIMITED' : code, err.message));
    }
    request.log.error({ err: { message: err.message, name: err.name } }, 'unexpected error');
    return reply.code(500).send(apiError('INTERNAL', 'Something went wrong on the server; the log has the details.'));
  });
  // A browser asking for a page that does not exist gets the console's page (it shows its own not found); others JSON.
  app.decorate('notFoundPage', null);
  app.setNotFoundHandler(async (request, reply) => {
    const page = await app.notFoundPage?.(request);
    if (page) return reply.code(404).type('text/html; charset=utf-8').send(page);
    return reply.code(404).send(apiError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}.`));
  });
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The HTML page for a request no route matched, or null for the JSON 404; set where the console is served. */
    notFoundPage: ((request: FastifyRequest) => Promise<string | null>) | null;
  }
}
