import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Cloud } from '../auth/clouds.js';
import { requiredPermissions } from '../catalogue/permissions.js';
import { connectionInput, FEATURES, type Feature } from '../connections/model.js';
import { type ConnectionService, checkClientSecret } from '../connections/service.js';
import { integrationSecretContext, type Vault } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import type { IntegrationAuthMode } from '../model/auth-modes.js';
import {
  type IntegrationsRepository,
  integrationsRepository,
  type StoredIntegration,
} from '../store/integrations-repository.js';
import type { StoreHandle } from '../store/schema.js';
import { displayNameSchema, storedLogoUrlSchema } from './integration-branding.js';
import { checkReturnUrl } from './return-url.js';

export type Integration = StoredIntegration & { features: Feature[] };

export interface IntegrationInput {
  name: string;
  clientId: string;
  /** `multi-tenant`: customers' admins grant admin consent; `delegated`: a user signs in. Default multi-tenant. */
  authMode?: IntegrationAuthMode;
  cloud?: Cloud;
  features: string[];
  /** Where the customer's browser goes when a flow ends (the vendor's product). */
  returnUrl: string;
  clientSecret: string;
  /** When the client secret expires, as the portal shows it: copied to the connections made through it. */
  secretExpiresAt?: string;
  /** The name customers see on the connect pages, such as "Acme CRM" (plain text). Default: `name`. */
  displayName?: string;
  /** The vendor's logo on the connect pages: an absolute https URL. */
  logoUrl?: string;
}

/** A date such as 2027-05-31, kept as an ISO timestamp. */
const expiryDate = z
  .string()
  .trim()
  .refine((d) => !Number.isNaN(Date.parse(d)), 'secretExpiresAt must be a date such as 2027-05-31')
  .transform((d) => new Date(d).toISOString());

const integrationInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, 'name is required')
    // Connections made through it are named `<integration>-<tenant>`, and connection names stop at 100.
    .max(50, 'name is at most 50 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'name may hold letters, digits, dots, dashes and underscores'),
  clientId: connectionInput.shape.clientId,
  authMode: z.enum(['multi-tenant', 'delegated']).default('multi-tenant'),
  cloud: connectionInput.shape.cloud,
  features: z.array(z.enum(FEATURES)).min(1, 'name at least one feature'),
  returnUrl: z.string(),
  secretExpiresAt: expiryDate.optional(),
  displayName: displayNameSchema.optional(),
  logoUrl: storedLogoUrlSchema.optional(),
});

/** What `update` may change. The app (client ID), mode and cloud stay: they name what customers consented to. */
export interface IntegrationChanges {
  /** A new client secret Value, also written into every connection made through the integration. */
  clientSecret?: string;
  returnUrl?: string;
  /** Features for tenants connecting from now on; connections already made keep theirs until they connect again. */
  features?: string[];
  /**
   * When the client secret expires (null: unknown). A new secret without it forgets the old one's date. Copied to
   * the connections made through the integration, whose tests then warn 30 days ahead.
   */
  secretExpiresAt?: string | null;
  /** The name customers see (null: the integration's name again). */
  displayName?: string | null;
  /** The vendor's logo (null: none). */
  logoUrl?: string | null;
}

export interface IntegrationUpdate {
  integration: Integration;
  /** Names of the connections whose client secret was replaced with the integration's new one. */
  connectionsUpdated: string[];
}

const integrationChanges = z
  .object({
    clientSecret: z.string().optional(),
    returnUrl: z.string().optional(),
    features: integrationInput.shape.features.optional(),
    secretExpiresAt: expiryDate.nullable().optional(),
    displayName: displayNameSchema.nullable().optional(),
    logoUrl: storedLogoUrlSchema.nullable().optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'give at least one of clientSecret, returnUrl, features, secretExpiresAt, displayName and logoUrl',
  });

/**
 * Integrations: the vendor's own app registration that customers connect through. The client secret is encrypted
 * by the vault (bound to the integration's id) and never returned.
 */
export class IntegrationService {
  readonly #repository: IntegrationsRepository;
  readonly #vault: Vault;

  readonly #connections: ConnectionService | undefined;

  /** `connections`: where a replaced client secret is carried to the connections made through the integration. */
  constructor(store: StoreHandle, vault: Vault, connections?: ConnectionService) {
    this.#repository = integrationsRepository(store);
    this.#vault = vault;
    this.#connections = connections;
  }

