import { TenantlinkError } from '../errors.js';
import { recordsRepository } from '../store/records-repository.js';
import type { StoreHandle } from '../store/schema.js';

/**
 * FEED_CURSOR_EXPIRED (410) when deletions after `since` were pruned, for a cursor being resumed (a webhook replay): a
 * receiver there may have missed one, so it must start again from 0 and replace what it holds. 0 is always fine.
 */
export async function checkFeedCursor(store: StoreHandle, connectionId: string, since: number): Promise<void> {
  if (since <= 0) return;
  const prunedThrough = await recordsRepository(store).prunedThrough(connectionId);
  if (since < prunedThrough)
    throw new TenantlinkError(
      'FEED_CURSOR_EXPIRED',
      `Deletions up to sequence ${prunedThrough} were pruned from this feed, so reading from ${since} could miss some.`,
      {
        status: 410,
        diagnosis: {
          meaning: 'The feed keeps deletions for a limited time (feedRetentionDays); this cursor is older than that.',
          fix: 'Read the feed again from since=0 and replace your copy with what it returns: a record missing from it was deleted.',
        },
      },
    );
}
