import type { Connection } from '../../api';
import type { TabLink } from '../../components/TabLinks';
import { featureTabsFor } from '../../features';

/** The tabs every connection has around its features' tabs. */
export const OVERVIEW_TAB = '';
export const TESTS_TAB = 'tests';
export const SETTINGS_TAB = 'settings';

/** A connection's tabs, in order: Overview, one per enabled feature (from the registry), Tests, Settings. */
export function connectionTabs(connection: Pick<Connection, 'features'>): TabLink[] {
  return [
    { path: OVERVIEW_TAB, title: 'Overview' },
    ...featureTabsFor(connection).map(({ path, title }) => ({ path, title })),
    { path: TESTS_TAB, title: 'Tests' },
    { path: SETTINGS_TAB, title: 'Settings' },
  ];
}
