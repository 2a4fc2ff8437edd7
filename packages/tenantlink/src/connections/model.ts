import { z } from 'zod';
import { TenantlinkError } from '../errors.js';
import type { FeatureDefinition } from '../features/feature.js';
import { FEATURE_REGISTRY, FEATURES, type Feature } from '../features/index.js';
import { jsonDepth } from '../json-depth.js';
import { AUTH_MODES, type AuthMode } from '../model/auth-modes.js';

/** How a connection authenticates to the customer's tenant. */
export type { AuthMode };

/** The features tenantlink offers, from the feature registry. */
export { FEATURES, type Feature };

/** Each feature's own settings, under its name (`settings.directory`), as its definition declares them. */
const featureSettings = Object.fromEntries(
  FEATURE_REGISTRY.flatMap((f: FeatureDefinition) => (f.settings ? [[f.name, f.settings.optional()]] : [])),
);

/** A customer tenant connected through one app registration. Secrets are never part of it (the vault holds them). */
export interface Connection {
  id: string;
  name: string;
  /** Tenant GUID or verified domain. */
  tenant: string;
  clientId: string;
  authMode: AuthMode;
  cloud: string | { authorityHost: string; graphEndpoint: string };
  features: Feature[];
  /** Per-feature settings: service account, test mailbox, allowed mail domains, ... */
  settings: Record<string, unknown>;
  /** SHA-1 thumbprint (hex) of the certificate, shown to administrators; null for other modes. */
  certificateThumbprint: string | null;
  createdAt: string;
  updatedAt: string;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;

const UPN = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const userRef = (what: string) =>
  z
    .string()
    .trim()
    .refine((u) => UPN.test(u) || GUID.test(u), `${what} must be a user principal name (name@domain) or an object ID`);

/** How deep and how large a connection's settings may be: they are stored as JSON and sent back with every read. */
export const MAX_SETTINGS_DEPTH = 8;
export const MAX_SETTINGS_BYTES = 64 * 1024;

/** Settings the doctor and features read; other keys are kept as given, within the bounds above. */
export const connectionSettings = z
  .object({
    /** The user whose mailbox, calendar and presence the doctor's probes read. */
    testUser: userRef('settings.testUser').optional(),
    /** The user whose OneDrive the files feature works in. */
    serviceAccount: userRef('settings.serviceAccount').optional(),
    /** When the client secret expires, as the portal showed it (the doctor warns 30 days ahead). */
    secretExpiresAt: z
      .string()
      .trim()
      .refine((d) => !Number.isNaN(Date.parse(d)), 'settings.secretExpiresAt must be a date such as 2027-05-31')
      .transform((d) => new Date(d).toISOString())
      .optional(),
    ...featureSettings,
  })
  .catchall(z.unknown())
  .superRefine((settings, ctx) => {
    if (jsonDepth(settings, MAX_SETTINGS_DEPTH) > MAX_SETTINGS_DEPTH)
      ctx.addIssue({ code: 'custom', message: `settings nest at most ${MAX_SETTINGS_DEPTH} levels deep` });
    else if (Buffer.byteLength(JSON.stringify(settings)) > MAX_SETTINGS_BYTES)
      ctx.addIssue({ code: 'custom', message: `settings hold at most ${MAX_SETTINGS_BYTES / 1024} KB of JSON` });
  });

export const connectionInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name is required')
    .max(100, 'name is at most 100 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'name may hold letters, digits, spaces, dots, dashes and underscores'),
  tenant: z
    .string()
    .trim()
    .refine(
      (t) => GUID.test(t) || DOMAIN.test(t),
      'tenant must be the Directory (tenant) ID or a verified domain such as contoso.onmicrosoft.com',
    ),
  clientId: z.string().trim().regex(GUID, 'client ID must be the Application (client) ID, a GUID'),
  authMode: z.enum(AUTH_MODES as [AuthMode, ...AuthMode[]]),
  cloud: z
    .union([
      z.enum(['global', 'usgov', 'usgov-dod', 'china']),
      z.object({
        authorityHost: z.string().url().startsWith('https://'),
        graphEndpoint: z.string().url().startsWith('https://'),
      }),
    ])
    .default('global'),
  features: z.array(z.enum(FEATURES)).default([]),
  settings: connectionSettings.default({}),
});

export type ConnectionInput = z.input<typeof connectionInput>;
export type ValidConnectionInput = z.output<typeof connectionInput>;

/** Validates input for a new connection; every problem is named in one TenantlinkError('INVALID_INPUT'). */
export function validateConnectionInput(input: unknown): ValidConnectionInput {
  const result = connectionInput.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`);
  throw new TenantlinkError('INVALID_INPUT', `Invalid connection: ${problems.join('; ')}.`);
}

/**
 * A client secret value as Entra shows it once ("Value", about 40 characters with a `~`), or a GUID — the Secret ID,
 * the most common paste mistake. Used to warn before any call is made.
 */
export function looksLikeSecretId(secret: string): boolean {
  return GUID.test(secret.trim());
}
