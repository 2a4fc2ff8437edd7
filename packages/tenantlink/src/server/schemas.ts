import { z } from 'zod';

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fix: z.string().optional(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** Response schemas for the error statuses a route can answer with. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof apiErrorSchema> {
  return Object.fromEntries(statuses.map((s) => [s, apiErrorSchema])) as Record<S, typeof apiErrorSchema>;
}

/** A stored connection's or integration's cloud: a national cloud, or a custom cloud's endpoints. */
export const storedCloudSchema = z.union([
  z.enum(['global', 'usgov', 'usgov-dod', 'china']),
  z.object({ authorityHost: z.string(), graphEndpoint: z.string() }),
]);

/** A cloud as an API caller chooses it; custom clouds only among those the operator configured. */
export const cloudChoiceSchema = z
  .union([
    z.string().min(1).max(100),
    z.object({ authorityHost: z.string().min(1).max(2048), graphEndpoint: z.string().min(1).max(2048) }).strict(),
  ])
  .describe(
    'global, usgov, usgov-dod or china; or a custom cloud the operator configured (TENANTLINK_CUSTOM_CLOUDS, --sandbox), by name or by its endpoints',
  );
