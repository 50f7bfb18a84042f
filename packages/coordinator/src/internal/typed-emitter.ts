import type { Logger } from '@polecat/app-lock';

/** A listener of event `K` of map `E`. */
export type Listener<E, K extends keyof E> = (payload: E[K]) => void;

type AnyListener = (payload: never) => void;

/**
 * A tiny typed emitter. A listener that throws is logged and skipped: listeners never break the
 * emitter's caller (the coordinator loop). A listener is registered once per event (adding it
 * again keeps one registration).
 */
export class TypedEmitter<E extends object> {
  /** event -> listener -> whether it is removed before its first call (`once`). */
  readonly #listeners = new Map<keyof E, Map<AnyListener, boolean>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds `listener`; returns the function that removes it. */
  on<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    return this.#add(event, listener, false);
  }

  /** Adds `listener` for the next `event` only; returns the function that removes it before then. */
  once<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    return this.#add(event, listener, true);
  }

  /** Removes `listener` (added with `on` or `once`); no-op when it is not registered. */
  off<K extends keyof E>(event: K, listener: Listener<E, K>): void {
    this.#listeners.get(event)?.delete(listener as AnyListener);
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const listeners = this.#listeners.get(event);
    if (listeners === undefined) return;
    for (const [listener, once] of [...listeners]) {
      if (once) {
        if (!listeners.delete(listener)) continue; // removed by an earlier listener of this emit
      }
      try {
        (listener as Listener<E, K>)(payload);
      } catch (error) {
        this.#logger.error('coordinator event listener threw', { event: String(event), error });
      }
    }
  }

  clear(): void {
    this.#listeners.clear();
  }

  #add<K extends keyof E>(event: K, listener: Listener<E, K>, once: boolean): () => void {
    let listeners = this.#listeners.get(event);
    if (listeners === undefined) {
      listeners = new Map();
      this.#listeners.set(event, listeners);
    }
    const entry = listener as AnyListener;
    listeners.set(entry, once);
    const registered = listeners;
    return () => {
      registered.delete(entry);
    };
  }
}
