import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { TenantlinkError } from '../errors.js';
import { AUTH_MODES, type AuthMode } from '../model/auth-modes.js';
import type { Cloud } from '../model/cloud.js';
import { isUniqueViolation } from './constraint-violations.js';
import { type ConnectionsTable, type IsoTimestamp, isoNow, type StoreHandle } from './schema.js';

/** A connection as stored: the customer tenant and app registration, without any secret. */
export interface StoredConnection {
  id: string;
  name: string;
  tenant: string;
  clientId: string;
  authMode: AuthMode;
  cloud: Cloud;
  features: string[];
  settings: Record<string, unknown>;
  certificateThumbprint: string | null;
  createdAt: IsoTimestamp;
  updatedAt: IsoTimestamp;
}

export interface NewConnection {
  /** Default: a random UUID. */
  id?: string;
  name: string;
  tenant: string;
  clientId: string;
  authMode: AuthMode;
  cloud?: Cloud;
  features?: string[];
  settings?: Record<string, unknown>;
  certificateThumbprint?: string | null;
}

export type ConnectionChanges = Partial<Omit<NewConnection, 'id'>>;

export interface ConnectionsRepository {
  create(connection: NewConnection): Promise<StoredConnection>;
  get(id: string): Promise<StoredConnection | undefined>;
  getByName(name: string): Promise<StoredConnection | undefined>;
  /** Ordered by name. */
  list(): Promise<StoredConnection[]>;
  /** Throws CONNECTION_NOT_FOUND when there is no such connection. */
  update(id: string, changes: ConnectionChanges): Promise<StoredConnection>;
  /** Deletes the connection and, by cascade, its secrets. Returns whether it existed. */
  delete(id: string): Promise<boolean>;
}

const NAME_UNIQUE = { sqliteColumn: 'connections.name', postgresConstraint: 'connections_name_unique' };
const ID_UNIQUE = { sqliteColumn: 'connections.id', postgresConstraint: 'connections_pkey' };

export function connectionsRepository({ db }: StoreHandle): ConnectionsRepository {
  return {
    async create(connection) {
      checkAuthMode(connection.authMode);
      const now = isoNow();
      const row: ConnectionsTable = {
        id: connection.id ?? randomUUID(),
        name: connection.name,
        tenant: connection.tenant,
        client_id: connection.clientId,
        auth_mode: connection.authMode,
        cloud: JSON.stringify(connection.cloud ?? 'global'),
        features: JSON.stringify(connection.features ?? []),
        settings: JSON.stringify(connection.settings ?? {}),
        certificate_thumbprint: connection.certificateThumbprint ?? null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('connections').values(row).execute();
      } catch (err) {
        throw existsError(err, connection.name, row.id) ?? err;
      }
      return fromRow(row);
    },

    async get(id) {
      const row = await db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    async getByName(name) {
      const row = await db.selectFrom('connections').selectAll().where('name', '=', name).executeTakeFirst();
      return row && fromRow(row);
    },

    async list() {
      const rows = await db.selectFrom('connections').selectAll().orderBy('name').execute();
      return rows.map(fromRow);
    },

    async update(id, changes) {
      if (changes.authMode !== undefined) checkAuthMode(changes.authMode);
      const set: Partial<ConnectionsTable> = { updated_at: isoNow() };
      if (changes.name !== undefined) set.name = changes.name;
      if (changes.tenant !== undefined) set.tenant = changes.tenant;
      if (changes.clientId !== undefined) set.client_id = changes.clientId;
      if (changes.authMode !== undefined) set.auth_mode = changes.authMode;
      if (changes.cloud !== undefined) set.cloud = JSON.stringify(changes.cloud);
      if (changes.features !== undefined) set.features = JSON.stringify(changes.features);
      if (changes.settings !== undefined) set.settings = JSON.stringify(changes.settings);
      if (changes.certificateThumbprint !== undefined) set.certificate_thumbprint = changes.certificateThumbprint;
      let row: Selectable<ConnectionsTable> | undefined;
      try {
        row = await db.updateTable('connections').set(set).where('id', '=', id).returningAll().executeTakeFirst();
      } catch (err) {
        throw existsError(err, changes.name ?? '', id) ?? err;
      }
      if (!row) throw notFound(id);
      return fromRow(row);
    },

    async delete(id) {
      const result = await db.deleteFrom('connections').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export function notFound(idOrName: string): TenantlinkError {
  return new TenantlinkError('CONNECTION_NOT_FOUND', `There is no connection '${idOrName}'.`, { status: 404 });
}

function existsError(err: unknown, name: string, id: string): TenantlinkError | undefined {
  if (isUniqueViolation(err, NAME_UNIQUE)) {
    return new TenantlinkError('CONNECTION_EXISTS', `A connection named '${name}' already exists.`, {
      status: 409,
      diagnosis: {
        meaning: 'Connection names are unique, so that people and scripts can refer to a connection by its name.',
        fix: 'Choose another name, or update or delete the existing connection.',
      },
    });
  }
  if (isUniqueViolation(err, ID_UNIQUE)) {
    return new TenantlinkError('CONNECTION_EXISTS', `A connection with id '${id}' already exists.`, { status: 409 });
  }
  return undefined;
}

function checkAuthMode(mode: string): void {
  if (!AUTH_MODES.includes(mode as AuthMode)) {
    throw new TenantlinkError(
      'INVALID_AUTH_MODE',
      `Unknown authentication mode '${mode}': use ${AUTH_MODES.join(', ')}.`,
      { status: 400 },
    );
  }
}

function fromRow(row: Selectable<ConnectionsTable>): StoredConnection {
  return {
    id: row.id,
    name: row.name,
    tenant: row.tenant,
    clientId: row.client_id,
    authMode: row.auth_mode,
    cloud: JSON.parse(row.cloud) as Cloud,
    features: JSON.parse(row.features) as string[],
    settings: JSON.parse(row.settings) as Record<string, unknown>,
    certificateThumbprint: row.certificate_thumbprint,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
