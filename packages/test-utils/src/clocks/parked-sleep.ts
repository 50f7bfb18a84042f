/** A sleep waiting for a fake clock to reach `at`. */
export interface Sleeper {
  readonly at: number;
  readonly resolve: () => void;
}

/** Where a fake clock keeps its sleepers: `park` adds one, `unpark` removes it (`false`: already woken). */
export interface SleeperQueue {
  park(sleeper: Sleeper): void;
  unpark(sleeper: Sleeper): boolean;
}

/**
 * A sleep until `at` that the clock wakes by calling the sleeper's `resolve`; rejects with the
 * signal's reason (and leaves the queue) when `signal` aborts first.
 */
export function parkedSleep(queue: SleeperQueue, at: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const sleeper: Sleeper = { at, resolve: () => resolve() };
    queue.park(sleeper);
    signal?.addEventListener(
      'abort',
      () => {
        if (queue.unpark(sleeper)) reject(signal.reason);
      },
      { once: true },
    );
  });
}
