import type { Logger } from '@polecat/app-lock';

/** A listener of event `K` of map `E`. */
export type Listener<E, K extends keyof E> = (payload: E[K]) => void;

/**
 * A tiny typed emitter. A listener that throws is logged and skipped: listeners never break the
 * emitter's caller (the coordinator loop).
 */
export class TypedEmitter<E extends object> {
  readonly #listeners = new Map<keyof E, Set<(payload: never) => void>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  on<K extends keyof E>(event: K, listener: Listener<E, K>): () => void {
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    const entry = listener as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
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
}
