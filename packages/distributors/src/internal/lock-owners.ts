import type { AppLock, LockLostEvent, Logger } from '@polecat/app-lock';
import type { ProjectionDatabase } from '../projection-database';
import type { MemberWatcher } from './member-watcher';

/** One database's lock owner (one dedicated connection) and its subscriptions. */
export interface LockOwner {
  readonly lock: AppLock;
  readonly unsubscribe: () => void;
  /** Its member watcher (a second dedicated connection), created once this node has a predecessor; disposed with the owner. */
  watcher?: MemberWatcher;
}

/** What {@link LockOwners} needs from its distributor. */
export interface LockOwnersDeps {
  readonly createLock: (database: ProjectionDatabase) => AppLock;
  readonly logger: Logger;
  readonly onLockLost: (databaseId: string, event: LockLostEvent) => void;
  readonly onReleaseNotice: () => void;
}

/** Set locks are 32-bit numbers; member slots are strings (`memberSlotId`). */
function holdsSetLocks(lock: AppLock): boolean {
  return lock.heldLocks().some((id) => typeof id === 'number');
}

/**
 * The lock owners of a distributor: one per database, created on first use and reused across
 * cycles. A database that leaves the list keeps its owner (and its held locks) while any of its
 * sets is still held: its agents are stopping, and whoever runs them releases each set once they
 * returned (`ProjectionDistributor.release`). The owner is disposed (member slot and connection
 * released) as soon as it holds no set lock any more, or when the distributor is disposed. A
 * database that comes back before that gets its old owner back.
 */
export class LockOwners {
  readonly #deps: LockOwnersDeps;
  readonly #active = new Map<string, LockOwner>();
  /** Owners of databases that left the list, kept while they hold set locks. */
  readonly #removed = new Map<string, LockOwner>();
  /** Owners being disposed, so `dispose()` waits for them too. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(deps: LockOwnersDeps) {
    this.#deps = deps;
  }

  /** The owner of a database in the list. */
  active(databaseId: string): LockOwner | undefined {
    return this.#active.get(databaseId);
  }

  /** The owner of a database in the list, or of a removed one still holding set locks. */
  any(databaseId: string): LockOwner | undefined {
    return this.#active.get(databaseId) ?? this.#removed.get(databaseId);
  }

  /** Ids of the databases with an active owner. */
  activeIds(): string[] {
    return [...this.#active.keys()];
  }

  /** Every owner, active and removed. */
  all(): LockOwner[] {
    return [...this.#active.values(), ...this.#removed.values()];
  }

  /** The database's owner: the existing one, a removed one brought back, or a new one. */
  obtain(database: ProjectionDatabase): LockOwner {
    const existing = this.#active.get(database.id);
    if (existing !== undefined) return existing;
    const back = this.#removed.get(database.id);
    if (back !== undefined) {
      this.#removed.delete(database.id);
      this.#active.set(database.id, back);
      return back;
    }
    const lock = this.#deps.createLock(database);
    const unsubscribeLost = lock.onLockLost((event) => this.#deps.onLockLost(database.id, event));
    const unsubscribeNotice = lock.onReleaseNotice?.(() => this.#deps.onReleaseNotice());
    const owner: LockOwner = {
      lock,
      unsubscribe: () => {
        unsubscribeLost();
        unsubscribeNotice?.();
      },
    };
    this.#active.set(database.id, owner);
    return owner;
  }

  /**
   * The database left the list: its owner is disposed now when it holds no set lock, else once the
   * last of its sets is released ({@link afterRelease}).
   */
  async remove(databaseId: string): Promise<void> {
    const owner = this.#active.get(databaseId);
    if (owner === undefined) return;
    this.#active.delete(databaseId);
    if (holdsSetLocks(owner.lock)) {
      this.#removed.set(databaseId, owner);
      this.#deps.logger.info('database removed: its lock owner stays until its held sets are released', { database: databaseId, held: owner.lock.heldLocks().length });
      return;
    }
    await this.#retire(databaseId, owner, 'removed');
  }

  /** After a release on `databaseId`: a removed database whose owner holds no set lock any more is disposed. */
  async afterRelease(databaseId: string): Promise<void> {
    const owner = this.#removed.get(databaseId);
    if (owner === undefined || holdsSetLocks(owner.lock)) return;
    this.#removed.delete(databaseId);
    await this.#retire(databaseId, owner, 'removed');
  }

  /** Disposes every owner (active and removed) and waits for those being disposed. */
  async dispose(): Promise<void> {
    const all = [...this.#active.entries(), ...this.#removed.entries()];
    this.#active.clear();
    this.#removed.clear();
    await Promise.all([...all.map(([id, owner]) => this.#retire(id, owner, 'disposed')), ...this.#retiring]);
  }

  /**
   * Disposes one owner (releasing its locks); failures are logged, not thrown. `why` is passed
   * explicitly: only a database that left the list is logged as removed.
   */
  async #retire(databaseId: string, owner: LockOwner, why: 'removed' | 'disposed'): Promise<void> {
    owner.unsubscribe();
    const retiring = (async () => {
      try {
        await owner.watcher?.dispose();
        await owner.lock.dispose();
        if (why === 'removed') this.#deps.logger.info('database removed: its lock owner was disposed', { database: databaseId });
      } catch (error) {
        this.#deps.logger.warn('disposing a lock owner failed', { database: databaseId, error });
      }
    })();
    this.#retiring.add(retiring);
    try {
      await retiring;
    } finally {
      this.#retiring.delete(retiring);
    }
  }
}
