import type { Logger } from '@polecat/app-lock';

/**
 * The listeners of one event: `add` returns the unsubscribe function, `emit` calls each listener
 * registered at that moment, and a listener that throws is logged (`a {name} listener threw`) without
 * stopping the others.
 */
export class ListenerSet<Args extends unknown[]> {
  readonly #listeners = new Set<(...args: Args) => void>();
  readonly #logger: Logger;
  readonly #name: string;

  /** `name` names the event in the log line of a throwing listener (e.g. `sets-lost`). */
  constructor(logger: Logger, name: string) {
    this.#logger = logger;
    this.#name = name;
  }

  /** Whether anyone listens. */
  get size(): number {
    return this.#listeners.size;
  }

  /** Subscribes `listener`; returns the unsubscribe function. */
  add(listener: (...args: Args) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  /** Calls every current listener with `args`; one that throws is logged at `error`. */
  emit(...args: Args): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(...args);
      } catch (error) {
        this.#logger.error(`a ${this.#name} listener threw`, { error });
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}
