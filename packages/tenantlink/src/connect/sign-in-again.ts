import type { Connection } from '../connections/model.js';
import type { ConnectionService } from '../connections/service.js';
import { TenantlinkError } from '../errors.js';

/** The stored connection's new refresh token, after checking that the user signed in to its tenant. */
export async function signInAgain(
  service: ConnectionService,
  existing: Connection,
  refreshToken: string,
  tenantId: string,
  user: { id: string; username: string },
): Promise<Connection> {
  const isGuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(existing.tenant);
  if (isGuid && existing.tenant.toLowerCase() !== tenantId.toLowerCase())
    throw new TenantlinkError(
      'TENANT_MISMATCH',
      `${user.username} signed in to tenant ${tenantId}, but connection '${existing.name}' is for ${existing.tenant}.`,
      {
        diagnosis: {
          meaning: 'The account used belongs to another organisation than the connection.',
          fix: `Sign in with an account of ${existing.tenant}.`,
        },
      },
    );
  await service.setCredential(existing.id, { refreshToken });
  return service.update(existing.id, {
    settings: { ...existing.settings, signedInUserId: user.id, signedInUser: user.username },
  });
}
