import type { Clock } from '@polecat/app-lock';

interface SharedTimer {
  readonly cancel: AbortController;
  /** Resolves `false` when the time is up (or the timer was cancelled). */
  readonly expired: Promise<false>;
  waiting: number;
}

/**
 * A timeout that the waits begun in one tick share: stopping 10 000 agents (or draining 10 000
 * sets) arms ONE timer, cancelled when the last of its waits is over, not one timer, abort
 * controller and abort error each.
 */
export class CoalescedDeadline {
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  #current: SharedTimer | undefined;

  constructor(clock: Clock, timeoutMs: number) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** Waits for `work` at most the timeout; resolves `true` when `work` finished in time. */
  async race(work: Promise<unknown>): Promise<boolean> {
    const shared = this.#join();
    shared.waiting += 1;
    try {
      return await Promise.race([work.then(() => true), shared.expired]);
    } finally {
      shared.waiting -= 1;
      if (shared.waiting === 0) {
        shared.cancel.abort();
        if (this.#current === shared) this.#current = undefined; // a later wait must not join a cancelled timer
      }
    }
  }

  #join(): SharedTimer {
    const existing = this.#current;
    if (existing !== undefined) return existing;
    const cancel = new AbortController();
    const expired = this.#clock.sleep(this.#timeoutMs, cancel.signal).then(
      () => false as const,
      () => false as const,
    );
    const created: SharedTimer = { cancel, expired, waiting: 0 };
    this.#current = created;
    queueMicrotask(() => {
      if (this.#current === created) this.#current = undefined; // waits of a later tick start their own
    });
    return created;
  }
}
