import type { Tenant } from '../../tenant/model.js';

/**
 * Exchange mailbox rights (Add-MailboxPermission / Add-RecipientPermission / GrantSendOnBehalfTo): what a user may
 * do with someone else's mailbox, typically a shared one. Delegated Graph calls on another mailbox need one of
 * these on top of the `.Shared` permission in the token; app-only calls ignore them.
 */
export type MailboxRight = 'FullAccess' | 'SendAs' | 'SendOnBehalf';

export const MAILBOX_RIGHTS: readonly MailboxRight[] = ['FullAccess', 'SendAs', 'SendOnBehalf'];

/** mailbox user id → grantee user id → rights. */
type RightsTable = Map<string, Map<string, Set<MailboxRight>>>;

const tables = new WeakMap<Tenant, RightsTable>();

function tableOf(tenant: Tenant): RightsTable {
  let table = tables.get(tenant);
  if (!table) {
    table = new Map();
    tables.set(tenant, table);
  }
  return table;
}

export function grantMailboxRights(tenant: Tenant, mailboxId: string, userId: string, rights: MailboxRight[]): void {
  const table = tableOf(tenant);
  let grantees = table.get(mailboxId);
  if (!grantees) {
    grantees = new Map();
    table.set(mailboxId, grantees);
  }
  const held = grantees.get(userId) ?? new Set<MailboxRight>();
  for (const right of rights) held.add(right);
  grantees.set(userId, held);
}

export function revokeMailboxRights(tenant: Tenant, mailboxId: string, userId: string, rights: MailboxRight[]): void {
  const held = tableOf(tenant).get(mailboxId)?.get(userId);
  if (!held) return;
  for (const right of rights) held.delete(right);
  if (held.size === 0) tableOf(tenant).get(mailboxId)?.delete(userId);
}

/** Whether `userId` holds `right` on the mailbox of `mailboxId` (everyone holds every right on their own mailbox). */
export function hasMailboxRight(tenant: Tenant, mailboxId: string, userId: string, right: MailboxRight): boolean {
  if (mailboxId === userId) return true;
  return tableOf(tenant).get(mailboxId)?.get(userId)?.has(right) ?? false;
}

/** Every grant on a tenant's mailboxes, for the control API. */
export function listMailboxRights(tenant: Tenant): { mailbox: string; user: string; rights: MailboxRight[] }[] {
  const rows: { mailbox: string; user: string; rights: MailboxRight[] }[] = [];
  for (const [mailbox, grantees] of tableOf(tenant)) {
    for (const [user, rights] of grantees) rows.push({ mailbox, user, rights: [...rights] });
  }
  return rows;
}
