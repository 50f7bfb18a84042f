import type { Logger } from '@polecat/app-lock';
import { ListenerSet } from '@polecat/kit';

/** A listener of event `K` of map `E`. */
export type Listener<E, K extends keyof E> = (payload: E[K]) => void;

type AnyListener = (payload: never) => void;

/** One event's listeners, and the disposer of each registered listener (keyed by the caller's function). */
interface EventListeners {
  readonly set: ListenerSet<[never]>;
  readonly registered: Map<AnyListener, () => void>;
}

/**
 * A tiny typed emitter: one kit `ListenerSet` per event. A listener that throws is logged and
 * skipped: listeners never break the emitter's caller (the coordinator loop). A listener is
 * registered once per event (adding it again replaces its registration).
 */
export class TypedEmitter<E extends object> {
  readonly #events = new Map<keyof E, EventListeners>();
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
    this.#events.get(event)?.registered.get(listener as AnyListener)?.();
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    (this.#events.get(event)?.set as ListenerSet<[E[K]]> | undefined)?.emit(payload);
  }

  clear(): void {
    for (const { set, registered } of this.#events.values()) {
      set.clear();
      registered.clear();
    }
    this.#events.clear();
  }

  #add<K extends keyof E>(event: K, listener: Listener<E, K>, once: boolean): () => void {
    const listeners = this.#listenersOf(event);
    const key = listener as AnyListener;
    listeners.registered.get(key)?.();
    let registered = true;
    const remove = (): void => {
      if (!registered) return;
      registered = false;
      unsubscribe();
      if (listeners.registered.get(key) === remove) listeners.registered.delete(key);
    };
    const call = (payload: E[K]): void => {
      if (once) {
        if (!registered) return; // removed by an earlier listener of this emit
        remove();
      }
      listener(payload);
    };
    const unsubscribe = (listeners.set as ListenerSet<[E[K]]>).add(call);
    listeners.registered.set(key, remove);
    return remove;
  }

  #listenersOf(event: keyof E): EventListeners {
    let listeners = this.#events.get(event);
    if (listeners === undefined) {
      const set = new ListenerSet<[never]>((error) => this.#logger.error('coordinator event listener threw', { event: String(event), error }));
      listeners = { set, registered: new Map() };
      this.#events.set(event, listeners);
    }
    return listeners;
  }
}
