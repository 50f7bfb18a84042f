import { ListenerSet } from '@polecat/kit';

/**
 * An in-memory ownership-intents source (the coordinator's `ownershipIntents`) that a parent
 * process steers: nothing is ever paused; the node drains while {@link DrainIntents.set} says so.
 * Used by the node processes of the tests (`drain` command) and of the chaos run (`drain` fault).
 */
export class DrainIntents {
  #draining = false;
  readonly #listeners = new ListenerSet();

  /** The coordinator reads it at the start of every cycle. */
  readonly read = (): { readonly paused: ReadonlySet<string>; readonly draining: boolean } => ({ paused: new Set<string>(), draining: this.#draining });

  /** Wakes the coordinator's loop on a change; returns the unsubscribe function. */
  readonly onChange = (listener: () => void): (() => void) => this.#listeners.add(listener);

  /** Starts (`true`) or ends (`false`) the drain, and wakes the listeners. */
  set(draining: boolean): void {
    this.#draining = draining;
    this.#listeners.emit();
  }
}
