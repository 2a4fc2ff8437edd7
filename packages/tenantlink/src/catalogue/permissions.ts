import { need, type PermissionNeed, type PermissionType } from '../features/feature.js';
import { GRAPH_PERMISSION_IDS, MICROSOFT_GRAPH_APP_ID } from '../features/graph-permissions.js';
import { FEATURE_REGISTRY, type Feature } from '../features/index.js';

export { GRAPH_PERMISSION_IDS, MICROSOFT_GRAPH_APP_ID } from '../features/graph-permissions.js';
export type { PermissionNeed, PermissionType };

export type ConnectionMode = 'application' | 'delegated' | 'multi-tenant';

export interface FeatureEntry {
  feature: Feature;
  title: string;
  /** Needs per permission type; null when the feature does not exist in that mode. */
  application: readonly PermissionNeed[] | null;
  delegated: readonly PermissionNeed[] | null;
}

/**
 * The catalogue: for each feature of the registry, the least-privileged permissions per type. One table for the guide,
 * the doctor and the server.
 */
export const FEATURE_CATALOGUE: readonly FeatureEntry[] = FEATURE_REGISTRY.map((f) => ({
  feature: f.name,
  title: f.title,
  application: f.permissions.application,
  delegated: f.permissions.delegated,
}));

/** Every delegated connection signs a user in and keeps a refresh token. */
const DELEGATED_BASE = [
  need('openid', 'sign the user in'),
  need('profile', "read the signed-in user's name"),
  need('offline_access', 'keep access with a refresh token'),
  need('User.Read', 'read the signed-in user'),
];

/**
 * A multi-tenant app's connect flow signs the consenting administrator in (`openid profile`, no data) to prove which
 * organisation consented. Listed on the registration, they are granted by the same admin consent (`.default`), so the
 * sign-in asks nothing more and leaves no per-user grant.
 */
const TENANT_PROOF = [
  need('openid', 'sign the administrator in, to prove which organisation granted the consent'),
  need('profile', "read the administrator's name, to name the connection"),
];

export interface RequiredPermission extends PermissionNeed {
  type: PermissionType;
  id: string;
  /** The features that need it (empty for the sign-in basics of a delegated connection). */
  features: Feature[];
}

export function permissionType(mode: ConnectionMode): PermissionType {
  return mode === 'delegated' ? 'delegated' : 'application';
}

/**
 * The permissions a registration needs for these features in this mode, each once, in catalogue order. Features
 * that do not exist in the mode are reported in `unsupported`.
 */
export function requiredPermissions(
  features: readonly Feature[],
  mode: ConnectionMode,
): { permissions: RequiredPermission[]; unsupported: Feature[] } {
  const type = permissionType(mode);
  const byName = new Map<string, RequiredPermission>();
  const unsupported: Feature[] = [];
  const add = (n: PermissionNeed, feature: Feature | undefined, as: PermissionType = type) => {
    const existing = byName.get(n.permission);
    if (existing) {
      if (feature && !existing.features.includes(feature)) existing.features.push(feature);
      return;
    }
    const id = GRAPH_PERMISSION_IDS[n.permission]?.[as];
    if (!id) throw new Error(`catalogue: no ${as} ID for ${n.permission}`);
    byName.set(n.permission, { ...n, type: as, id, features: feature ? [feature] : [] });
  };
  if (type === 'delegated') for (const n of DELEGATED_BASE) add(n, undefined);
  // Connecting a multi-tenant app ends with a sign-in that proves the consenting tenant; admin consent covers it.
  if (mode === 'multi-tenant') for (const n of TENANT_PROOF) add(n, undefined, 'delegated');
  for (const entry of FEATURE_CATALOGUE) {
    if (!features.includes(entry.feature)) continue;
    const needs = entry[type];
    if (needs === null) unsupported.push(entry.feature);
    else for (const n of needs) add(n, entry.feature);
  }
  return { permissions: [...byName.values()], unsupported };
}

/** Whether granted permissions (token `roles` or `scp`) satisfy a need, directly or through a higher permission. */
export function isSatisfied(needed: PermissionNeed, granted: readonly string[]): boolean {
  return granted.includes(needed.permission) || needed.alsoSatisfiedBy.some((p) => granted.includes(p));
}

/** The app manifest's `requiredResourceAccess` block for these permissions. */
export function requiredResourceAccess(permissions: readonly RequiredPermission[]) {
  return [
    {
      resourceAppId: MICROSOFT_GRAPH_APP_ID,
      resourceAccess: permissions.map((p) => ({ id: p.id, type: p.type === 'application' ? 'Role' : 'Scope' })),
    },
  ];
}
