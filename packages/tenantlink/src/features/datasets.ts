import type { SyncDataset } from './dataset.js';
import { directoryDataset } from './directory/dataset.js';

/** Every dataset tenantlink syncs (mail, calendar and files will join the directory here). */
export function allDatasets(): SyncDataset[] {
  return [directoryDataset()];
}
