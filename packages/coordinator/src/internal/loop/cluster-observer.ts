import type { Logger } from '@polecat/app-lock';
import type { ProjectionDistributor, ProjectionSet } from '@polecat/distributors';
import type { ClusterView } from '../../ownership-policy';

/**
 * Sends the membership probe of a cycle (when the distributor supports it and there is something
 * to decide) and remembers, across cycles, since when each set has been seen free.
 */
export class ClusterObserver {
  #freeSince = new Map<string, number>();

  /**
   * Resolves `undefined` (no probe sent) when the distributor cannot probe, or when this node holds
   * every set and at most one of them (nothing to take, nothing to hand over), or when the probe
   * failed (logged; the policy then falls back to the original behaviour).
   */
  async observe(
    distributor: ProjectionDistributor,
    distribution: readonly ProjectionSet[],
    now: number,
    logger: Logger,
    signal: AbortSignal,
  ): Promise<ClusterView | undefined> {
    if (typeof distributor.probeMembership !== 'function') return undefined;
    // (at most one set, held here: nothing to decide; no walk of a large distribution)
    if (distribution.length <= 1 && distribution.every((set) => distributor.hasLock(set))) return undefined;
    let seen;
    try {
      seen = await distributor.probeMembership(distribution, { signal });
    } catch (error) {
      if (!signal.aborted) logger.warn('membership probe failed; balancing skipped this cycle', { error });
      return undefined;
    }
    const liveNodes = new Map<string, number>();
    const freeSince = new Map<string, number>();
    const ranks = new Map<string, number>();
    for (const [database, membership] of seen) {
      liveNodes.set(database, membership.liveNodes);
      if (membership.rank !== undefined) ranks.set(database, membership.rank);
      for (const key of membership.free) freeSince.set(key, this.#freeSince.get(key) ?? now);
    }
    this.#freeSince = freeSince;
    return { liveNodes, freeSince, now, ranks };
  }
}
