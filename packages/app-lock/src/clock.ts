import { setTimeout as delay } from 'node:timers/promises';

/** Time source for every timer in `@polecat` packages; inject a fake one in tests. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds; rejects with `signal.reason` when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock (`Date.now`, `timers/promises`). A pending sleep keeps the process alive, as any
 * awaited timer does: a running coordinator is work in progress.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, signal === undefined ? undefined : { signal }),
};
