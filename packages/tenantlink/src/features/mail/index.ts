import { defineFeature, need } from '../feature.js';
import { userPath } from '../graph-paths.js';

const readMail = need('Mail.Read', 'read and sync messages, bodies included', 'Mail.ReadWrite');
const WRITES = ['POST', 'PATCH', 'PUT', 'DELETE'];

/** Reading and syncing mailboxes. */
export const mail = defineFeature({
  name: 'mail',
  title: 'Mail: read and sync',
  guide: 'reads and syncs messages in mailboxes',
  permissions: { application: [readMail], delegated: [readMail] },
  graphRoutes: [
    { path: '{user}/messages', permission: 'Mail.Read' },
    { path: '{user}/mailFolders', permission: 'Mail.Read' },
    { path: '{user}/messages', methods: WRITES, permission: 'Mail.ReadWrite' },
    { path: '{user}/mailFolders', methods: WRITES, permission: 'Mail.ReadWrite' },
  ],
  probes: [
    {
      name: "Read the test user's mailbox",
      needs: 'testUser',
      call: { method: 'GET', route: '/users/{id}/mailFolders/inbox/messages', permission: 'Mail.Read' },
      run: async ({ graph, who, permission }) => {
        await graph.get(`${userPath(who)}/mailFolders/inbox/messages`, {
          select: ['id'],
          query: { $top: 1 },
          permission,
        });
        return undefined;
      },
    },
  ],
});
