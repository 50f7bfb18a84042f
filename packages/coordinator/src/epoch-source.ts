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
}
