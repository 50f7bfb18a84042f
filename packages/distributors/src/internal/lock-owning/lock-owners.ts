import type { AppLock, LockLostEvent, Logger, ReleaseNotice } from '@polecat/app-lock';
import type { ProjectionDatabase } from '../../projection-database';
import type { MemberWatcher } from './member-watcher';
import type { ProbeMemory } from './narrow-probe';
import type { NoticeBell } from './notice-bell';

/**
 * One lock owner (one dedicated connection) and its subscriptions: either a database's own, or the
 * lock home shared by every database of one lock host (`createHomeLock`).
 */
export interface LockOwner {
  /** `db:{database.id}` for a database's own owner, `home:{lockHost}` for a lock home. */
  readonly key: string;
  /** The lock host of a lock home; `undefined` for a database's own owner. */
  readonly home: string | undefined;
  readonly lock: AppLock;
  readonly unsubscribe: () => void;
  /** Its member watcher (a second dedicated connection), created once this node has a predecessor; disposed with the owner. */
  watcher?: MemberWatcher;
  /** Its notice bell, on a lock without server release notices (see `NoticeBell`); created at its first probe. */
  bell?: NoticeBell;
  /** Release notices its lock heard so far (a narrow probe needs none since the last full one). */
  notices: number;
  /** What its last membership probe saw (see `narrowCandidates`). */
  probeMemory?: ProbeMemory;
}

/** What {@link LockOwners} needs from its distributor. */
export interface LockOwnersDeps {
  /** Creates the owner's lock: `home` set for a lock home (created once for all its databases). */
  readonly createLock: (database: ProjectionDatabase, home: string | undefined) => AppLock;
  readonly logger: Logger;
  readonly onLockLost: (owner: LockOwner, event: LockLostEvent) => void;
  readonly onReleaseNotice: (notice: ReleaseNotice) => void;
  /** Whether `owner` still holds set locks of `databaseId` (a removed database's owner waits for them). */
  readonly holdsSetLocks: (databaseId: string, owner: LockOwner) => boolean;
}

interface Entry {
  readonly owner: LockOwner;
  /** Databases using this owner: in the list, or removed and still holding set locks. */
  readonly databases: Set<string>;
}

interface Use {
  readonly key: string;
  /** The owner's entry (kept here so the per-set lookups `any` / `active` cost one map read). */
  readonly entry: Entry;
  /** The database left the list; its owner stays while it holds set locks. */
  removed: boolean;
}

/** The owner key of a database: its lock home's, or its own. */
export function ownerKey(databaseId: string, home: string | undefined): string {
  return home === undefined ? `db:${databaseId}` : `home:${home}`;
}

/**
 * The lock owners of a distributor: one per database, or one per lock home (shared by every
 * database of that lock host), created on first use and reused across cycles. A database that leaves
 * the list keeps its owner (and its held locks) while any of its sets is still held: its agents are
 * stopping, and whoever runs them releases each set once they returned
 * (`ProjectionDistributor.release`). An owner is disposed (member slot and connection released) as
 * soon as no database uses it any more (a lock home: the last of its databases left and released
 * its sets), or when the distributor is disposed. A database that comes back before that gets its
 * old owner back.
 */
export class LockOwners {
  readonly #deps: LockOwnersDeps;
  /** By owner key. */
  readonly #entries = new Map<string, Entry>();
  /** By database id: which owner it uses, and whether it left the list. */
  readonly #uses = new Map<string, Use>();
  /** Owners being disposed, so `dispose()` waits for them too. */
  readonly #retiring = new Set<Promise<void>>();

  constructor(deps: LockOwnersDeps) {
    this.#deps = deps;
  }

  /** The owner of a database in the list. */
  active(databaseId: string): LockOwner | undefined {
    const use = this.#uses.get(databaseId);
    return use === undefined || use.removed ? undefined : use.entry.owner;
  }

  /** The owner of a database in the list, or of a removed one still holding set locks. */
  any(databaseId: string): LockOwner | undefined {
    return this.#uses.get(databaseId)?.entry.owner;
  }

