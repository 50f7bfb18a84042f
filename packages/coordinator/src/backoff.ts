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
