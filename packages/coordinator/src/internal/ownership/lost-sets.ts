import type { LockLostError } from '@polecat/app-lock';
import type { ProjectionSet, SetsLostEvent } from '@polecat/distributors';
import type { SetOwnership } from './set-ownership';

/**
 * The coordinator's room for a lost lock (the distributor's `onSetsLost`): the lost sets' agents
 * are aborted at once (not at the next poll), the lock owner's `hold` is handed each lost
 * set's drain, and the loop is woken unless a drain will wake it (a tracked set is attempted again
 * only once its agents returned).
 */
export function onSetsLost(ownership: SetOwnership, event: SetsLostEvent): void {
  const { logger, wake } = ownership.services;
  // the hold must be taken during this dispatch (it throws later): loseSets does so, synchronously
  const hold = event.hold ?? event.waitUntil;
  const draining = loseSets(ownership, event.sets, event.error, hold === undefined ? undefined : (work) => hold(work));
  for (const set of event.sets) logger.debug('set lost', { set: set.key, lockId: set.lockId });
  if (!draining) wake();
}

/**
 * Lost locks: abort their agents now. Returns whether any was tracked (its drain wakes the loop
 * once its agents returned).
 *
 * `hold` (the lock owner's, see `SetsLostEvent.hold`) receives the drain of every lost
 * set whose agents still run here (tracked ones, just aborted, and ones already draining after a
 * stop or hand-over): a lock connection this side gave up then stays open until they returned,
 * so the server grants the sets to no other node meanwhile.
 */
export function loseSets(ownership: SetOwnership, sets: readonly ProjectionSet[], error: LockLostError, hold?: (work: PromiseLike<unknown>) => void): boolean {
  const { logger, events } = ownership.services;
  let any = false;
  const ownedBefore = new Set(sets.filter((set) => ownership.isTracked(set.key)).map((set) => set.key));
  for (const set of sets) {
    if (ownership.isTracked(set.key)) {
      any = true;
      // (the operator's line, with shard names, is the coordinator's "ownership changed")
      logger.debug('lock lost; aborting its agents', { set: set.key, lockId: set.lockId, reason: error.reason });
      ownership.track(ownership.stopSet(set, 'lock-lost', false, error).then(() => events.emit('lockLost', { set, error })));
    }
    // (stopSet began the set's drain synchronously, so it is found here)
    const drained = ownership.whenSettled(set.key);
    if (drained !== undefined) hold?.(drained);
    // A set already draining (hand-over, pause, stop) lost its lock before its release: still a
    // loss, announced once its agents returned, as for an owned set.
    if (!ownership.isTracked(set.key) && drained !== undefined && !ownedBefore.has(set.key)) {
      ownership.track(drained.then(() => events.emit('lockLost', { set, error })));
    }
  }
  return any;
}
