import type { BackoffPolicy } from '../../backoff';

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

/** The sets this node backs off (set key -> entry), after start failures and some hand-overs. */
export class SetBackoff {
  readonly #policy: BackoffPolicy;
  readonly #entries = new Map<string, BackoffEntry>();

  constructor(policy: BackoffPolicy) {
    this.#policy = policy;
  }

  /** The entries, read by the planner and the sleep decision. */
  get entries(): ReadonlyMap<string, BackoffEntry> {
    return this.#entries;
  }

  /** One more failure of `key` at `now`; returns its new entry. */
  fail(key: string, now: number, error: unknown): BackoffEntry {
    const entry = nextBackoff(this.#policy, this.#entries.get(key), now, error);
    this.#entries.set(key, entry);
    return entry;
  }

  /** `key` started well: it is tried normally again. */
  clear(key: string): void {
    this.#entries.delete(key);
  }
}
