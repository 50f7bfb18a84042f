import type { Clock } from '../clock';
import type { Logger } from '../logger';
import { describeError } from './describe-error';

/** What {@link VerifyLoop} needs from its owner. */
export interface VerifyLoopOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Backend name, for logs. */
  readonly backend: string;
  /** Pause between verifications; `0` disables the loop. */
  readonly intervalMs: number;
  /** Aborted by `dispose()`: the loop ends. */
  readonly lifetime: AbortSignal;
  /** `true` once `dispose()` began. */
  readonly isDisposing: () => boolean;
  /** How many ids are held now: at `0` the loop stops (the next grant restarts it). */
  readonly heldCount: () => number;
  /** One verification round trip (`SessionAppLock.verifyLocks`). */
  readonly verify: () => Promise<unknown>;
}

/**
 * The periodic verification of held locks: runs only while something is held, never keeps the
 * process alive by itself, logs (and survives) a failed verification.
 */
export class VerifyLoop {
  readonly #options: VerifyLoopOptions;
  #running = false;

  constructor(options: VerifyLoopOptions) {
    this.#options = options;
  }

  /** Starts the loop unless it runs already (or is disabled). Call after every grant. */
  start(): void {
    if (this.#running || this.#options.intervalMs === 0) return;
    this.#running = true;
    void this.#run();
  }

  async #run(): Promise<void> {
    const { clock, logger, backend, intervalMs, lifetime, isDisposing, heldCount, verify } = this.#options;
    while (!lifetime.aborted) {
      try {
        // housekeeping: an idle lock owner must not keep the process alive by itself
        await clock.sleep(intervalMs, lifetime, { ref: false });
      } catch {
        return;
      }
      if (isDisposing()) return;
      if (heldCount() === 0) {
        // nothing to watch: stop (so an idle owner keeps no timer alive); the next grant restarts it
        this.#running = false;
        return;
      }
      try {
        await verify();
      } catch (error) {
        logger.warn('lock verification failed', { backend, error: describeError(error) });
      }
    }
  }
}
