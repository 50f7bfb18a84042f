import type { ProjectionSet } from '@polecat/distributors';

/** What an {@link OwnershipPolicy} sees each cycle. */
export interface OwnershipContext {
  /** Every set of this cycle's distribution. */
  readonly distribution: readonly ProjectionSet[];
  /** Sets this node holds (and keeps, so far). */
  readonly owned: readonly ProjectionSet[];
  /** Sets not held here and not backing off: what the node could try to attain. */
  readonly candidates: readonly ProjectionSet[];
  /**
   * What this cycle's membership probe saw; present only for a policy with `usesMembership` whose
   * distributor implements `probeMembership`, and only when a probe was sent this cycle.
   */
  readonly cluster?: ClusterView;
}

/** The cluster as the membership probe of this cycle saw it (see `ProjectionDistributor.probeMembership`). */
export interface ClusterView {
  /** Live nodes (this one included) per database id, for the databases that could be probed. */
  readonly liveNodes: ReadonlyMap<string, number>;
  /**
   * Keys of candidate sets that no node holds, each with the clock time (ms) since which
   * consecutive probes have seen it free.
   */
  readonly freeSince: ReadonlyMap<string, number>;
  /** Clock time (ms) of this cycle. */
  readonly now: number;
  /**
   * This node's rank (0-based) among the live members of each database, in member-slot order (the
   * same order on every node); a database is absent while this node holds no member slot there.
   */
  readonly ranks?: ReadonlyMap<string, number>;
}

/** An {@link OwnershipPolicy}'s answer. */
export interface OwnershipDecision {
  /** Sets to try this cycle (a subset of `candidates`), in ONE batched attempt. */
  readonly attempt: readonly ProjectionSet[];
  /** Owned sets to hand over gracefully: their agents are stopped, then their locks released. */
  readonly handOver?: readonly ProjectionSet[];
  /**
   * Keep at most this many of the sets granted by `attempt`; the surplus is released at once,
   * before any of its agents starts (so a policy can attempt every candidate in its one round trip
   * and still stop at its share). Default: keep all.
   */
  readonly keepAtMost?: number;
  /**
   * Poll again after `takeoverPollingTimeMs` instead of `leadershipPollingTimeMs` (e.g. while balancing:
   * a holder may die or hand a set over soon). A denied attempt already does this. Default `false`.
   */
  readonly pollSoon?: boolean;
}

/**
 * Decides which sets a node tries to attain and which it hands over: the seam for balancing
 * ("attain only while under my fair share", "hand extras over"). Must be pure and fast.
 */
export interface OwnershipPolicy {
  select(context: OwnershipContext): OwnershipDecision;
  /**
   * `true` asks the coordinator for a membership probe before each decision (one extra round trip
   * per database, only when there is something to decide); see {@link OwnershipContext.cluster}.
   */
  readonly usesMembership?: boolean;
}

/** The original behaviour: try every candidate, hand nothing over. */
export const greedyOwnershipPolicy: OwnershipPolicy = Object.freeze({
  select: (context: OwnershipContext): OwnershipDecision => ({ attempt: context.candidates }),
});

/**
 * A simple cap: attain only while holding fewer than `limit()` sets; hand over the excess.
 * `limit` is read each cycle (e.g. `Math.ceil(total / liveNodes)`). While under the cap it attempts
 * EVERY candidate in its one batched round trip (candidates include sets other nodes hold, so
 * attempting only the first few could miss a free one forever) and keeps only as many grants as
 * fit, releasing the surplus at once. For balancing across live nodes use `fairShareOwnershipPolicy`.
 */
export function shareLimitPolicy(limit: (context: OwnershipContext) => number): OwnershipPolicy {
  return {
    select(context) {
      const max = Math.max(0, Math.floor(limit(context)));
      const room = Math.max(0, max - context.owned.length);
      const excess = Math.max(0, context.owned.length - max);
      return {
        attempt: room > 0 ? context.candidates : [],
        keepAtMost: room,
        handOver: excess > 0 ? context.owned.slice(context.owned.length - excess) : [],
      };
    },
  };
}
