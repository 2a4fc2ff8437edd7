import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiKeysRepository } from '../../store/api-keys-repository.js';
import {
  API_KEY_NAME,
  API_KEY_NAME_RULE,
  API_KEY_SCOPE_MEANINGS,
  API_KEY_SCOPES,
  createApiKey,
  revokeApiKey,
} from '../auth/api-keys.js';
import { errorResponses } from '../schemas.js';

const scope = z
  .enum(API_KEY_SCOPES)
  .describe(API_KEY_SCOPES.map((s) => `${s}: ${API_KEY_SCOPE_MEANINGS[s]}`).join('; '));
const apiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string().describe('the first characters of the key, to tell keys apart'),
  scope,
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
});
const idParams = z.object({ id: z.string().min(1).max(200).describe('the key\u2019s id or name') });

export interface ApiKeyRoutesOptions {
  apiKeys: ApiKeysRepository;
}

/** API keys: list (never the keys), create (the key is answered once), revoke. For the console and admin keys only. */
export const apiKeyRoutes: FastifyPluginAsyncZod<ApiKeyRoutesOptions> = async (app, { apiKeys }) => {
  app.get(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'List API keys with their scopes (never the keys or their hashes)',
        response: { 200: z.object({ apiKeys: z.array(apiKeyView) }), ...errorResponses(403) },
      },
    },
    async () => ({ apiKeys: await apiKeys.list() }),
  );

  app.post(
    '/api-keys',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'Create an API key. The key is in this answer only; tenantlink keeps its SHA-256',
        body: z.object({
          name: z.string().trim().regex(API_KEY_NAME, `name ${API_KEY_NAME_RULE}`).describe('what the key is for'),
          scope: scope.default('admin'),
        }),
        response: {
          201: z.object({
            apiKey: apiKeyView,
            key: z.string().describe('send it as "Authorization: Bearer <key>"; shown only now'),
          }),
          ...errorResponses(400, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const { key, apiKey } = await createApiKey(apiKeys, request.body.name, request.body.scope);
      return reply.code(201).send({ apiKey, key });
    },
  );

  app.delete(
    '/api-keys/:id',
    {
      config: { scope: 'admin' },
      schema: {
        tags: ['api-keys'],
        summary: 'Revoke an API key: requests with it are refused from now on',
        params: idParams,
        response: { 204: z.null(), ...errorResponses(403, 404) },
      },
    },
    async (request, reply) => {
      await revokeApiKey(apiKeys, request.params.id);
      return reply.code(204).send(null);
    },
  );
};
