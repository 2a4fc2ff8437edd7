import type { Caller } from './auth.js';
import { GraphError } from './errors.js';

/** Which service answers: each has its own error for a missing permission. */
export type Workload = 'directory' | 'outlook' | 'files' | 'presence' | 'reports' | 'auditLogs' | 'subscriptions';

/**
 * The permissions Microsoft lists for one endpoint: the least privileged first, then the higher ones that also
 * work. `null` means the token type is not supported (e.g. `/me` with an app-only token).
 */
export interface EndpointPermissions {
  id: string;
  method: string;
  path: string;
  workload: Workload;
  application: string[] | null;
  delegated: string[] | null;
}

/** One endpoint's row: least privileged first, then the higher permissions Microsoft lists; null = not supported. */
export function permissionRow(
  workload: Workload,
  id: string,
  method: string,
  path: string,
  application: string[] | null,
  delegated: string[] | null,
): EndpointPermissions {
  return { id, method, path, workload, application, delegated };
}

const DENIED: Record<Workload, () => GraphError> = {
  directory: () =>
    new GraphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'),
  outlook: () => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  files: () => new GraphError(403, 'accessDenied', 'Access denied'),
  presence: () => new GraphError(403, 'Forbidden', 'Insufficient privileges to complete the operation.'),
  reports: () => new GraphError(403, 'S2SUnauthorized', 'Invalid scope claims/roles.'),
  auditLogs: () =>
    new GraphError(
      403,
      'Authentication_MSGraphPermissionMissing',
      'Calling principal does not have required MSGraph permissions AuditLog.Read.All',
    ),
  subscriptions: () =>
    new GraphError(
      403,
      'ExtensionError',
      'Operation: Create; Exception: [Status Code: Forbidden; Reason: Insufficient privileges]',
    ),
};

/** Lets the call through if the token carries any permission Microsoft accepts for the endpoint. */
export function assertPermitted(caller: Caller, endpoint: EndpointPermissions): void {
  const accepted = caller.kind === 'app' ? endpoint.application : endpoint.delegated;
  if (accepted === null) {
    if (caller.kind === 'app' && endpoint.path.startsWith('/me')) {
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }
    throw DENIED[endpoint.workload]();
  }
  const held = new Set((caller.kind === 'app' ? caller.roles : caller.scopes).map((p) => p.toLowerCase()));
  if (!accepted.some((p) => held.has(p.toLowerCase()))) throw DENIED[endpoint.workload]();
}
