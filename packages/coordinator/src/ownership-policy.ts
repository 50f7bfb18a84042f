import type { ProjectionSet } from '@polecat/distributors';

/** What an {@link OwnershipPolicy} sees each cycle. */
export interface OwnershipContext {
  /** Every set of this cycle's distribution. */
  readonly distribution: readonly ProjectionSet[];
  /** Sets this node holds (and keeps, so far). */
  readonly owned: readonly ProjectionSet[];
  /** Sets not held here and not backing off: what the node could try to attain. */
  readonly candidates: readonly ProjectionSet[];
}

/** An {@link OwnershipPolicy}'s answer. */
export interface OwnershipDecision {
  /** Sets to try this cycle (a subset of `candidates`), in ONE batched attempt. */
  readonly attempt: readonly ProjectionSet[];
  /** Owned sets to hand over gracefully: their agents are stopped, then their locks released. */
  readonly handOver?: readonly ProjectionSet[];
}

/**
 * Decides which sets a node tries to attain and which it hands over: the seam for balancing
 * ("attain only while under my fair share", "hand extras over"). Must be pure and fast.
 */
export interface OwnershipPolicy {
  select(context: OwnershipContext): OwnershipDecision;
}

/** The original behaviour: try every candidate, hand nothing over. */
export const greedyOwnershipPolicy: OwnershipPolicy = Object.freeze({
  select: (context: OwnershipContext): OwnershipDecision => ({ attempt: context.candidates }),
});

/**
 * A simple cap: attain only while holding fewer than `limit()` sets; hand over the excess.
 * `limit` is read each cycle (e.g. `Math.ceil(total / liveNodes)`).
 */
export function shareLimitPolicy(limit: (context: OwnershipContext) => number): OwnershipPolicy {
  return {
    select(context) {
      const max = Math.max(0, Math.floor(limit(context)));
      const room = Math.max(0, max - context.owned.length);
      const excess = Math.max(0, context.owned.length - max);
      return {
        attempt: context.candidates.slice(0, room),
        handOver: excess > 0 ? context.owned.slice(context.owned.length - excess) : [],
      };
    },
  };
}
