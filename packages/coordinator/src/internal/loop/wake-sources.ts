import type { Coordination } from '../coordination';
import { onSetsLost } from '../ownership/lost-sets';
import { ReleaseNoticeWaker } from './release-notice-waker';

/**
 * The ONE subscription of a coordinator to what happens outside its loop, with one disposer:
 * - a lost lock (`onSetsLost`: aborts the set's agents at once, see `lost-sets.ts`; wakes the loop);
 * - a release notice from another node (a graceful stop, a hand-over): a coalesced wake-up, so the
 *   freed sets are tried now, not at the next poll;
 * - a member that left (its slot, watched by a waiting lock request, was granted here): a cycle
 *   now, to take a new fair share;
 * - each lock round trip (reachability, the `lockRoundTrip` event);
 * - a change of the operator intents (`OwnershipIntentSource.onChange`).
 * The operations side hears notices and departures from here (it never subscribes again).
 */
export function subscribeWakeSources(c: Coordination): () => void {
  const { distributor, operations, ownership, events, logger, clock, wake } = c;
  const disposers: (() => void)[] = [];
  disposers.push(distributor.onSetsLost((event) => onSetsLost(ownership, event)));
  if (typeof distributor.onReleaseNotice === 'function') {
    const waker = new ReleaseNoticeWaker(wake, clock);
    disposers.push(
      distributor.onReleaseNotice((notice) => {
        waker.notice();
        operations.releaseNoticed(notice?.reason);
      }),
      () => waker.dispose(),
    );
  }
  if (typeof distributor.onMemberLeft === 'function') {
    disposers.push(
      distributor.onMemberLeft((databaseId) => {
        logger.debug('a member left; cycling now', { database: databaseId });
        events.emit('memberLeft', { databaseId });
        wake();
      }),
    );
  }
  if (typeof distributor.onLockRoundTrip === 'function') disposers.push(distributor.onLockRoundTrip((event) => operations.lockRoundTrip(event)));
  const intents = c.intentSource;
  if (typeof intents?.onChange === 'function') disposers.push(intents.onChange(() => wake()));
  return () => {
    for (const dispose of disposers.splice(0)) dispose();
  };
}
