import type { Clock } from '@polecat/kit';
import { parkedSleep, type Sleeper, type SleeperQueue } from './parked-sleep';

/**
 * Virtual time that runs by itself: every millisecond of real time, the earliest pending sleep
 * wakes and `now()` jumps to its deadline, so long waits take almost no real time while their
 * order is kept. {@link VirtualClock.dispose} stops the ticker (call it after the test).
 */
export class VirtualClock implements Clock, Disposable {
  /** The current virtual time in ms (default start 1 000 000). */
  time: number;
  readonly #pending: Sleeper[] = [];
  readonly #ticker: NodeJS.Timeout;
  readonly #queue: SleeperQueue = {
    park: (sleeper) => this.#pending.push(sleeper),
    unpark: (sleeper) => {
      const index = this.#pending.indexOf(sleeper);
      if (index >= 0) this.#pending.splice(index, 1);
      return index >= 0;
    },
  };

  constructor(start = 1_000_000) {
    this.time = start;
    this.#ticker = setInterval(() => this.#wakeEarliest(), 1);
    this.#ticker.unref();
  }

  now(): number {
    return this.time;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return parkedSleep(this.#queue, this.time + ms, signal);
  }

  /** Stops the ticker; pending sleeps never wake. */
  dispose(): void {
    clearInterval(this.#ticker);
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  #wakeEarliest(): void {
    this.#pending.sort((a, b) => a.at - b.at);
    const next = this.#pending.shift();
    if (next === undefined) return;
    this.time = Math.max(this.time, next.at);
    next.resolve();
  }
}
