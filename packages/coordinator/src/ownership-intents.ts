import type { ProjectionSet } from '@polecat/distributors';

/** Why a set is withheld from this node this cycle (see {@link OwnershipIntents}). */
export type WithholdReason = 'paused' | 'draining';

/**
 * What operators ask of this node right now: desired state that overrides lock ownership. A
 * withheld set is never attempted here, and one held here is handed over (agents stopped, then
 * its lock released), the same way a balancing hand-over is.
 */
export interface OwnershipIntents {
  /**
   * Shard identities (`Trip:All`, as in `ShardName.identity`) or set keys (`{database}/{lockId}`)
   * that must run nowhere. A set is withheld when its key or any of its shards is listed (a set's
   * shards share one lock, so they stop together).
   */
  readonly paused: ReadonlySet<string>;
  /** This node is draining: it hands every set over and attempts none. */
  readonly draining: boolean;
}

/** No intent: run as usual. */
export const NO_OWNERSHIP_INTENTS: OwnershipIntents = Object.freeze({ paused: new Set<string>(), draining: false });

/** What {@link OwnershipIntentSource.read} is given each cycle. */
export interface OwnershipIntentReadContext {
  /** This cycle's distribution (every set this node knows). */
  readonly distribution: readonly ProjectionSet[];
  /** Aborted when the coordinator stops or pauses. */
  readonly signal: AbortSignal;
}

/**
 * Where a coordinator reads its {@link OwnershipIntents} (option `ownershipIntents`): consulted at
 * the start of every cycle, after the distribution is built. Backends (a table, an admin endpoint)
 * live outside the core, e.g. `@polecat/ops`.
 */
export interface OwnershipIntentSource {
  /**
   * The intents in force. May answer from a cache. A rejection is logged and the last intents read
   * stay in force (none before the first successful read).
   */
  read(context: OwnershipIntentReadContext): OwnershipIntents | Promise<OwnershipIntents>;
  /** Optional: calls `listener` when the intents may have changed, so the loop runs a cycle at once. Returns the unsubscribe function. */
  onChange?(listener: () => void): () => void;
}
