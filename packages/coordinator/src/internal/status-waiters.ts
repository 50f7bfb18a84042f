import { CoordinatorError } from '../coordinator-error';
import type { CoordinatorStatus } from '../coordinator-status';

/** Options of the test awaiters (`whenOwned`, `whenStopped`). */
export interface WaitOptions {
  /** Abandons the wait (rejects with `signal.reason`). */
  readonly signal?: AbortSignal;
  /**
   * Wall-clock limit; rejects with `CoordinatorError` (`TIMEOUT`). Default 30 000 ms (these are
   * test awaiters). `Infinity` waits without a limit (until `signal` aborts).
   */
  readonly timeoutMs?: number;
}

interface Waiter {
  readonly predicate: (status: CoordinatorStatus) => boolean;
  readonly resolve: (status: CoordinatorStatus) => void;
}

/** Promises that resolve once a status predicate holds; re-checked on every change. */
export class StatusWaiters {
  readonly #status: () => CoordinatorStatus;
  readonly #waiters = new Set<Waiter>();
  #scheduled = false;

  constructor(status: () => CoordinatorStatus) {
    this.#status = status;
  }

  wait(predicate: (status: CoordinatorStatus) => boolean, what: string, options: WaitOptions = {}): Promise<CoordinatorStatus> {
    const now = this.#status();
    if (predicate(now)) return Promise.resolve(now);
    const { signal, timeoutMs = 30_000 } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<CoordinatorStatus>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        predicate,
        resolve: (status) => {
          cleanup();
          resolve(status);
        },
      };
      const onAbort = (): void => {
        cleanup();
        reject(signal?.reason);
      };
      // setTimeout fires at once for delays above 2^31-1 ms, so a limit that long is no limit.
      const timer =
        timeoutMs > 2_147_483_647
          ? undefined
          : setTimeout(() => {
              cleanup();
              reject(new CoordinatorError('TIMEOUT', `${what} not reached within ${timeoutMs} ms`));
            }, timeoutMs);
      timer?.unref?.();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * Re-checks the waiters once per event-loop turn however many events arrive in it: starting
   * 10 000 agents emits 10 000 events, and a full status per event was quadratic.
   */
  notify(): void {
    if (this.#waiters.size === 0 || this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#check();
    });
  }

  #check(): void {
    if (this.#waiters.size === 0) return;
    const status = this.#status();
    for (const waiter of [...this.#waiters]) {
      let done: boolean;
      try {
        done = waiter.predicate(status);
      } catch {
        done = false;
      }
      if (done) waiter.resolve(status);
    }
  }
}
