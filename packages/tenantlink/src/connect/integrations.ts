import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { requiredPermissions } from '../catalogue/permissions.js';
import type { Cloud } from '../connections/clouds.js';
import { connectionInput, FEATURES, type Feature } from '../connections/model.js';
import { checkClientSecret } from '../connections/service.js';
import { integrationSecretContext, type Vault } from '../connections/vault.js';
import { TenantlinkError } from '../errors.js';
import {
  type IntegrationsRepository,
  integrationsRepository,
  type StoredIntegration,
} from '../store/integrations-repository.js';
import type { IntegrationAuthMode, StoreHandle } from '../store/schema.js';
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
}

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
});

/**
 * Integrations: the vendor's own app registration that customers connect through. The client secret is encrypted
 * by the vault (bound to the integration's id) and never returned.
 */
export class IntegrationService {
  readonly #repository: IntegrationsRepository;
  readonly #vault: Vault;

  constructor(store: StoreHandle, vault: Vault) {
    this.#repository = integrationsRepository(store);
    this.#vault = vault;
  }

  async add(input: IntegrationInput): Promise<Integration> {
    const parsed = integrationInput.safeParse(input);
    if (!parsed.success)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `Invalid integration: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}.`,
      );
    const valid = parsed.data;
    const features = [...new Set(valid.features)];
    const { unsupported } = requiredPermissions(features, valid.authMode);
    if (unsupported.length > 0)
      throw new TenantlinkError(
        'INVALID_INPUT',
        `${unsupported.join(', ')} ${unsupported.length === 1 ? 'works' : 'work'} only with a delegated integration (--mode delegated).`,
      );
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
