import type { Workload } from '../workload.js';
import { registerFilesControl } from './control.js';
import { FILES_PERMISSIONS } from './permissions.js';
import { registerFilesRoutes } from './routes.js';
import { registerTransferRoutes } from './transfer.js';

/**
 * The files workload: OneDrive for Business and the root SharePoint site's library. Drives, items (by ID and by
 * path), children, simple and resumable uploads, downloads, copy, sharing links and invitations, and drive delta.
 */
export const filesWorkload: Workload = {
  name: 'files',
  routes: (app, ctx) => registerFilesRoutes(app, ctx),
  rootRoutes: (app, ctx) => registerTransferRoutes(app, { ctx }),
  control: (control, deps) => registerFilesControl(control, deps),
  permissions: FILES_PERMISSIONS,
};
