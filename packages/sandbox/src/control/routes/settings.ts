import type { FastifyPluginAsync } from 'fastify';
import type { GraphSettings } from '../../graph/context.js';
import type { IdentitySettings } from '../../identity/context.js';
import type { ControlDeps } from '../deps.js';

type SettingsPatch = Partial<IdentitySettings> & Partial<GraphSettings>;

/** `/settings`: the identity platform's and Graph's settings, read and changed together. */
export const settingsRoutes: FastifyPluginAsync<ControlDeps> = async (control, deps) => {
  const allSettings = () => ({ ...deps.settings, ...deps.graph.settings });
  control.get('/settings', async () => allSettings());
  control.patch<{ Body: SettingsPatch }>(
    '/settings',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            accessTokenLifetimeSeconds: { type: 'integer', minimum: 60, maximum: 86_400 },
            deviceCodeIntervalSeconds: { type: 'integer', minimum: 1, maximum: 60 },
            deviceCodeExpiresInSeconds: { type: 'integer', minimum: 10, maximum: 3600 },
            refreshTokenMaxInactiveSeconds: { type: 'integer', minimum: 60 },
            authorizationCodeLifetimeSeconds: { type: 'integer', minimum: 10, maximum: 3600 },
            deltaTokenLifetimeSeconds: { type: 'integer', minimum: 1 },
            deltaPageSize: { type: 'integer', minimum: 1, maximum: 1000 },
            expiredDeltaStatus: { type: 'integer', enum: [400, 410] },
          },
        },
      },
    },
    async (request) => {
      const { deltaTokenLifetimeSeconds, deltaPageSize, expiredDeltaStatus, ...identity } = request.body;
      Object.assign(deps.settings, identity);
      const graph = { deltaTokenLifetimeSeconds, deltaPageSize, expiredDeltaStatus };
      for (const [key, value] of Object.entries(graph))
        if (value !== undefined) Object.assign(deps.graph.settings, { [key]: value });
      return allSettings();
    },
  );
};
