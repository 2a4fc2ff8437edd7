import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { TenantlinkError } from '../errors.js';
import type { IntegrationAuthMode } from '../model/auth-modes.js';
import type { Cloud } from '../model/cloud.js';
import { isUniqueViolation } from './constraint-violations.js';
import { encryptedSecretColumn } from './encrypted-secret-column.js';
import { type IntegrationsTable, type IsoTimestamp, isoNow, type StoreHandle } from './schema.js';
import type { EncryptedValue } from './secrets-repository.js';

/** An integration as stored, without its secret (`secret` holds the vault envelope, never a plaintext). */
export interface StoredIntegration {
  id: string;
  name: string;
  clientId: string;
  authMode: IntegrationAuthMode;
  cloud: Cloud;
  features: string[];
  returnUrl: string;
  /** When the client secret expires, if recorded. */
  secretExpiresAt: IsoTimestamp | null;
  /** What customers see on the connect pages (plain text): the name given, else the integration's name. */
  displayName: string;
  /** The vendor's logo on the connect pages (an absolute https URL), if any. */
  logoUrl: string | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface NewIntegration {
  /** Default: a random UUID. The vault binds the secret to it, so the caller encrypting the secret chooses it. */
  id?: string;
  name: string;
  clientId: string;
  authMode: IntegrationAuthMode;
  cloud: Cloud;
  features: string[];
  returnUrl: string;
  secret: EncryptedValue;
  secretExpiresAt?: IsoTimestamp | null;
  /** Default: the integration's name. */
  displayName?: string | null;
  logoUrl?: string | null;
}

export interface IntegrationsRepository {
  /** Throws INTEGRATION_EXISTS (409) for a taken name. */
  create(integration: NewIntegration): Promise<StoredIntegration>;
  /** By id or name. */
  find(idOrName: string): Promise<StoredIntegration | undefined>;
  /** Ordered by name. */
  list(): Promise<StoredIntegration[]>;
  /** The encrypted client secret. */
  secret(id: string): Promise<EncryptedValue | undefined>;
  /** Changes the given fields; returns the integration as it is now, or undefined when it is gone. */
  update(
    id: string,
    changes: {
      features?: string[];
      returnUrl?: string;
      secret?: EncryptedValue;
      /** null forgets it. */
      secretExpiresAt?: IsoTimestamp | null;
      /** null: the integration's name again. */
      displayName?: string | null;
      /** null: no logo. */
      logoUrl?: string | null;
    },
  ): Promise<StoredIntegration | undefined>;
  /** Deletes by id; its connect sessions and flows go with it (connections made through it stay). */
  delete(id: string): Promise<boolean>;
  /** Every integration's encrypted secret, for vault rotation. */
  secrets(): Promise<Array<{ id: string } & EncryptedValue>>;
  /**
   * Replaces the secret only if it is still `expected` (compare-and-swap), so a rotation never overwrites a secret
   * written meanwhile. Returns whether it was replaced.
   */
  replaceSecret(id: string, expected: string, next: EncryptedValue): Promise<boolean>;
}

const NAME_UNIQUE = { sqliteColumn: 'integrations.name', postgresConstraint: 'integrations_name_unique' };

export function integrationsRepository({ db }: StoreHandle): IntegrationsRepository {
  return {
    ...encryptedSecretColumn(db, 'integrations'),
    async create(integration) {
      const now = isoNow();
      const row: IntegrationsTable = {
        id: integration.id ?? randomUUID(),
        name: integration.name,
        client_id: integration.clientId,
        auth_mode: integration.authMode,
        cloud: JSON.stringify(integration.cloud),
        features: JSON.stringify(integration.features),
        return_url: integration.returnUrl,
        secret_ciphertext: integration.secret.ciphertext,
        secret_key_id: integration.secret.keyId,
        secret_expires_at: integration.secretExpiresAt ?? null,
        display_name: integration.displayName ?? null,
        logo_url: integration.logoUrl ?? null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('integrations').values(row).execute();
      } catch (err) {
        if (isUniqueViolation(err, NAME_UNIQUE))
          throw new TenantlinkError(
            'INTEGRATION_EXISTS',
            `An integration named '${integration.name}' already exists.`,
            {
              status: 409,
              diagnosis: {
                meaning: 'Integration names are unique: connect links name the integration.',
                fix: 'Choose another name, or remove the existing integration first.',
              },
            },
          );
        throw err;
      }
      return fromRow(row);
    },
    async find(idOrName) {
      const by = (column: 'id' | 'name') =>
        db.selectFrom('integrations').selectAll().where(column, '=', idOrName).executeTakeFirst();
      const row = (await by('id')) ?? (await by('name'));
      return row && fromRow(row);
    },
    async list() {
      return (await db.selectFrom('integrations').selectAll().orderBy('name').execute()).map(fromRow);
    },
    async update(id, changes) {
      await db
        .updateTable('integrations')
        .set({
          ...(changes.features ? { features: JSON.stringify(changes.features) } : {}),
          ...(changes.returnUrl ? { return_url: changes.returnUrl } : {}),
          ...(changes.secret
            ? { secret_ciphertext: changes.secret.ciphertext, secret_key_id: changes.secret.keyId }
            : {}),
          ...(changes.secretExpiresAt !== undefined ? { secret_expires_at: changes.secretExpiresAt } : {}),
          ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
          ...(changes.logoUrl !== undefined ? { logo_url: changes.logoUrl } : {}),
          updated_at: isoNow(),
        })
        .where('id', '=', id)
        .execute();
      const row = await db.selectFrom('integrations').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async delete(id) {
      const result = await db.deleteFrom('integrations').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

function fromRow(row: Selectable<IntegrationsTable>): StoredIntegration {
  return {
    id: row.id,
    name: row.name,
    clientId: row.client_id,
    authMode: row.auth_mode,
    cloud: JSON.parse(row.cloud) as Cloud,
    features: JSON.parse(row.features) as string[],
    returnUrl: row.return_url,
    secretExpiresAt: row.secret_expires_at ?? null,
    displayName: row.display_name ?? row.name,
    logoUrl: row.logo_url ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
