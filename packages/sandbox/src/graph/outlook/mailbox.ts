import type { Tenant, User } from '../../tenant/model.js';
import type { GraphCall } from '../context.js';
import { GraphError } from '../errors.js';

/**
 * Shared by mail and calendar: which mailbox a request targets, and whether the app may touch it.
 * Exchange answers in its own words (ErrorInvalidUser, MailboxNotEnabledForRESTAPI, ErrorAccessDenied).
 */

export interface ApplicationAccessPolicy {
  appId: string;
  /** Members of this (mail-enabled security) group are the scope. */
  scopeGroupId: string;
  accessRight: 'RestrictAccess' | 'DenyAccess';
}

const policies = new WeakMap<Tenant, ApplicationAccessPolicy[]>();

export function accessPolicies(tenant: Tenant): ApplicationAccessPolicy[] {
  let list = policies.get(tenant);
  if (!list) {
    list = [];
    policies.set(tenant, list);
  }
  return list;
}

function isMember(tenant: Tenant, groupId: string, userId: string, seen = new Set<string>()): boolean {
  const group = tenant.groups.get(groupId);
  if (!group || seen.has(groupId)) return false;
  seen.add(groupId);
  return group.memberIds.some((id) => id === userId || (tenant.groups.has(id) && isMember(tenant, id, userId, seen)));
}

/**
 * Application access policies (New-ApplicationAccessPolicy): RestrictAccess limits an app to the scope group's
 * mailboxes, DenyAccess keeps it out of them. They apply to app-only tokens only.
 */
export function policyAllows(tenant: Tenant, appId: string, mailboxUserId: string): boolean {
  const mine = accessPolicies(tenant).filter((p) => p.appId.toLowerCase() === appId.toLowerCase());
  if (mine.length === 0) return true;
  const restrict = mine.filter((p) => p.accessRight === 'RestrictAccess');
  const deny = mine.filter((p) => p.accessRight === 'DenyAccess');
  if (deny.some((p) => isMember(tenant, p.scopeGroupId, mailboxUserId))) return false;
  if (restrict.length > 0 && !restrict.some((p) => isMember(tenant, p.scopeGroupId, mailboxUserId))) return false;
  return true;
}

export const mailboxErrors = {
  invalidUser: (id: string) => new GraphError(404, 'ErrorInvalidUser', `The requested user '${id}' is invalid.`),
  notEnabled: () =>
    new GraphError(
      404,
      'MailboxNotEnabledForRESTAPI',
      'The mailbox is either inactive, soft-deleted, or is hosted on-premise.',
    ),
  policyDenied: () => new GraphError(403, 'ErrorAccessDenied', 'Access to OData is disabled.'),
  accessDenied: () => new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.'),
  itemNotFound: () => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.'),
};

/**
 * The mailbox owner of `/users/{idOrUpn}/…` (or `/me/…`): it must exist, have a mailbox, and the app's access
 * policy must allow it. A delegated caller reaching another user's mailbox needs a `.Shared` permission.
 */
export function resolveMailbox(call: GraphCall, idOrUpn: string | undefined, sharedScopes: string[] = []): User {
  const { tenant, caller } = call;
  const user = idOrUpn === undefined ? caller.user : call.ctx.directory.findUser(tenant, idOrUpn);
  if (!user) throw mailboxErrors.invalidUser(idOrUpn ?? 'me');
  if (!user.mailboxEnabled) throw mailboxErrors.notEnabled();
  if (caller.kind === 'app' && !policyAllows(tenant, caller.appId, user.id)) throw mailboxErrors.policyDenied();
  if (caller.kind === 'user' && caller.user && user.id !== caller.user.id) {
    const held = new Set(caller.scopes.map((s) => s.toLowerCase()));
    if (!sharedScopes.some((s) => held.has(s.toLowerCase()))) throw mailboxErrors.accessDenied();
  }
  return user;
}
