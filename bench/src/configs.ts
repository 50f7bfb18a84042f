/** The two configurations every benchmark compares. */
export interface BenchConfig {
  readonly name: 'ours' | 'balanced' | 'unwatched' | 'baseline';
  /** CoordinatorSettingsInput. */
  readonly coordinator: Readonly<Record<string, number | boolean>>;
  /** Extra PostgresAppLockOptions. */
  readonly lock: Readonly<Record<string, number | boolean>>;
  /** One tryAttain per set, in sequence (the original), instead of one batched round trip. */
  readonly sequentialAttempts: boolean;
  /** The distributors' `watchMembers` (member watchers); default: the distributor's (on). */
  readonly watchMembers?: boolean;
}

/**
 * Our defaults, except balancing (`balance: false`): these benchmarks measure one owner holding
 * every shard and one standby (hot-cold), which even-load balancing would split in halves. The
 * balancing figures come from the coordinator's balancing tests.
 */
export const OURS: BenchConfig = { name: 'ours', coordinator: { balance: false }, lock: {}, sequentialAttempts: false };

/**
 * Our defaults exactly, balancing included: measured in the takeover benchmark only (3 nodes share
 * the shards evenly, so the victim owns about a third of them instead of all).
 */
export const BALANCED: BenchConfig = { name: 'balanced', coordinator: {}, lock: {}, sequentialAttempts: false };

/**
 * Our defaults without member watchers (`watchMembers: false`): standbys learn of a dead member at
 * their next poll. Only with `--unwatched` (the "before" of the 4-node rows).
 */
export const UNWATCHED: BenchConfig = { name: 'unwatched', coordinator: {}, lock: {}, sequentialAttempts: false, watchMembers: false };

/**
 * Behaves like the original: per-set attempts in sequence, 5 s polling for everyone (no faster
 * takeover poll, no takeover grace), held locks never verified (`verifyIntervalMs: 0`, in-memory `hasLock` only), no
 * release notices (`releaseChannel: false`: standbys learn of a release at their next poll), no
 * balancing (the first node up keeps everything).
 */
export const BASELINE: BenchConfig = {
  name: 'baseline',
  coordinator: { leadershipPollingTimeMs: 5000, takeoverPollingTimeMs: 5000, takeoverGraceMs: 0, balance: false },
  lock: { verifyIntervalMs: 0, releaseChannel: false },
  sequentialAttempts: true,
};

export const CONFIGS = [OURS, BASELINE] as const;

/** Random lock-id base and shard prefix per run. */
export function scope(tag: string): { daemonLockId: number; prefix: string } {
  const daemonLockId = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
  return { daemonLockId, prefix: `B${tag}${daemonLockId.toString(36)}x` };
}
