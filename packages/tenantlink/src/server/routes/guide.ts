import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CloudEndpoints } from '../../auth/clouds.js';
import { FEATURE_CATALOGUE } from '../../catalogue/permissions.js';
import { FEATURES, type Feature } from '../../connections/model.js';
import { TenantlinkError } from '../../errors.js';
import { renderGuide } from '../../guide/render.js';
import { buildSetupGuide } from '../../guide/setup-guide.js';
import { errorResponses } from '../schemas.js';

const need = z.object({ permission: z.string(), why: z.string() });

export interface GuideRoutesOptions {
  /** The cloud the admin-consent link points at (the sandbox's in demo mode). */
  cloud?: CloudEndpoints;
}

/** The permission catalogue and the setup guide, for the console's "Add connection" page and for vendors' docs. */
export const guideRoutes: FastifyPluginAsyncZod<GuideRoutesOptions> = async (app, { cloud }) => {
  app.get(
    '/catalogue',
    {
      schema: {
        tags: ['guide'],
        summary: 'Every feature and the Microsoft Graph permissions it needs',
        response: {
          200: z.object({
            features: z.array(
              z.object({
                id: z.string(),
                title: z.string(),
                application: z.array(need).nullable(),
                delegated: z.array(need).nullable(),
              }),
            ),
          }),
        },
      },
    },
    async () => ({
      features: FEATURE_CATALOGUE.map((e) => ({
        id: e.feature,
        title: e.title,
        application: e.application?.map(({ permission, why }) => ({ permission, why })) ?? null,
        delegated: e.delegated?.map(({ permission, why }) => ({ permission, why })) ?? null,
      })),
    }),
  );

  app.get(
    '/guide',
    {
      schema: {
        tags: ['guide'],
        summary: 'The setup guide for these features: steps, manifest, Azure CLI and PowerShell scripts',
        querystring: z.object({
          features: z.string().min(1).max(500),
          mode: z.enum(['application', 'delegated', 'multi-tenant']).default('application'),
          redirectUri: z
            .string()
            .url()
            .optional()
            .describe('the Web redirect URI: https, or http to localhost, 127.0.0.1 or [::1]'),
          appName: z.string().min(1).max(120).optional(),
        }),
        response: {
          200: z.object({ guide: z.record(z.string(), z.unknown()), markdown: z.string() }),
          ...errorResponses(400),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const features = q.features
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean);
      const unknown = features.filter((f) => !(FEATURES as readonly string[]).includes(f));
      if (unknown.length > 0)
        throw new TenantlinkError(
          'INVALID_INPUT',
          `Unknown feature ${unknown.join(', ')}: use ${FEATURES.join(', ')}.`,
        );
      const guide = buildSetupGuide({
        features: features as Feature[],
        mode: q.mode,
        ...(q.redirectUri ? { redirectUri: q.redirectUri } : {}),
        ...(q.appName ? { appName: q.appName } : {}),
        ...(cloud ? { cloud } : {}),
      });
      return { guide: guide as unknown as Record<string, unknown>, markdown: renderGuide(guide, 'markdown') };
    },
  );
};
