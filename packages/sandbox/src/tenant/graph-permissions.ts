import { GRAPH_PERMISSIONS, type GraphPermissionEntry } from './graph-permissions.data.js';
import type { AppRole, PermissionScope } from './model.js';

export type { GraphPermissionEntry };

export interface PermissionInfo {
  id: string;
  value: string;
  displayName: string;
  description: string;
}

export interface DelegatedPermissionInfo extends PermissionInfo {
  adminConsentRequired: boolean;
}

const byLowerName = new Map(GRAPH_PERMISSIONS.map((p) => [p.name.toLowerCase(), p]));
const byId = new Map<string, GraphPermissionEntry>();
for (const p of GRAPH_PERMISSIONS) {
  if (p.application) byId.set(p.application.id, p);
  if (p.delegated) byId.set(p.delegated.id, p);
}

/** Scopes of the OpenID Connect protocol; they are not Microsoft Graph permissions but Graph publishes them. */
export const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Looks up an application permission (app role) of Microsoft Graph by name (case-insensitive) or ID. */
export function applicationPermission(nameOrId: string): PermissionInfo | undefined {
  const entry = byLowerName.get(nameOrId.toLowerCase()) ?? byId.get(nameOrId.toLowerCase());
  if (!entry?.application) return undefined;
  return { value: entry.name, ...entry.application };
}

/** Looks up a delegated permission (oauth2PermissionScope) of Microsoft Graph by name (case-insensitive) or ID. */
export function delegatedPermission(nameOrId: string): DelegatedPermissionInfo | undefined {
  const entry = byLowerName.get(nameOrId.toLowerCase()) ?? byId.get(nameOrId.toLowerCase());
  if (!entry?.delegated) return undefined;
  return { value: entry.name, ...entry.delegated };
}

export function allGraphPermissions(): readonly GraphPermissionEntry[] {
  return GRAPH_PERMISSIONS;
}

export function graphAppRoles(): AppRole[] {
  return GRAPH_PERMISSIONS.filter((p) => p.application).map((p) => ({
    id: p.application!.id,
    value: p.name,
    displayName: p.application!.displayName,
    description: p.application!.description,
    allowedMemberTypes: ['Application'],
    isEnabled: true,
  }));
}

export function graphPermissionScopes(): PermissionScope[] {
  return GRAPH_PERMISSIONS.filter((p) => p.delegated).map((p) => ({
    id: p.delegated!.id,
    value: p.name,
    type: p.delegated!.adminConsentRequired ? 'Admin' : 'User',
    adminConsentDisplayName: p.delegated!.displayName,
    adminConsentDescription: p.delegated!.description,
    userConsentDisplayName: p.delegated!.displayName,
    userConsentDescription: p.delegated!.description,
    isEnabled: true,
  }));
}
