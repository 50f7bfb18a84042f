import type { Clock, Logger } from '@polecat/app-lock';
import { ListenerSet, logListenerError } from '@polecat/kit';
import type { LockRoundTripEvent, LockRoundTripOperation } from '../../lock-round-trip';

/** Times the distributor's lock round trips and hands them to `onLockRoundTrip` listeners. */
export class RoundTripReporter {
  readonly #listeners: ListenerSet<[LockRoundTripEvent]>;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(clock: Clock, logger: Logger) {
    this.#clock = clock;
    this.#logger = logger;
    this.#listeners = new ListenerSet(logListenerError(logger, 'lock round-trip'));
  }

  /** Whether someone listens (then that listener reports failures; the distributor does not log them). */
  get observed(): boolean {
    return this.#listeners.size > 0;
  }

  on(listener: (event: LockRoundTripEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /**
   * Runs one round trip, reporting its duration and outcome (the result or error passes through):
   * one event per database it served (a lock home's round trip serves all its databases at once;
   * `lockHost` then names the home).
   */
  async time<T>(databaseIds: readonly string[], operation: LockRoundTripOperation, request: () => Promise<T>, lockHost?: string): Promise<T> {
    if (this.#listeners.size === 0) return request();
    const startedAt = this.#clock.now();
    const home = lockHost === undefined ? {} : { lockHost };
    try {
      const result = await request();
      const durationMs = this.#clock.now() - startedAt;
      for (const databaseId of databaseIds) this.#listeners.emit({ databaseId, operation, durationMs, ...home });
      return result;
    } catch (error) {
      const durationMs = this.#clock.now() - startedAt;
      for (const databaseId of databaseIds) this.#listeners.emit({ databaseId, operation, durationMs, error, ...home });
      throw error;
    }
  }

  /** Logs a failed round trip as a warning, unless a listener reports it (then nothing: no duplicate lines per retry). */
  failed(message: string, fields: Record<string, unknown>): void {
    if (!this.observed) this.#logger.warn(message, fields);
  }
}
