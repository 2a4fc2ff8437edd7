import { delegatedPermission, OIDC_SCOPES } from '../tenant/graph-permissions.js';
import { MICROSOFT_GRAPH_APP_ID, MICROSOFT_GRAPH_RESOURCE_URI } from '../tenant/model.js';
import { aadsts } from './aadsts.js';

/** A delegated scope request split the way the authority reads it. */
export interface DelegatedScopeRequest {
  /** openid, profile, email, offline_access, as requested. */
  oidc: string[];
  /** Microsoft Graph permission values in Graph's casing; empty for `.default`. */
  graph: string[];
  /** `{resource}/.default`: every delegated permission the app registration lists. */
  isDefault: boolean;
  /** Graph scopes were named with the resource URI (`https://graph.microsoft.com/User.Read`); answers do the same. */
  uriForm: boolean;
}

const GRAPH_RESOURCE_IDS = new Set([
  MICROSOFT_GRAPH_RESOURCE_URI,
  `${MICROSOFT_GRAPH_RESOURCE_URI}/`,
  MICROSOFT_GRAPH_APP_ID,
  'https://graph.microsoft.com/v1.0',
]);

function splitScopes(raw: string): string[] {
  return raw.split(/\s+/).filter(Boolean);
}

/** Splits `https://graph.microsoft.com/User.Read` into resource and value; a bare value belongs to Graph. */
function splitResource(scope: string): { resource: string; value: string } {
  const slash = scope.lastIndexOf('/');
  if (slash < 0) return { resource: MICROSOFT_GRAPH_RESOURCE_URI, value: scope };
  return { resource: scope.slice(0, slash), value: scope.slice(slash + 1) };
}

function isGraph(resource: string): boolean {
  return GRAPH_RESOURCE_IDS.has(resource.toLowerCase());
}

/** The scope of a client-credentials request must be exactly one `{resource}/.default`. */
export function parseClientCredentialsScope(raw: string | undefined, tenantName: string): void {
  const scopes = splitScopes(raw ?? '');
  if (scopes.length === 0) throw aadsts('missingRequiredField', { name: 'scope' });
  if (scopes.length === 1) {
    const { resource, value } = splitResource(scopes[0]!);
    if (value !== '.default') throw aadsts('clientCredentialsScopeNotDefault', { scope: scopes[0]! });
    if (!isGraph(resource)) throw aadsts('resourceNotFound', { resource, tenantName });
    return;
  }
  const resources = new Set(scopes.map((s) => splitResource(s).resource.toLowerCase()));
  if (resources.size > 1 && scopes.every((s) => s.endsWith('/.default'))) {
    throw aadsts('multipleResources', { scope: scopes.join(' ') });
  }
  throw aadsts('invalidScope', { scope: scopes.join(' ') });
}

/** Parses the scope of a delegated request (authorize, device code, password, refresh). */
export function parseDelegatedScopes(
  raw: string | undefined,
  context: { appName: string; tenantName: string },
): DelegatedScopeRequest {
  const request: DelegatedScopeRequest = { oidc: [], graph: [], isDefault: false, uriForm: false };
  const resources = new Set<string>();
  for (const scope of splitScopes(raw ?? '')) {
    if (OIDC_SCOPES.has(scope.toLowerCase())) {
      request.oidc.push(scope.toLowerCase());
      continue;
    }
    const { resource, value } = splitResource(scope);
    if (!isGraph(resource)) throw aadsts('resourceNotFound', { resource, tenantName: context.tenantName });
    resources.add(MICROSOFT_GRAPH_APP_ID);
    if (scope.includes('/')) request.uriForm = true;
    if (value === '.default') {
      request.isDefault = true;
      continue;
    }
    const permission = delegatedPermission(value);
    if (!permission || OIDC_SCOPES.has(permission.value)) {
      throw aadsts('scopeNotOnResource', {
        appName: context.appName,
        scope: value,
        resourceAppId: MICROSOFT_GRAPH_APP_ID,
      });
    }
    if (!request.graph.includes(permission.value)) request.graph.push(permission.value);
  }
  if (request.oidc.length === 0 && resources.size === 0) {
    throw aadsts('invalidScope', { scope: raw?.trim() || '' });
  }
  return request;
}
