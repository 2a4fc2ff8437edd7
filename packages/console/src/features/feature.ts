import type { ComponentType } from 'react';
import type { Connection, FeatureName } from '../api';

/** What a feature's tab, and its card on the Overview, are given. */
export interface ConnectionTabProps {
  connection: Connection;
}

/**
 * A feature's place in the console: its tab on a connection's page, shown when the connection has the feature
 * enabled, and a card on the Overview that links to it. Each feature folder defines one, and ./index.ts registers
 * it, the way the server's features register their routes.
 */
export interface ConsoleFeature {
  /** The server's feature that enables the tab (a name the API knows, so a renamed feature fails the type-check). */
  feature: FeatureName;
  /** The tab's path segment: `/connections/<id>/<path>`. */
  path: string;
  /** The tab's name: `Directory`. */
  title: string;
  Tab: ComponentType<ConnectionTabProps>;
  /** A few lines on the Overview tab about how the feature stands. */
  Summary?: ComponentType<ConnectionTabProps>;
}

export function defineConsoleFeature(feature: ConsoleFeature): ConsoleFeature {
  return feature;
}
