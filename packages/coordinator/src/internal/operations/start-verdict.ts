import type { Clock } from '@polecat/app-lock';
import type { CoordinatorError } from '../../coordinator-error';

/**
 * What `start()` waits for by default: the first sign that the databases accept this node's lock
 * connections. It settles with the `DATABASE_REFUSED` error of the first round trip that fails for
 * good (wrong password, missing database, refused pooler), or with nothing as soon as a round trip
 * answers, the first cycle ends, the loop halts, or `windowMs` passes (a database that does not
 * answer at all, e.g. a black-holed host, is transient: `start()` resolves and the loop retries
 * with backoff, reported by `health()` and the logger).
 */
export class StartVerdict {
  #settle: ((error: CoordinatorError | undefined) => void) | undefined;

  /** Waits for the verdict; call before the loop starts. */
  async wait(clock: Clock, windowMs: number): Promise<CoordinatorError | undefined> {
    if (windowMs <= 0) return undefined;
    const window = new AbortController();
    const verdict = new Promise<CoordinatorError | undefined>((resolve) => {
      this.#settle = (error) => {
        this.#settle = undefined;
        window.abort();
        resolve(error);
      };
    });
    void clock.sleep(windowMs, window.signal, { ref: false }).then(
      () => this.#settle?.(undefined),
      () => undefined,
    );
    return verdict;
  }

  /** A round trip answered, a cycle ended or the loop halted: nothing refused (so far). */
  answered(): void {
    this.#settle?.(undefined);
  }

  /** A round trip failed for good. */
  refused(error: CoordinatorError): void {
    this.#settle?.(error);
  }
}
