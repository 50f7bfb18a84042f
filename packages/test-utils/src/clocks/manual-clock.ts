import type { Clock } from '@polecat/kit';

/**
 * A clock whose `now()` moves only with {@link ManualClock.advance}, while sleeps are real (unref-ed)
 * timers: time-dependent decisions are deterministic, waits are real.
 * @example const clock = new ManualClock(); clock.advance(5_000); // 5 s "passed" for now()
 */
export class ManualClock implements Clock {
  /** The current time in ms (default start 1 000 000); tests may also set it. */
  time: number;

  constructor(start = 1_000_000) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Moves `now()` forward by `ms`. */
  advance(ms: number): void {
    this.time += ms;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }
}
