/** The two configurations every benchmark compares. */
export interface BenchConfig {
  readonly name: 'ours' | 'baseline';
  /** CoordinatorSettingsInput. */
  readonly coordinator: Readonly<Record<string, number>>;
  /** Extra PostgresAppLockOptions. */
  readonly lock: Readonly<Record<string, number>>;
  /** One tryAttain per set, in sequence (the original), instead of one batched round trip. */
  readonly sequentialAttempts: boolean;
}

/** Our defaults: nothing overridden. */
export const OURS: BenchConfig = { name: 'ours', coordinator: {}, lock: {}, sequentialAttempts: false };

/**
 * Behaves like the original: per-set attempts in sequence, 5 s polling for everyone (no faster
 * takeover poll), held locks never verified (`verifyIntervalMs: 0`, in-memory `hasLock` only).
 */
export const BASELINE: BenchConfig = {
  name: 'baseline',
  coordinator: { leadershipPollingTime: 5000, takeoverPollingTime: 5000 },
  lock: { verifyIntervalMs: 0 },
  sequentialAttempts: true,
};

export const CONFIGS = [OURS, BASELINE] as const;

/** Random lock-id base and shard prefix per run. */
export function scope(tag: string): { daemonLockId: number; prefix: string } {
  const daemonLockId = 10_000_000 + Math.floor(Math.random() * 1_000_000_000);
  return { daemonLockId, prefix: `B${tag}${daemonLockId.toString(36)}x` };
}
