import { setTimeout as delay } from 'node:timers/promises';

/** Time source for every timer in `@polecat` packages; inject a fake one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Resolves after `ms` milliseconds; rejects with `signal.reason` when `signal` aborts first.
   * Timers must not keep the process alive on their own (`unref`).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The real clock (`Date.now`, unref'd timers). */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? { ref: false } : { ref: false, signal }),
};