  async add(input: IntegrationInput): Promise<Integration> {
    const valid = parseInput(integrationInput, input);
    const features = checkFeatures(valid.features, valid.authMode);
    checkClientSecret(input.clientSecret);
    const id = randomUUID();
    const ciphertext = this.#vault.encrypt(input.clientSecret.trim(), integrationSecretContext(id));
    const stored = await this.#repository.create({
      id,
      name: valid.name,
      clientId: valid.clientId,
      authMode: valid.authMode,
      cloud: valid.cloud,
      features,
      returnUrl: checkReturnUrl(valid.returnUrl),
      secret: { ciphertext, keyId: this.#vault.keyIdOf(ciphertext) },
      secretExpiresAt: valid.secretExpiresAt ?? null,
      displayName: valid.displayName ?? null,
      logoUrl: valid.logoUrl ?? null,
    });
    return stored as Integration;
  }

  async list(): Promise<Integration[]> {
    return (await this.#repository.list()) as Integration[];
  }

  /** By id or name; INTEGRATION_NOT_FOUND (404) otherwise. */
  async find(idOrName: string): Promise<Integration> {
    const found = await this.#repository.find(idOrName);
    if (!found)
      throw new TenantlinkError('INTEGRATION_NOT_FOUND', `No integration is named or has the id '${idOrName}'.`, {
        status: 404,
        diagnosis: {
          meaning: 'The integration does not exist here.',
          fix: 'List them with `tenantlink integrations list`, or add it with `tenantlink integrations add`.',
        },
      });
    return found as Integration;
  }

  /**
   * Changes the return URL, the features, the branding or the client secret. A new client secret (after the old one expires or
   * leaks) is written into every connection made through this integration that authenticates with a client secret,
   * so no customer has to connect again.
   */
  async update(idOrName: string, changes: IntegrationChanges): Promise<IntegrationUpdate> {
    const found = await this.find(idOrName);
    const valid = parseInput(integrationChanges, changes);
    const features = valid.features && checkFeatures(valid.features, found.authMode);
    const returnUrl = valid.returnUrl === undefined ? undefined : checkReturnUrl(valid.returnUrl);
    let secret: { ciphertext: string; keyId: string } | undefined;
    if (valid.clientSecret !== undefined) {
      checkClientSecret(valid.clientSecret);
      const ciphertext = this.#vault.encrypt(valid.clientSecret.trim(), integrationSecretContext(found.id));
      secret = { ciphertext, keyId: this.#vault.keyIdOf(ciphertext) };
    }
    // The recorded date belonged to the old secret unless a new one comes with it.
    const secretExpiresAt = valid.secretExpiresAt !== undefined ? valid.secretExpiresAt : secret ? null : undefined;
    const updated = await this.#repository.update(found.id, {
      ...(features ? { features } : {}),
      ...(returnUrl ? { returnUrl } : {}),
      ...(secret ? { secret } : {}),
      ...(secretExpiresAt !== undefined ? { secretExpiresAt } : {}),
      ...(valid.displayName !== undefined ? { displayName: valid.displayName } : {}),
      ...(valid.logoUrl !== undefined ? { logoUrl: valid.logoUrl } : {}),
    });
    if (!updated)
      throw new TenantlinkError('INTEGRATION_NOT_FOUND', `The integration '${found.name}' was removed.`, {
        status: 404,
      });
    const connectionsUpdated =
      valid.clientSecret === undefined && secretExpiresAt === undefined
        ? []
        : await this.#carrySecret(found, valid.clientSecret, updated.secretExpiresAt);
    return { integration: updated as Integration, connectionsUpdated };
  }

  /**
   * Writes the integration's new secret, or only its expiry date, into each connection made through it that holds
   * a client secret.
   */
  async #carrySecret(
    integration: Integration,
    clientSecret: string | undefined,
    secretExpiresAt: string | null,
  ): Promise<string[]> {
    const connections = this.#connections;
    if (!connections) return [];
    const madeThrough = (await connections.listDetails()).filter(
      (c) =>
        c.settings.integration === integration.name &&
        c.clientId.toLowerCase() === integration.clientId.toLowerCase() &&
        c.secrets.some((s) => s.kind === 'client_secret'),
    );
    for (const connection of madeThrough) {
      if (clientSecret !== undefined)
        await connections.replaceClientSecret(connection.id, clientSecret, {
          ...(secretExpiresAt ? { secretExpiresAt } : {}),
        });
      else {
        const { secretExpiresAt: _old, ...settings } = connection.settings;
        await connections.update(connection.id, {
          settings: secretExpiresAt ? { ...settings, secretExpiresAt } : settings,
        });
      }
    }
    return madeThrough.map((c) => c.name);
  }

  /** Removes the integration with its pending connect sessions and flows; connections made through it stay. */
  async remove(idOrName: string): Promise<Integration> {
    const found = await this.find(idOrName);
    await this.#repository.delete(found.id);
    return found;
  }

  /** The decrypted client secret, for MSAL. Never returned by any API. */
  async clientSecret(integration: Pick<Integration, 'id' | 'name'>): Promise<string> {
    const stored = await this.#repository.secret(integration.id);
    if (!stored)
      throw new TenantlinkError('INTEGRATION_NOT_FOUND', `The integration '${integration.name}' was removed.`, {
        status: 404,
      });
    return this.#vault.decrypt(stored.ciphertext, integrationSecretContext(integration.id));
  }
}

function parseInput<T>(schema: z.ZodType<T>, input: unknown): T {
  const parsed = schema.safeParse(input);
  if (!parsed.success)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `Invalid integration: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}.`,
    );
  return parsed.data;
}

/** Without repeats; each must work in the integration's mode. */
function checkFeatures(features: Feature[], authMode: IntegrationAuthMode): Feature[] {
  const unique = [...new Set(features)];
  const { unsupported } = requiredPermissions(unique, authMode);
  if (unsupported.length > 0)
    throw new TenantlinkError(
      'INVALID_INPUT',
      `${unsupported.join(', ')} ${unsupported.length === 1 ? 'works' : 'work'} only with a delegated integration (--mode delegated).`,
    );
  return unique;
}
