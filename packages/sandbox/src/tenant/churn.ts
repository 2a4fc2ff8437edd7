import { en, Faker } from '@faker-js/faker';
import type { DirectoryWrites } from './directory-writes.js';
import { SKU_OFFICE_365_E3 } from './generator.js';
import type { Group, Tenant, User } from './model.js';
import { newUser } from './new-user.js';

export interface ChurnRequest {
  usersAdded?: number;
  usersUpdated?: number;
  usersDeleted?: number;
  groupsChanged?: number;
  membershipChanges?: number;
  /** Makes the choice of objects repeatable. */
  seed?: number;
}

export interface ChurnResult {
  usersAdded: string[];
  usersUpdated: string[];
  usersDeleted: string[];
  groupsChanged: string[];
  membershipChanges: { groupId: string; added?: string; removed?: string }[];
}

/** `count` distinct items chosen by index (arrayElements would copy and shuffle the whole list). */
function pickDistinct<T>(f: Faker, items: readonly T[], count: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, items.length)) chosen.add(f.number.int({ min: 0, max: items.length - 1 }));
  return [...chosen].map((i) => items[i]!);
}

const TITLES = ['Senior Analyst', 'Team Lead', 'Specialist', 'Consultant', 'Coordinator', 'Principal Engineer'];

/**
 * Simulates a tenant's everyday changes — joiners, movers, leavers, renamed groups and membership edits — through
 * the recorded writes, so that a delta query afterwards must return exactly these changes.
 */
export function churn(tenant: Tenant, writes: DirectoryWrites, request: ChurnRequest): ChurnResult {
  const f = new Faker({ locale: [en] });
  f.seed(request.seed ?? Date.now() % 2_147_483_647);
  const result: ChurnResult = {
    usersAdded: [],
    usersUpdated: [],
    usersDeleted: [],
    groupsChanged: [],
    membershipChanges: [],
  };
  const ordinary = (): User[] => [...tenant.users.values()].filter((u) => u.directoryRoleIds.length === 0);
  const now = writes.now();
  const nicknames = new Set([...tenant.users.values()].map((u) => u.mailNickname));

  for (let i = 0; i < (request.usersAdded ?? 0); i++) {
    const given = f.person.firstName();
    const surname = f.person.lastName();
    let nick = `${given}.${surname}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
    while (nicknames.has(nick)) nick = `${nick}${f.number.int(9)}`;
    nicknames.add(nick);
    const upn = `${nick}@${tenant.defaultDomain}`;
    const user = newUser(now, {
      userPrincipalName: upn,
      displayName: `${given} ${surname}`,
      givenName: given,
      surname,
      mailNickname: nick,
      jobTitle: f.helpers.arrayElement(TITLES),
      department: 'Operations',
      officeLocation: 'Remote',
      city: 'Dublin',
      country: 'Ireland',
      usageLocation: 'IE',
      employeeId: f.string.numeric(6),
      companyName: tenant.displayName,
      assignedLicenses: [{ skuId: SKU_OFFICE_365_E3, disabledPlans: [] }],
      password: `Churn-${f.string.alphanumeric(10)}1!`,
    });
    writes.addUser(tenant, user);
    result.usersAdded.push(user.id);
  }

  // Pick updated and deleted users at once, distinct, among the users that existed before.
  const added = new Set(result.usersAdded);
  const existing = ordinary().filter((u) => !added.has(u.id));
  const wanted = Math.min((request.usersUpdated ?? 0) + (request.usersDeleted ?? 0), existing.length);
  const picked = pickDistinct(f, existing, wanted);
  const toUpdate = picked.slice(0, Math.min(request.usersUpdated ?? 0, picked.length));
  const toDelete = picked.slice(toUpdate.length);
  for (const user of toUpdate) {
    writes.updateUser(tenant, user, { jobTitle: f.helpers.arrayElement(TITLES), officeLocation: f.location.city() });
    result.usersUpdated.push(user.id);
  }
  writes.deleteUsers(tenant, toDelete);
  result.usersDeleted.push(...toDelete.map((u) => u.id));

  const groups = (): Group[] => [...tenant.groups.values()];
  for (const group of pickDistinct(f, groups(), Math.min(request.groupsChanged ?? 0, tenant.groups.size))) {
    writes.updateGroup(tenant, group, {
      description: `${group.description ?? group.displayName} (updated ${now.slice(0, 10)})`,
    });
    result.groupsChanged.push(group.id);
  }

  const users = ordinary();
  for (let i = 0; i < (request.membershipChanges ?? 0) && users.length > 0 && groups().length > 0; i++) {
    const group = f.helpers.arrayElement(groups());
    const removable = group.memberIds.filter((id) => tenant.users.has(id));
    if (removable.length > 0 && f.datatype.boolean()) {
      const removed = f.helpers.arrayElement(removable);
      writes.removeMembers(tenant, group, [removed]);
      result.membershipChanges.push({ groupId: group.id, removed });
    } else {
      // A random user not yet in the group (a few tries; big groups make misses likely).
      const members = new Set(group.memberIds);
      let addedId: string | undefined;
      for (let tries = 0; tries < 20 && !addedId; tries++) {
        const candidate = f.helpers.arrayElement(users).id;
        if (!members.has(candidate)) addedId = candidate;
      }
      if (!addedId) continue;
      writes.addMembers(tenant, group, [addedId]);
      result.membershipChanges.push({ groupId: group.id, added: addedId });
    }
  }
  return result;
}
