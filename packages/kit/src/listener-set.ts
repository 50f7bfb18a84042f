/** A listener of a {@link ListenerSet}. */
export type Listener<T> = (event: T) => void;

/**
 * A set of listeners of one event: {@link ListenerSet.add} returns the disposer, and
 * {@link ListenerSet.emit} calls every listener (those present when the emit began), so one that
 * throws never stops the others nor the emitter's caller: its error goes to `onListenerError`.
 * @example
 * const lost = new ListenerSet<LockLostEvent>((error) => logger.error('a lock-lost listener threw', { error }));
 * const off = lost.add((event) => console.log(event.ids));
 * lost.emit(event);
 * off();
 */
export class ListenerSet<T = void> {
  readonly #listeners = new Set<Listener<T>>();
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
  add(listener: Listener<T>): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Calls every current listener with `event`; a listener that throws is reported and skipped. */
  emit(event: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
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
