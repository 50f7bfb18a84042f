import type { ProjectionSet } from '@polecat/distributors';

/**
 * Fencing hook: hands out an epoch that only grows for each grant of a set (stored next to the
 * lock, in the same database). When given to a coordinator, it is called on every grant and the
 * epoch reaches agents through `AgentStartContext.epoch`, so their writes can be refused once a
 * newer owner exists.
 */
export interface EpochSource {
  /** The epoch of a new grant of `set`; strictly greater than every earlier one. */
  nextEpoch(set: ProjectionSet, signal?: AbortSignal): Promise<bigint>;
  /**
   * Optional: true when `error` (an agent's failure) means its epoch is stale, i.e. a newer grant
   * exists. Possible even while this node holds the lock: a former owner's grant may commit after
   * ours. The coordinator then hands the set over (stops its agents, releases, backs off) so the
   * next grant is fresh, instead of restarting agents whose writes would be refused forever.
   */
  isStale?(error: unknown): boolean;
}
