import type { Clock } from '@polecat/kit';
import { parkedSleep, type Sleeper, type SleeperQueue } from './parked-sleep';

/**
 * A clock where nothing happens until the test says so: `now()` and every sleep move only with
 * {@link SteppedClock.advance}, which wakes the sleeps whose deadline it passed. An aborted sleep
 * rejects with the signal's reason.
 * @example
 * const clock = new SteppedClock();
 * const waiting = lock.waitForLock(1, { clock });
 * clock.advance(100);
 * await clock.flush(); // let the woken code run
 */
export class SteppedClock implements Clock {
  /** The current time in ms (default start 0). */
  time: number;
  readonly #sleepers = new Set<Sleeper>();
  readonly #queue: SleeperQueue = { park: (sleeper) => this.#sleepers.add(sleeper), unpark: (sleeper) => this.#sleepers.delete(sleeper) };

  constructor(start = 0) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return parkedSleep(this.#queue, this.time + ms, signal);
  }

  /** How many sleeps are waiting. */
  get pending(): number {
    return this.#sleepers.size;
  }

  /** Moves the time forward by `ms` and wakes every sleep whose deadline is now passed. */
  advance(ms: number): void {
    this.time += ms;
    for (const sleeper of [...this.#sleepers]) {
      if (sleeper.at > this.time) continue;
      this.#sleepers.delete(sleeper);
      sleeper.resolve();
    }
  }

  /** Lets promise chains woken by {@link SteppedClock.advance} run (`turns` microtask turns, default 20). */
  async flush(turns = 20): Promise<void> {
    for (let i = 0; i < turns; i++) await Promise.resolve();
  }
}
