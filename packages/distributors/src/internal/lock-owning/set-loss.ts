import type { LockLostEvent, Logger } from '@polecat/app-lock';
import { ListenerSet, logListenerError } from '@polecat/kit';
import type { SetsLostEvent } from '../../projection-distributor';
import type { BuildCache } from './build-cache';
import type { LockOwner } from './lock-owners';

/**
 * The lock's hold on a given-up session, offered to the sets' listeners: the ONE place the
 * distributors touch it. `undefined` when the lock offers none (a third-party `AppLock` may not).
 * Must stay synchronous: the listeners call it during the lock's dispatch (`hold` throws
 * `LockHoldClosedError` when called later; a third-party lock may offer only the older `waitUntil`).
 */
function sessionHold(event: LockLostEvent): ((work: PromiseLike<unknown>) => void) | undefined {
  const hold = event.hold ?? event.waitUntil;
  if (hold === undefined) return undefined;
  return (work) => hold(work);
}

/** What {@link SetLoss} reads. */
export interface SetLossDeps {
  readonly builds: BuildCache;
  /** The databases using `owner` (a lock home serves several). */
  readonly databasesOf: (owner: LockOwner) => readonly string[];
  readonly logger: Logger;
}

/**
 * The distributors' room for a lost lock: a lock owner's `onLockLost` ids mapped back to the sets
 * of the last build of every database the owner serves, logged, and announced to `onSetsLost`
 * listeners as ONE event (with the lock's session hold, when it offers one).
 */
export class SetLoss {
  readonly #deps: SetLossDeps;
  readonly #listeners: ListenerSet<[SetsLostEvent]>;

  constructor(deps: SetLossDeps) {
    this.#deps = deps;
    this.#listeners = new ListenerSet(logListenerError(deps.logger, 'sets-lost'));
  }

  /** Subscribes to set losses; returns the unsubscribe function. */
  on(listener: (event: SetsLostEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** `owner`'s lock lost `event.ids`: the sets among them (none: only logged) are announced. */
  lockLost(owner: LockOwner, event: LockLostEvent): void {
    const databases = this.#deps.databasesOf(owner);
    const sets = databases.flatMap((databaseId) => this.#deps.builds.setsWith(databaseId, event.ids));
    const where = owner.home === undefined ? { database: databases[0] ?? owner.key.slice(3) } : { lockHost: owner.home, databases: databases.length };
    this.#deps.logger.warn('locks lost', { ...where, ids: event.ids, reason: event.error.reason, sets: sets.map((s) => s.key) });
    if (sets.length === 0) return;
    const hold = sessionHold(event);
    this.#listeners.emit(hold === undefined ? { sets, error: event.error } : { sets, error: event.error, hold, waitUntil: hold });
  }

  /** Drops every listener (the distributor is disposed). */
  clear(): void {
    this.#listeners.clear();
  }
}
