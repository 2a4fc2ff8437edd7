import type { ConnectionTabProps } from '../feature';
import { DirectorySyncPanel } from './DirectorySyncPanel';

/** The Directory tab: the sync, what is stored, the latest run and the recent changes. */
export function DirectoryTab({ connection }: ConnectionTabProps) {
  return <DirectorySyncPanel connectionId={connection.id} />;
}
