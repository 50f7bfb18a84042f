import { setTimeout as delay } from 'node:timers/promises';

/** Options of {@link Clock.sleep}. */
export interface SleepOptions {
  /** Whether the pending timer keeps the process alive. Default `true`. */
  readonly ref?: boolean;
}

/** Time source for every timer in `@polecat` packages; inject a fake one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects when `signal` aborts first ({@link systemClock}: an
   * `AbortError` whose `cause` is `signal.reason`).
   * With `{ ref: false }` the pending timer does not keep the process alive (housekeeping timers).
   */
  sleep(ms: number, signal?: AbortSignal, options?: SleepOptions): Promise<void>;
}

/**
 * The real clock (`Date.now`, `timers/promises`). A pending sleep keeps the process alive, as any
 * awaited timer does (a running coordinator is work in progress), unless `{ ref: false }`.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal, options) => delay(ms, undefined, { ref: options?.ref ?? true, ...(signal === undefined ? {} : { signal }) }),
};
