import type { ReleaseOptions } from '@polecat/app-lock';
import { DistributorError } from '../../errors';
import type { ProjectionSet } from '../../projection-set';
import type { LockOwner } from './lock-owners';
import type { OwnerGroup } from './owner-groups';

/**
 * Releases each group's sets through its owner: ONE `releaseLocks` round trip (chunked by the lock
 * when too large for one) when the lock has it, else one `releaseLock` per id; then rings the
 * owner's bell (member watchers of locks without server release notices hear it). Every group is
 * tried; resolves with the errors of those that failed.
 */
export async function releaseGroups(groups: Iterable<OwnerGroup<ProjectionSet>>, options?: ReleaseOptions): Promise<unknown[]> {
  const results = await Promise.allSettled(
    [...groups].map(async ({ owner, items }) => {
      await releaseIds(owner, [...new Set(items.map((set) => set.lockId))], options);
      owner.bell?.ring();
    }),
  );
  return results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
}

async function releaseIds({ lock }: LockOwner, ids: readonly ProjectionSet['lockId'][], options: ReleaseOptions | undefined): Promise<void> {
  if (lock.releaseLocks !== undefined) await lock.releaseLocks(ids, options);
  else await Promise.all(ids.map((id) => lock.releaseLock(id, options)));
}

/** @throws DistributorError `RELEASE_FAILED` (the one error as its cause, several as an `AggregateError`) when `errors` is not empty. */
export function throwIfReleasesFailed(errors: readonly unknown[], what: string): void {
  if (errors.length === 0) return;
  throw new DistributorError('RELEASE_FAILED', `Releasing locks failed for ${errors.length} ${what}`, {
    cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
  });
}
