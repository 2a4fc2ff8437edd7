import type { SandboxClock } from '../time/clock.js';
import type { Group, Tenant, User } from './model.js';

/**
 * Writes to users and groups. Every write goes through here so that it lands in the tenant's change log and
 * delta queries see it, whoever made it: Graph, the control API or simulated churn.
 */
export class DirectoryWrites {
  constructor(private readonly clock: SandboxClock) {}

  private log(
    tenant: Tenant,
    kind: 'user' | 'group',
    id: string,
    op: 'upsert' | 'softDelete' | 'hardDelete',
    members?: { added: string[]; removed: string[] },
  ) {
    tenant.changeLog.record({ kind, id, op, at: this.clock.now(), ...(members ? { members } : {}) });
  }

  /** Sets or clears a user's manager: a relationship change, tracked apart from property changes. */
  setManager(tenant: Tenant, user: User, managerId: string | null): void {
    user.managerId = managerId;
    tenant.changeLog.record({ kind: 'user', id: user.id, op: 'upsert', at: this.clock.now(), manager: true });
  }

  addUser(tenant: Tenant, user: User): User {
    tenant.users.set(user.id, user);
    this.log(tenant, 'user', user.id, 'upsert');
    return user;
  }

  /** Applies a patch; `properties` names what changed when it is not the patch's own keys. */
  updateUser(tenant: Tenant, user: User, patch: Partial<User>, properties: string[] = Object.keys(patch)): User {
    Object.assign(user, patch);
    tenant.changeLog.record({ kind: 'user', id: user.id, op: 'upsert', at: this.clock.now(), properties });
    return user;
  }

  /** Deletes a user: soft (to deleted items, as DELETE /users/{id} does) or hard (gone for good). */
  deleteUser(tenant: Tenant, user: User, hard = false): void {
    this.deleteUsers(tenant, [user], hard);
  }

  /** Deletes users in one pass over groups and managers (a per-user pass would be slow in a large tenant). */
  deleteUsers(tenant: Tenant, users: User[], hard = false): void {
    const gone = new Set(users.map((u) => u.id));
    for (const user of users) {
      tenant.users.delete(user.id);
      if (hard) tenant.deletedUsers.delete(user.id);
      else tenant.deletedUsers.set(user.id, user);
      this.log(tenant, 'user', user.id, hard ? 'hardDelete' : 'softDelete');
    }
    for (const group of tenant.groups.values()) {
      if (group.ownerIds.some((id) => gone.has(id))) group.ownerIds = group.ownerIds.filter((id) => !gone.has(id));
      const removed = group.memberIds.filter((id) => gone.has(id));
      if (removed.length > 0) this.removeMembers(tenant, group, removed);
    }
    for (const other of tenant.users.values()) {
      if (other.managerId && gone.has(other.managerId)) this.setManager(tenant, other, null);
    }
  }

  addGroup(tenant: Tenant, group: Group): Group {
    tenant.groups.set(group.id, group);
    this.log(tenant, 'group', group.id, 'upsert');
    if (group.memberIds.length > 0)
      this.log(tenant, 'group', group.id, 'upsert', { added: [...group.memberIds], removed: [] });
    return group;
  }

  updateGroup(tenant: Tenant, group: Group, patch: Partial<Omit<Group, 'memberIds'>>): Group {
    Object.assign(group, patch);
    tenant.changeLog.record({
      kind: 'group',
      id: group.id,
      op: 'upsert',
      at: this.clock.now(),
      properties: Object.keys(patch),
    });
    return group;
  }

  deleteGroup(tenant: Tenant, group: Group, hard = false): void {
    tenant.groups.delete(group.id);
    if (hard) tenant.deletedGroups.delete(group.id);
    else tenant.deletedGroups.set(group.id, group);
    this.log(tenant, 'group', group.id, hard ? 'hardDelete' : 'softDelete');
    for (const other of tenant.groups.values()) {
      if (other.memberIds.includes(group.id)) this.removeMembers(tenant, other, [group.id]);
    }
  }

  /** Adds members (users or groups); returns the IDs that were not members before. */
  addMembers(tenant: Tenant, group: Group, ids: string[]): string[] {
    const present = new Set(group.memberIds);
    const added = [...new Set(ids)].filter((id) => !present.has(id));
    if (added.length === 0) return added;
    group.memberIds.push(...added);
    this.log(tenant, 'group', group.id, 'upsert', { added, removed: [] });
    return added;
  }

  removeMembers(tenant: Tenant, group: Group, ids: string[]): string[] {
    const drop = new Set(ids);
    const removed = group.memberIds.filter((id) => drop.has(id));
    if (removed.length === 0) return removed;
    group.memberIds = group.memberIds.filter((id) => !drop.has(id));
    this.log(tenant, 'group', group.id, 'upsert', { added: [], removed });
    return removed;
  }

  now(): string {
    return this.clock.iso();
  }
}
