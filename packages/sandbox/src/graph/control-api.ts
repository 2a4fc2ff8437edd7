import type { Directory } from '../tenant/directory.js';
import type { Tenant, User } from '../tenant/model.js';

/**
 * What the /_sandbox control API and the workloads' additions to it share: the error it answers with and the
 * lookups that fail with its 404. It lives below both so that the control API imports the workloads and never the
 * other way round.
 */

/** A control-API error: `{"error":{"code","message"}}` with the status. */
export class ControlError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const controlNotFound = (what: string) => new ControlError(404, 'NotFound', what);

/** Tenant and user lookups that fail with a clear 404. */
export function controlLookups(directory: Directory) {
  const tenantOf = (tid: string): Tenant => {
    const tenant = directory.findTenant(tid);
    if (!tenant) throw controlNotFound(`tenant '${tid}' does not exist in the sandbox`);
    return tenant;
  };
  const userOf = (tenant: Tenant, idOrUpn: string): User => {
    const user = directory.findUser(tenant, idOrUpn);
    if (!user) throw controlNotFound(`user '${idOrUpn}' does not exist in tenant ${tenant.defaultDomain}`);
    return user;
  };
  return { tenantOf, userOf };
}
