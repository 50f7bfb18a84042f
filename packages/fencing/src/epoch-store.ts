/**
 * Where fencing epochs live: one row per fencing key, whose epoch only grows. Backends:
 * `PostgresEpochStore`, `SqlServerEpochStore`, `InMemoryEpochStore` (tests).
 */
export interface EpochStore {
  /**
   * Bumps and returns the epoch of `key` in one round trip: 1 for a new key, else the stored
   * epoch + 1. Call it once per grant of the lock `key` stands for, while holding that lock.
   */
  nextEpoch(key: string, signal?: AbortSignal): Promise<bigint>;
  /** The stored epoch of `key`, or `undefined` when it has none (reads without locking). */
  currentEpoch(key: string, signal?: AbortSignal): Promise<bigint | undefined>;
}
