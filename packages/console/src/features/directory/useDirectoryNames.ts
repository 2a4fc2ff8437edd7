import { useEffect, useMemo, useState } from 'react';
import { api, type FeedEntry } from '../../api';
import { type DirectoryNames, namesIn, recordName, unnamedIds } from './changeWording';

/** The most ids looked up at once (the API's limit). */
const LOOKUP_LIMIT = 100;

/**
 * Names of users and groups by id, as they stand now. A membership's member may be a user or a group, so each id is
 * asked of both; ids the store does not hold (deleted since) stay unnamed.
 */
async function lookUpNames(connectionId: string, ids: string[], signal: AbortSignal): Promise<Map<string, string>> {
  const wanted = ids.slice(0, LOOKUP_LIMIT);
  const found = await Promise.all(
    (['users', 'groups'] as const).map((model) => api.lookUpRecords(connectionId, model, wanted, signal)),
  );
  const names = new Map<string, string>();
  for (const record of found.flat()) {
    const name = recordName(record.data);
    if (name) names.set(record.id, name);
  }
  return names;
}

/**
 * The names for the entries' users, groups and memberships: those the entries carry, and those looked up by id for
 * the ids they only mention (a membership's member and group), once the sync has settled.
 */
export function useDirectoryNames(
  connectionId: string,
  entries: readonly FeedEntry[],
  feed: { lastSeq: number; syncing: boolean },
): DirectoryNames {
  const [lookedUp, setLookedUp] = useState<Map<string, string>>(new Map());
  const names = useMemo(() => new Map([...lookedUp, ...namesIn(entries)]), [entries, lookedUp]);
  const missing = unnamedIds(entries, names);
  const key = feed.syncing ? '' : missing.join(',');

  useEffect(() => {
    if (!key) return;
    const controller = new AbortController();
    lookUpNames(connectionId, key.split(','), controller.signal).then(
      (found) => setLookedUp((before) => new Map([...before, ...found])),
      () => {
        // Names only dress the list up: without them the IDs show, shortened.
      },
    );
    return () => controller.abort();
  }, [key, connectionId]);

  return names;
}
