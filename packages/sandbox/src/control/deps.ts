import type { SandboxClock } from '../clock.js';
import type { GraphContext } from '../graph/context.js';
import type { IdentitySettings } from '../identity/context.js';
import type { Directory } from '../tenant/directory.js';
import type { Tenant, User } from '../tenant/model.js';

export interface ControlDeps {
  directory: Directory;
  clock: SandboxClock;
  settings: IdentitySettings;
  graph: GraphContext;
  createTenant: (input: { displayName?: string; domain?: string; users?: number }) => Tenant;
  state: () => unknown;
}

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
export function controlLookups(deps: ControlDeps) {
  const tenantOf = (tid: string): Tenant => {
    const tenant = deps.directory.findTenant(tid);
    if (!tenant) throw controlNotFound(`tenant '${tid}' does not exist in the sandbox`);
    return tenant;
  };
  const userOf = (tenant: Tenant, idOrUpn: string): User => {
    const user = deps.directory.findUser(tenant, idOrUpn);
    if (!user) throw controlNotFound(`user '${idOrUpn}' does not exist in tenant ${tenant.defaultDomain}`);
    return user;
  };
  return { tenantOf, userOf };
}
