import type { FastifyInstance } from 'fastify';
import { TenantlinkError } from '../errors.js';
import { jsonDepth } from '../json-depth.js';

/** No JSON body the API accepts nests deeper than this; `settings` has its own, smaller limit. */
export const MAX_JSON_DEPTH = 32;

/**
 * Limits every input must respect before a route sees it: JSON bodies nest at most MAX_JSON_DEPTH levels, and no
 * path parameter, query value or body string holds a NUL character (PostgreSQL cannot store one in text and would
 * fail the query; no name, id or URL tenantlink takes has one).
 */
export function registerInputLimits(app: FastifyInstance): void {
  registerJsonBodyParser(app);
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [
      ['path', request.params],
      ['query', request.query],
      ['body', request.body],
    ] as const)
      if (holdsNul(value))
        throw new TenantlinkError('INVALID_INPUT', `The request's ${part} holds a NUL character (\\u0000).`);
  });
}

/** Whether any string in a parsed value (keys included) holds U+0000; bounded by the JSON depth limit. */
function holdsNul(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (item !== null && typeof item === 'object') {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        stack.push(child);
      }
    }
  }
  return false;
}

/**
 * Fastify's own JSON parser (prototype poisoning refused), then a depth check: a body nested thousands of levels deep
 * is refused with 400 before any validator or serializer recurses into it.
 */
function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    parse(request, body as string, (err: Error | null, value?: unknown) => {
      if (err) return done(err, undefined);
      if (jsonDepth(value, MAX_JSON_DEPTH) > MAX_JSON_DEPTH)
        return done(
          new TenantlinkError('INVALID_INPUT', `The JSON body nests deeper than ${MAX_JSON_DEPTH} levels.`),
          undefined,
        );
      return done(null, value);
    });
  });
}