  /** Ids of the databases with an active owner. */
  activeIds(): string[] {
    return [...this.#uses].flatMap(([id, use]) => (use.removed ? [] : [id]));
  }

  /** Every owner (each lock home once). */
  all(): LockOwner[] {
    return [...this.#entries.values()].map((entry) => entry.owner);
  }

  /** Ids of the databases using `owner` (in the list, or removed and still holding set locks). */
  databasesOf(owner: LockOwner): readonly string[] {
    return [...(this.#entries.get(owner.key)?.databases ?? [])];
  }

  /** The database's owner: the existing one, a removed one brought back, its lock home's, or a new one. */
  obtain(database: ProjectionDatabase, home: string | undefined): LockOwner {
    const key = ownerKey(database.id, home);
    const use = this.#uses.get(database.id);
    if (use !== undefined && use.key === key) {
      use.removed = false;
      return use.entry.owner;
    }
    if (use !== undefined) void this.#detach(database.id, use); // its lock host changed: leave the old owner
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const lock = this.#deps.createLock(database, home);
      const holder: { owner?: LockOwner } = {};
      const unsubscribeLost = lock.onLockLost((event) => this.#deps.onLockLost(holder.owner!, event));
      const unsubscribeNotice = lock.onReleaseNotice?.((notice) => {
        holder.owner!.notices += 1;
        this.#deps.onReleaseNotice(notice ?? {});
      });
      holder.owner = {
        key,
        home,
        lock,
        notices: 0,
        unsubscribe: () => {
          unsubscribeLost();
          unsubscribeNotice?.();
        },
      };
      entry = { owner: holder.owner, databases: new Set() };
      this.#entries.set(key, entry);
    }
    entry.databases.add(database.id);
    this.#uses.set(database.id, { key, entry, removed: false });
    return entry.owner;
  }

  /**
   * The database left the list: it stops using its owner now when it holds no set lock there, else
   * once the last of its sets is released ({@link afterRelease}). An owner no database uses is disposed.
   */
  async remove(databaseId: string): Promise<void> {
    const use = this.#uses.get(databaseId);
    if (use === undefined || use.removed) return;
    const owner = use.entry.owner;
    if (this.#deps.holdsSetLocks(databaseId, owner)) {
      use.removed = true;
      this.#deps.logger.info('database removed: its lock owner stays until its held sets are released', {
        database: databaseId,
        held: owner.lock.heldLocks().length,
      });
      return;
    }
    await this.#detach(databaseId, use);
  }

  /** After a release on `databaseId`: a removed database that holds no set lock any more stops using its owner. */
  async afterRelease(databaseId: string): Promise<void> {
    const use = this.#uses.get(databaseId);
    if (use === undefined || !use.removed) return;
    if (this.#deps.holdsSetLocks(databaseId, use.entry.owner)) return;
    await this.#detach(databaseId, use);
  }

  /** Disposes every owner and waits for those being disposed. */
  async dispose(): Promise<void> {
    const all = [...this.#entries.values()];
    this.#entries.clear();
    this.#uses.clear();
    await Promise.all([...all.map((entry) => this.#retire(entry.owner, [...entry.databases], 'disposed')), ...this.#retiring]);
  }

  /** `databaseId` stops using its owner; the owner is disposed when nobody uses it any more. */
  async #detach(databaseId: string, use: Use): Promise<void> {
    this.#uses.delete(databaseId);
    const entry = use.entry;
    if (this.#entries.get(use.key) !== entry) return; // already disposed
    entry.databases.delete(databaseId);
    if (entry.owner.home !== undefined)
      this.#deps.logger.info('database removed from its lock home', { database: databaseId, lockHost: entry.owner.home, remaining: entry.databases.size });
    if (entry.databases.size > 0) return;
    this.#entries.delete(use.key);
    await this.#retire(entry.owner, [databaseId], 'removed');
  }

  /**
   * Disposes one owner (releasing its locks); failures are logged, not thrown. `why` is passed
   * explicitly: only an owner whose databases left the list is logged as removed.
   */
  async #retire(owner: LockOwner, databases: readonly string[], why: 'removed' | 'disposed'): Promise<void> {
    owner.unsubscribe();
    const fields = owner.home === undefined ? { database: databases[0] } : { lockHost: owner.home };
    const retiring = (async () => {
      try {
        await owner.watcher?.dispose();
        await owner.bell?.settled();
        await owner.lock.dispose();
        if (why === 'removed') this.#deps.logger.info('database removed: its lock owner was disposed', fields);
      } catch (error) {
        this.#deps.logger.warn('disposing a lock owner failed', { ...fields, error });
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
