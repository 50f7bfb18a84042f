import type { Logger } from './logger';

/** A listener of a {@link ListenerSet} whose events carry `Args`. */
export type Listener<Args extends unknown[]> = (...args: Args) => void;

/**
 * The listeners of one event, `Args` being what an event carries (`[]`: nothing,
 * `[LockLostEvent]`: one value): {@link ListenerSet.add} returns the disposer, and
 * {@link ListenerSet.emit} calls every listener present when the emit began, so one that throws
 * never stops the others nor the emitter's caller: its error goes to `onListenerError`.
 * @example
 * const lost = new ListenerSet<[LockLostEvent]>((error) => logger.error('a lock-lost listener threw', { error }));
 * const off = lost.add((event) => console.log(event.ids));
 * lost.emit(event);
 * off();
 */
export class ListenerSet<Args extends unknown[] = []> {
  readonly #listeners = new Set<Listener<Args>>();
  readonly #onListenerError: (error: unknown) => void;

  /** @param onListenerError receives what a listener throws (default: dropped). */
  constructor(onListenerError: (error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  /** How many listeners are subscribed. */
  get size(): number {
    return this.#listeners.size;
  }

  /**
   * Subscribes `listener`; the returned function unsubscribes it. Like `addEventListener`, adding
   * the same function again is one subscription.
   */
  add(listener: Listener<Args>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls every current listener with `args`; a listener that throws is reported and skipped. */
  emit(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (error) {
        try {
          this.#onListenerError(error);
        } catch {
          // the reporter itself failed: nothing more to do, the other listeners still run
        }
      }
    }
  }

  /** Unsubscribes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}

/**
 * An `onListenerError` for {@link ListenerSet} that logs `a {event} listener threw` at `error`
 * level, with the error in the context.
 * @example new ListenerSet<[string]>(logListenerError(logger, 'member-left'))
 */
export function logListenerError(logger: Logger, event: string): (error: unknown) => void {
  return (error) => logger.error(`a ${event} listener threw`, { error });
}
