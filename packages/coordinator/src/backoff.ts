/**
 * Retry policy (as data) for sets whose agents fail to start: the n-th consecutive failure waits
 * `min(maxMs, initialMs * factor^(n-1))` before this node tries the set again.
 */
export interface BackoffPolicy {
  /** Delay after the first failure. Default 1000 ms. */
  readonly initialMs: number;
  /** Growth per consecutive failure. Default 2. */
  readonly factor: number;
  /** Cap. Default 60 000 ms. */
  readonly maxMs: number;
}

/** The default {@link BackoffPolicy}: 1 s, doubling, capped at 60 s. */
export const DEFAULT_BACKOFF_POLICY: BackoffPolicy = Object.freeze({ initialMs: 1000, factor: 2, maxMs: 60_000 });

/** Backoff state of one set on this node. */
export interface BackoffEntry {
  /** Consecutive failures (>= 1). */
  readonly failures: number;
  /** Clock ms before which the set is not tried again here. */
  readonly nextAttemptAt: number;
  /** The last failure. */
  readonly lastError?: unknown;
}

/**
 * Delay before the next try after `failures` consecutive failures (`failures >= 1`).
 * @example backoffDelay(DEFAULT_BACKOFF_POLICY, 3) // 4000
 */
export function backoffDelay(policy: BackoffPolicy, failures: number): number {
  const n = Math.max(1, Math.floor(failures));
  const raw = policy.initialMs * Math.pow(policy.factor, n - 1);
  return Math.min(policy.maxMs, Number.isFinite(raw) ? raw : policy.maxMs);
}

/** The entry after one more failure at `now`. */
export function nextBackoff(policy: BackoffPolicy, previous: BackoffEntry | undefined, now: number, error?: unknown): BackoffEntry {
  const failures = (previous?.failures ?? 0) + 1;
  return { failures, nextAttemptAt: now + backoffDelay(policy, failures), lastError: error };
}

/** `true` while `entry` forbids trying its set at `now`. */
export function isBackingOff(entry: BackoffEntry | undefined, now: number): boolean {
  return entry !== undefined && entry.nextAttemptAt > now;
}
