/**
 * The console's feature registry: one entry per feature folder, each with its tab on a connection's page. A
 * connection shows the tabs of the features it has enabled, in this order. Calendar, Presence, Mail, Files and Scan
 * join here as their folders are written.
 */
import type { Connection } from '../api';
import { directory } from './directory';
import type { ConsoleFeature } from './feature';

export type { ConnectionTabProps, ConsoleFeature } from './feature';

export const CONSOLE_FEATURES: readonly ConsoleFeature[] = [directory];

/** The feature tabs a connection shows: those of its enabled features. */
export function featureTabsFor(connection: Pick<Connection, 'features'>): ConsoleFeature[] {
  return CONSOLE_FEATURES.filter((entry) => connection.features.includes(entry.feature));
}
