import type { ProjectionSet } from '@polecat/distributors';
import type { CoordinatorEvents } from '../coordinator-events';
import type { TypedEmitter } from './typed-emitter';

/** The coordinator's last error (`status().lastError`) and the `error` event, in one place. */
export class ErrorRecord {
  readonly #events: TypedEmitter<CoordinatorEvents>;
  #last: unknown;

  constructor(events: TypedEmitter<CoordinatorEvents>) {
    this.#events = events;
  }

  /** The last error recorded, if any. */
  get last(): unknown {
    return this.#last;
  }

  /** Remembers `error` as the last one (its `error` event, if any, is sent by the caller). */
  record(error: unknown): void {
    this.#last = error;
  }

  /** Remembers `error` and sends the `error` event (with the set it concerns, when known). */
  report(error: unknown, set?: ProjectionSet): void {
    this.#last = error;
    this.#events.emit('error', set === undefined ? { error } : { error, set });
  }
}
