import { defineFeature, need } from '../feature.js';
import { userPath } from '../graph-paths.js';
import { shareTestFile } from './test-file.js';

const files = need('Files.ReadWrite.All', "read users' OneDrive files and create sharing links", 'Sites.ReadWrite.All');
const ANY = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'];

/** Word and Excel files in OneDrive or SharePoint, shared with links and read back. */
export const filesFeature = defineFeature({
  name: 'files',
  title: 'Files: OneDrive and sharing links',
  guide: 'creates and copies files in OneDrive, shares them with links and reads them back',
  permissions: { application: [files], delegated: [files] },
  graphRoutes: [
    { path: '{user}/drive', methods: ANY, permission: 'Files.ReadWrite.All' },
    { path: '/drives', methods: ANY, permission: 'Files.ReadWrite.All' },
  ],
  probes: [
    {
      name: "Open the service account's OneDrive",
      needs: 'serviceAccount',
      call: { method: 'GET', route: '/users/{id}/drive', permission: 'Files.ReadWrite.All' },
      run: async ({ graph, who, state, permission }) => {
        const drive = await graph.get<{ id: string }>(`${userPath(who)}/drive`, { select: ['id'], permission });
        state.set('driveId', drive.id);
        return undefined;
      },
    },
    {
      name: 'Create a test file and sharing links, then delete it',
      needs: 'serviceAccount',
      call: { method: 'PUT', route: '/drives/{id}/root:{path}:/content', permission: 'Files.ReadWrite.All' },
      run: async ({ graph, state }) => shareTestFile(graph, state.get('driveId')!),
    },
  ],
});
