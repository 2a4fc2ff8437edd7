/**
 * Memberships follow the users the filters keep: a membership shows in the feed only while its member is a kept
 * user (or a kept group). One whose member is out of scope is stored deleted with reason `outOfScope` and its ids,
 * so it can show again when the member comes into scope, without asking Graph for it.
 */
import type { ApplyContext } from '../dataset.js';
import { MODELS } from './records.js';

/** Shows the stored out-of-scope memberships of users who came into scope. */
export async function revealMemberships(userIds: readonly string[], context: ApplyContext): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await context.records.byRef(context.connectionId, MODELS.memberships, userIds, { reason: 'outOfScope' });
  await context.write(
    rows
      .filter((r) => r.data !== null)
      .map((r) => ({ op: 'upsert' as const, model: MODELS.memberships, id: r.id, data: r.data! })),
    // Consequences, not reads: a full read must still delete them if Graph no longer has them.
    { seen: false },
  );
}

/** Hides the shown memberships of users who left scope (or were deleted), keeping them to show again. */
export async function hideMemberships(userIds: readonly string[], context: ApplyContext): Promise<void> {
  if (userIds.length === 0) return;
  const rows = await context.records.byRef(context.connectionId, MODELS.memberships, userIds, { deleted: false });
  await context.write(
    rows.map((r) => ({
      op: 'delete' as const,
      model: MODELS.memberships,
      id: r.id,
      reason: 'outOfScope' as const,
      ...(r.data ? { keep: r.data } : {}),
    })),
    { seen: false },
  );
}
