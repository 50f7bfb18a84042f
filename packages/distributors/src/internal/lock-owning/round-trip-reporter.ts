import type { Clock, Logger } from '@polecat/app-lock';
import { ListenerSet, logListenerError } from '@polecat/kit';
import type { LockRoundTripEvent, LockRoundTripOperation } from '../../lock-round-trip';

/**
 * Times the distributor's lock round trips and hands them to `onLockRoundTrip` listeners (kit's
 * {@link ListenerSet}: `add` subscribes); with none, a failure is logged instead ({@link RoundTripReporter.failed}).
 */
export class RoundTripReporter extends ListenerSet<[LockRoundTripEvent]> {
  readonly #clock: Clock;
  readonly #warn: Logger['warn'];

  constructor(clock: Clock, logger: Logger) {
    super(logListenerError(logger, 'lock round-trip'));
    this.#clock = clock;
    this.#warn = logger.warn.bind(logger);
  }

  /**
   * Runs one round trip, reporting its duration and outcome (the result or error passes through):
   * one event per database it served (a lock home's round trip serves all its databases at once;
   * `lockHost` then names the home).
   */
  async time<T>(databaseIds: readonly string[], operation: LockRoundTripOperation, request: () => Promise<T>, lockHost?: string): Promise<T> {
    if (this.size === 0) return request();
    const startedAt = this.#clock.now();
    const home = lockHost === undefined ? {} : { lockHost };
    try {
      const result = await request();
      const durationMs = this.#clock.now() - startedAt;
      for (const databaseId of databaseIds) this.emit({ databaseId, operation, durationMs, ...home });
      return result;
    } catch (error) {
      const durationMs = this.#clock.now() - startedAt;
      for (const databaseId of databaseIds) this.emit({ databaseId, operation, durationMs, error, ...home });
      throw error;
    }
  }

  /** Logs a failed round trip as a warning, unless a listener reports it (then nothing: no duplicate lines per retry). */
  failed(message: string, fields: Record<string, unknown>): void {
    if (this.size === 0) this.#warn(message, fields);
  }
}
