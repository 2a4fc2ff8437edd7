import { defineFeature, need } from '../feature.js';
import { userPath } from '../graph-paths.js';
import { directoryDataset } from './dataset.js';
import { directorySettings } from './settings.js';

const readUsers = need(
  'User.Read.All',
  'list users and their profiles, and follow changes with delta',
  'User.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
);
const readMemberships = need(
  'GroupMember.Read.All',
  'list groups and their members, and follow changes with delta',
  'Group.Read.All',
  'Group.ReadWrite.All',
  'GroupMember.ReadWrite.All',
  'Directory.Read.All',
  'Directory.ReadWrite.All',
);

/** Users, groups and memberships, imported and kept in sync (the sync engine's first dataset). */
export const directory = defineFeature({
  name: 'directory',
  title: 'Directory: users and groups',
  guide: "imports your organisation's users and groups, with group membership, and keeps them up to date",
  permissions: { application: [readUsers, readMemberships], delegated: [readUsers, readMemberships] },
  graphRoutes: [
    { path: '/users', permission: 'User.Read.All' },
    { path: '/users', methods: ['POST', 'PATCH', 'DELETE'], permission: 'User.ReadWrite.All' },
    { path: '/groups', permission: 'GroupMember.Read.All' },
    { path: '/groups', methods: ['POST', 'PATCH', 'DELETE'], permission: 'Group.ReadWrite.All' },
  ],
  probes: [
    {
      name: 'Read one user',
      call: { method: 'GET', route: '/users', permission: 'User.Read.All' },
      run: async ({ graph, permission }) => {
        await graph.get('/users', { select: ['id'], query: { $top: 1 }, permission });
        return undefined;
      },
    },
    {
      name: 'Find the test user',
      needs: 'testUser',
      call: { method: 'GET', route: '/users/{id}', permission: 'User.Read.All' },
      run: async ({ graph, who, permission }) => {
        await graph.get(userPath(who), { select: ['id'], permission });
        return undefined;
      },
    },
  ],
  datasets: [directoryDataset()],
  settings: directorySettings,
  notifications: {
    // Users and groups notify only `updated` (a new one arrives as updated) and `deleted`.
    watch: () => [
      { resource: 'users', changeType: 'updated,deleted' },
      { resource: 'groups', changeType: 'updated,deleted' },
    ],
    maxLifetimeMinutes: 41_760,
    dataset: 'directory',
  },
});
