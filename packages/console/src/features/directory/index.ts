import { defineConsoleFeature } from '../feature';
import { DirectorySummary } from './DirectorySummary';
import { DirectoryTab } from './DirectoryTab';

/** Directory sync: users, groups and memberships, and the change feed. */
export const directory = defineConsoleFeature({
  feature: 'directory',
  path: 'directory',
  title: 'Directory',
  Tab: DirectoryTab,
  Summary: DirectorySummary,
});
