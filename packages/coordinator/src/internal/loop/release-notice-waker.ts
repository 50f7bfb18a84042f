import type { Clock } from '@polecat/app-lock';

/** How long a burst of release notices is gathered into one wake-up. */
export const RELEASE_NOTICE_COALESCE_MS = 5;

/**
 * Turns release notices ("another node released locks") into coordinator wake-ups, coalesced: the
 * first notice schedules ONE wake `coalesceMs` later and every notice until then joins it, so a
 * burst (a node stopping releases per database, balancing hands several sets over) costs one extra
 * cycle, i.e. at most one extra lock round trip per database, not one per notice. A wake that
 * lands while a cycle runs makes the loop run once more right after it (never more).
 */
export class ReleaseNoticeWaker {
  readonly #wake: () => void;
  readonly #clock: Clock;
  readonly #coalesceMs: number;
  readonly #lifetime = new AbortController();
  #scheduled = false;
  #notices = 0;
  #wakes = 0;

  constructor(wake: () => void, clock: Clock, coalesceMs: number = RELEASE_NOTICE_COALESCE_MS) {
    this.#wake = wake;
    this.#clock = clock;
    this.#coalesceMs = coalesceMs;
  }

  /** Notices heard and wake-ups caused so far (for tests and diagnostics). */
  get counts(): { readonly notices: number; readonly wakes: number } {
    return { notices: this.#notices, wakes: this.#wakes };
  }

  /** One notice heard. */
  notice(): void {
    if (this.#lifetime.signal.aborted) return;
    this.#notices += 1;
    if (this.#scheduled) return;
    this.#scheduled = true;
    this.#clock.sleep(this.#coalesceMs, this.#lifetime.signal, { ref: false }).then(
      () => {
        this.#scheduled = false;
        this.#wakes += 1;
        this.#wake();
      },
      () => {
        this.#scheduled = false;
      },
    );
  }

  /** Drops a pending wake; later notices are ignored. */
  dispose(): void {
    this.#lifetime.abort();
  }
}
