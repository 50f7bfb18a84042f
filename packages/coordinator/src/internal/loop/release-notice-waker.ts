import type { Clock } from '@polecat/app-lock';

/** How long a burst of release notices is gathered into one wake-up. */
export const RELEASE_NOTICE_COALESCE_MS = 5;

/**
 * Notice wakes a node may take in quick succession, and the time that earns it one more: a storm of
 * notices (a thousand nodes joining or balancing at once, each join and hand-over announced) wakes a
 * node at most 20 times a second after its first 10 quick wakes, instead of every 5 ms. Isolated
 * notices are never delayed.
 */
export const RELEASE_NOTICE_BURST = 10;
export const RELEASE_NOTICE_REFILL_MS = 50;

/**
 * Turns release notices ("another node released locks") into coordinator wake-ups, coalesced: the
 * first notice schedules ONE wake `coalesceMs` later and every notice until then joins it, so a
 * burst (a node stopping releases per database, balancing hands several sets over) costs one extra
 * cycle, i.e. at most one extra lock round trip per database, not one per notice. A wake that
 * lands while a cycle runs makes the loop run once more right after it (never more). Rate-limited
 * by a token bucket ({@link RELEASE_NOTICE_BURST}, {@link RELEASE_NOTICE_REFILL_MS}): a wake with no
 * token left waits until one is earned.
 */
export class ReleaseNoticeWaker {
  readonly #wake: () => void;
  readonly #clock: Clock;
  readonly #coalesceMs: number;
  readonly #lifetime = new AbortController();
  #scheduled = false;
  #notices = 0;
  #wakes = 0;
  #tokens = RELEASE_NOTICE_BURST;
  #countedAt: number;

  constructor(wake: () => void, clock: Clock, coalesceMs: number = RELEASE_NOTICE_COALESCE_MS) {
    this.#wake = wake;
    this.#clock = clock;
    this.#coalesceMs = coalesceMs;
    this.#countedAt = clock.now();
  }

  /** Tokens earned since the last count (at most the burst). */
  #refill(): void {
    const now = this.#clock.now();
    this.#tokens = Math.min(RELEASE_NOTICE_BURST, this.#tokens + (now - this.#countedAt) / RELEASE_NOTICE_REFILL_MS);
    this.#countedAt = now;
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
    this.#refill();
    const delay = this.#tokens >= 1 ? this.#coalesceMs : Math.max(this.#coalesceMs, Math.ceil((1 - this.#tokens) * RELEASE_NOTICE_REFILL_MS));
    this.#clock.sleep(delay, this.#lifetime.signal, { ref: false }).then(
      () => {
        this.#scheduled = false;
        this.#refill();
        this.#tokens = Math.max(0, this.#tokens - 1);
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
