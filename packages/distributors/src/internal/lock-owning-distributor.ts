import { systemClock, toLogger, type AppLock, type AttainOptions, type Clock, type LockLostEvent, type Logger } from '@polecat/app-lock';
import { DEFAULT_MAX_NODES, MEMBER_SLOT_PREFIX, memberSlotId, type DatabaseMembership } from '../cluster-membership';
import { DEFAULT_DAEMON_LOCK_ID, DEFAULT_SCHEMA, assertDaemonLockId } from '../compute-lock-id';
import type { LockHostSource, LockingDistributorOptions, ShardSource } from '../distributor-options';
import { DistributorError } from '../errors';
import type { DatabaseSource, ProjectionDatabase } from '../projection-database';
import type { ProjectionDistributor, SetsLostEvent } from '../projection-distributor';
import type { ProjectionSet } from '../projection-set';
import type { ShardName } from '../shard-name';
import { hash32 } from '../lock-id-hash';
import { LockOwners, type LockOwner } from './lock-owners';
import { canProbe, probeRing, splitHomeMembership } from './membership';
import { MemberWatcher, canWait } from './member-watcher';
import { RoundTripReporter } from './round-trip-reporter';
import type { LockRoundTripEvent } from '../lock-round-trip';
import { assertStaticSources, readDistribution } from './read-distribution';
import { randomWaitMs, shuffle } from './shuffle';

interface CachedBuild {
  readonly schema: string | undefined;
  readonly identities: readonly string[];
  readonly sets: readonly ProjectionSet[];
}

/** Same shard list: the same identities in the same order (an array mutated in place is noticed too). */
function sameShards(identities: readonly string[], next: readonly ShardName[]): boolean {
  if (identities.length !== next.length) return false;
  for (let index = 0; index < next.length; index++) if (identities[index] !== next[index]!.identity) return false;
  return true;
}

/** A lock owner with the sets (or databases) of one call that go through it. */
interface OwnerGroup<T> {
  readonly owner: LockOwner;
  readonly items: T[];
}

/**
 * The shared mechanism of the distributors that take locks: one lazily created lock owner per
 * database, or per lock home (`createHomeLock`: one for every database of a lock host), reused
 * across cycles ({@link LockOwners}); the database list re-read at every build (a removed database's
 * sets leave the distribution; its owner goes once they are released and no other database uses
 * it); one `tryAttainLocks` and one `probeLocks` round trip per lock owner; lost locks mapped to sets.
 */
export abstract class LockOwningDistributor implements ProjectionDistributor {
  abstract readonly kind: ProjectionDistributor['kind'];
  protected readonly daemonLockId: number;
  protected readonly logger: Logger;
  readonly #databases: DatabaseSource;
  readonly #shards: ShardSource;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #maxNodes: number;
  readonly #lockHost: LockHostSource | undefined;
  readonly #createHomeLock: ((lockHost: string) => AppLock) | undefined;
  readonly #owners: LockOwners;
  /** Per database id: the sets of the last build, by lock id. */
  readonly #lastSets = new Map<string, ReadonlyMap<number, ProjectionSet>>();
  readonly #listeners = new Set<(event: SetsLostEvent) => void>();
  readonly #noticeListeners = new Set<() => void>();
  readonly #memberLeftListeners = new Set<(databaseId: string) => void>();
  /** Creates a lock owner's lock (a home's when `home` is set); called once more per owner for its member watcher. */
  readonly #createLock: (database: ProjectionDatabase, home: string | undefined) => AppLock;
  readonly #watchMembers: boolean;
  /** Per database id: the last build's sets, reused while the database and its shard list are unchanged. */
  readonly #builds = new Map<string, CachedBuild>();
  #disposing: Promise<void> | undefined;
  readonly #roundTrips: RoundTripReporter;

  protected constructor(options: LockingDistributorOptions) {
    this.daemonLockId = options.daemonLockId ?? DEFAULT_DAEMON_LOCK_ID;
    assertDaemonLockId(this.daemonLockId);
    const { createLock, createHomeLock } = options;
    if (createHomeLock !== undefined && typeof createHomeLock !== 'function') {
      throw new DistributorError('INVALID_CONFIGURATION', 'createHomeLock must be a function (lockHost) => AppLock');
    }
    if (typeof createLock !== 'function' && (createLock !== undefined || createHomeLock === undefined)) {
      throw new DistributorError('INVALID_CONFIGURATION', 'createLock must be a function (database) => AppLock');
    }
    if (createHomeLock !== undefined && options.lockHost === undefined) {
      throw new DistributorError('INVALID_CONFIGURATION', 'createHomeLock needs lockHost (which databases share which lock home)');
    }
    assertStaticSources(options.databases, options.shards);
    this.#databases = options.databases;
    this.#shards = options.shards;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#maxNodes = options.maxNodes ?? DEFAULT_MAX_NODES;
    if (!Number.isInteger(this.#maxNodes) || this.#maxNodes < 0 || this.#maxNodes > 10_000) {
      throw new DistributorError('INVALID_CONFIGURATION', `maxNodes must be an integer in [0, 10000], got ${String(options.maxNodes)}`);
    }
    const lockHost = options.lockHost;
    if (lockHost !== undefined && typeof lockHost !== 'function' && (typeof lockHost !== 'string' || lockHost.length === 0)) {
      throw new DistributorError('INVALID_CONFIGURATION', 'lockHost must be a non-empty string or a function (database) => string | undefined');
    }
    this.#lockHost = lockHost;
    this.#createHomeLock = createHomeLock;
    this.#watchMembers = options.watchMembers ?? true;
    this.logger = toLogger(options.logger);
    this.#createLock = (database, home) => {
      if (home !== undefined) return createHomeLock!(home);
      if (createLock === undefined) {
        throw new DistributorError('INVALID_CONFIGURATION', `database ${database.id} has no lock host, and there is no createLock for it (only createHomeLock)`);
      }
      return createLock(database);
    };
    this.#owners = new LockOwners({
      createLock: this.#createLock,
      logger: this.logger,
      onLockLost: (owner, event) => this.#onLockLost(owner, event),
      onReleaseNotice: () => this.#onReleaseNotice(),
      holdsSetLocks: (databaseId, owner) => this.#holdsSetLocks(databaseId, owner),
    });
    this.#roundTrips = new RoundTripReporter(this.#clock, this.logger);
  }

  /** Subscribes to every lock round trip (attempt, probe) with its database(s), duration and failure. */
  onLockRoundTrip(listener: (event: LockRoundTripEvent) => void): () => void {
    return this.#roundTrips.on(listener);
  }

  /**
   * Identifies this store's nodes on `database` in member-slot ids (see `memberSlotId`). Default:
   * `{kind}:{schema}:{daemonLockId}`, plus `:{database.id}` for a database with a lock host (its
   * slots live on a server shared with other databases, whose nodes must count apart).
   */
  protected memberScope(database: ProjectionDatabase): string {
    const base = `${this.kind}:${database.schema ?? DEFAULT_SCHEMA}:${this.daemonLockId}`;
    return this.lockHostOf(database) === undefined ? base : `${base}:${database.id}`;
  }

  /**
   * The lock host of `database` when it shares one with other databases (see `LockHostSource`):
   * its lock ids must then include its identity. `undefined`: a lock host of its own.
   */
  protected lockHostOf(database: ProjectionDatabase): string | undefined {
    const source = this.#lockHost;
    if (source === undefined) return undefined;
    const host = typeof source === 'string' ? source : source(database);
    if (host !== undefined && (typeof host !== 'string' || host.length === 0)) {
      throw new DistributorError('INVALID_CONFIGURATION', `lockHost returned ${String(host)} for database ${database.id}; expected a non-empty string or undefined`);
    }
    return host;
  }

  /**
   * Identifies this store's nodes in the member-slot ids of a lock home (one slot per node per home,
   * see `memberSlotId`). Default: `{kind}:{daemonLockId}@{lockHost}`.
   */
  protected homeScope(lockHost: string): string {
    return `${this.kind}:${this.daemonLockId}@${lockHost}`;
  }

  /** The lock home of `database` (its lock host, when `createHomeLock` is given); `undefined`: an owner of its own. */
  #homeOf(database: ProjectionDatabase): string | undefined {
    return this.#createHomeLock === undefined ? undefined : this.lockHostOf(database);
  }

  /** The sets of one database (its shards already validated). */
  protected abstract setsFor(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[];

  async buildDistribution(signal?: AbortSignal): Promise<readonly ProjectionSet[]> {
    this.#assertNotDisposed();
    const read = await readDistribution(this.#databases, this.#shards, signal);
    this.#assertNotDisposed();
    const current = new Set(read.map((entry) => entry.database.id));
    // A removed database's sets leave the distribution; their locks stay held until whoever runs
    // their agents has stopped them and released each set (then its owner is disposed).
    await Promise.all(this.#owners.activeIds().filter((id) => !current.has(id)).map((id) => this.#owners.remove(id)));
    for (const id of [...this.#lastSets.keys()]) if (!current.has(id) && this.#owners.any(id) === undefined) this.#lastSets.delete(id);
    for (const id of [...this.#builds.keys()]) if (!current.has(id)) this.#builds.delete(id);
    const sets: ProjectionSet[] = [];
    for (const { database, shards } of read) {
      const ofDatabase = this.#setsOf(database, shards);
      for (const set of ofDatabase) sets.push(set);
    }
    return shuffle(sets, this.#random);
  }

  /**
   * The sets of one database: the previous build's (same objects) while the database (id, schema)
   * and its shard list (the same identities in the same order) are unchanged, so a
   * steady cycle allocates nothing per set; otherwise rebuilt with {@link setsFor}.
   */
  #setsOf(database: ProjectionDatabase, shards: readonly ShardName[]): readonly ProjectionSet[] {
    const cached = this.#builds.get(database.id);
    if (cached !== undefined && cached.schema === database.schema && sameShards(cached.identities, shards)) return cached.sets;
    const sets = this.setsFor(database, shards);
    this.#builds.set(database.id, { schema: database.schema, identities: shards.map((shard) => shard.identity), sets });
    this.#lastSets.set(database.id, new Map(sets.map((set) => [set.lockId, set])));
    return sets;
  }

  async randomWait(signal?: AbortSignal): Promise<void> {
    await this.#clock.sleep(randomWaitMs(this.#random), signal);
  }

  hasLock(set: ProjectionSet): boolean {
    return this.#owners.any(set.database.id)?.lock.hasLock(set.lockId) ?? false;
  }

  lockSignal(set: ProjectionSet): AbortSignal | undefined {
    return this.#owners.any(set.database.id)?.lock.lockSignal(set.lockId);
  }

  /** Errors of the lock owner (e.g. the database is unreachable) reject; losing the race resolves `false`. */
  async tryAttain(set: ProjectionSet, options?: AttainOptions): Promise<boolean> {
    const owner = this.#ownerFor(set.database);
    return owner === undefined ? false : owner.lock.tryAttainLock(set.lockId, options);
  }

  async tryAttainMany(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>> {
    this.#assertNotDisposed();
    const held = new Set<string>();
    const failures: { database: ProjectionDatabase; sets: number; error: unknown }[] = [];
    const groups = this.#groupByOwner(sets, (set) => set.database, (database, error) => failures.push({ database, sets: 1, error }));
    await Promise.all(
      [...groups.values()].map(async ({ owner, items: group }) => {
        const ids = owner.home === undefined ? [group[0]!.database.id] : [...new Set(group.map((set) => set.database.id))];
        try {
          const got = await this.#roundTrips.time(ids, 'attain', () => owner.lock.tryAttainLocks([...new Set(group.map((set) => set.lockId))], options), owner.home);
          for (const set of group) if (got.has(set.lockId)) held.add(set.key);
        } catch (error) {
          if (options?.signal?.aborted || this.#disposing !== undefined) return;
          this.#roundTrips.failed('lock attempt failed for a database; its sets are not held this cycle', {
            ...(owner.home === undefined ? { database: ids[0] } : { lockHost: owner.home, databases: ids.length }),
            sets: group.length,
            error,
          });
        }
      }),
    );
    for (const failure of failures) {
      if (options?.signal?.aborted || this.#disposing !== undefined) break;
      this.#roundTrips.failed('lock attempt failed for a database; its sets are not held this cycle', { database: failure.database.id, sets: failure.sets, error: failure.error });
    }
    options?.signal?.throwIfAborted();
    this.#assertNotDisposed(); // disposed meanwhile: nothing is held any more
    return held;
  }

  async probeMembership(distribution: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlyMap<string, DatabaseMembership>> {
    this.#assertNotDisposed();
    const result = new Map<string, DatabaseMembership>();
    if (this.#maxNodes === 0) return result;
    const failures: { database: ProjectionDatabase; error: unknown }[] = [];
    const groups = this.#groupByOwner(distribution, (set) => set.database, (database, error) => failures.push({ database, error }));
    await Promise.all(
      [...groups.values()].map(async ({ owner, items: sets }) => {
        const lock = owner.lock;
        if (!canProbe(lock)) return;
        const byDatabase = new Map<string, ProjectionSet[]>();
        if (owner.home !== undefined) {
          for (const set of sets) {
            const group = byDatabase.get(set.database.id);
            if (group === undefined) byDatabase.set(set.database.id, [set]);
            else group.push(set); // (not a copy per set: quadratic at 10 000 sets)
          }
        }
        const ids = owner.home === undefined ? [sets[0]!.database.id] : [...byDatabase.keys()];
        try {
          const scope = owner.home === undefined ? this.memberScope(sets[0]!.database) : this.homeScope(owner.home);
          const slots = Array.from({ length: this.#maxNodes }, (_, index) => memberSlotId(scope, index));
          // joins are announced (a release notice) while watchers let the others poll slowly
          const joinNotice = this.#watchMembers && canWait(lock) ? `polecat:member:${scope}:joined` : undefined;
          const ring = await this.#roundTrips.time(ids, 'probe', () => probeRing(lock, slots, sets, this.#random, options, joinNotice), owner.home);
          const seen = ring.membership;
          if (owner.home === undefined) result.set(ids[0]!, seen);
          else for (const [id, membership] of splitHomeMembership(seen, byDatabase, (databaseId) => hash32(databaseId) >>> 0)) result.set(id, membership);
          this.#watch(owner, sets[0]!.database, ring.predecessor);
        } catch (error) {
          if (options?.signal?.aborted || this.#disposing !== undefined) return;
          this.#roundTrips.failed('membership probe failed for a database; balancing skips it this cycle', {
            ...(owner.home === undefined ? { database: ids[0] } : { lockHost: owner.home, databases: ids.length }),
            error,
          });
        }
      }),
    );
    for (const failure of failures) {
      if (options?.signal?.aborted || this.#disposing !== undefined) break;
      this.#roundTrips.failed('membership probe failed for a database; balancing skips it this cycle', { database: failure.database.id, error: failure.error });
    }
    options?.signal?.throwIfAborted();
    this.#assertNotDisposed();
    return result;
  }

  /** See `ProjectionDistributor.leaveMembership`: member slots released, set locks kept, watchers idle. */
  async leaveMembership(): Promise<void> {
    this.#assertNotDisposed();
    const results = await Promise.allSettled(
      this.#owners.all().map(async (owner) => {
        owner.watcher?.watch(undefined);
        const slots = owner.lock.heldLocks().filter((id): id is string => typeof id === 'string' && id.startsWith(MEMBER_SLOT_PREFIX));
        for (const slot of slots) await owner.lock.releaseLock(slot);
      }),
    );
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (errors.length > 0) {
      throw new DistributorError('RELEASE_FAILED', `Releasing member slots failed for ${errors.length} lock owner(s)`, {
        cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
      });
    }
  }

  /**
   * Releases one set's lock; the last held set of a removed database also disposes its owner (a
   * lock home: once no other database uses it).
   */
  async release(set: ProjectionSet): Promise<void> {
    const owner = this.#owners.any(set.database.id);
    if (owner === undefined) return;
    await owner.lock.releaseLock(set.lockId);
    await this.#owners.afterRelease(set.database.id);
  }

  async releaseAll(): Promise<void> {
    const results = await Promise.allSettled(this.#owners.all().map((owner) => owner.lock.releaseAll()));
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (errors.length > 0) {
      throw new DistributorError('RELEASE_FAILED', `Releasing locks failed for ${errors.length} database(s)`, {
        cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
      });
    }
  }

  /**
   * Forwards the release notices of every database's lock owner (`AppLock.onReleaseNotice`, when
   * the lock implements it): another node released locks, a free set may be waiting. Heard only
   * from lock owners already created (the first attempt on a database creates its owner).
   */
  onReleaseNotice(listener: () => void): () => void {
    this.#noticeListeners.add(listener);
    return () => {
      this.#noticeListeners.delete(listener);
    };
  }

  /** Subscribes to "a member of a database left" (see `ProjectionDistributor.onMemberLeft`). */
  onMemberLeft(listener: (databaseId: string) => void): () => void {
    this.#memberLeftListeners.add(listener);
    return () => {
      this.#memberLeftListeners.delete(listener);
    };
  }

  /** Whether departures from `databaseId` reach this node without a poll (see `ProjectionDistributor.isMembershipWatched`). */
  isMembershipWatched(databaseId: string): boolean {
    const owner = this.#owners.active(databaseId);
    return owner?.watcher?.armed === true && typeof owner.lock.onReleaseNotice === 'function';
  }

  onSetsLost(listener: (event: SetsLostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.#listeners.clear();
      this.#noticeListeners.clear();
      this.#memberLeftListeners.clear();
      this.#lastSets.clear();
      this.#builds.clear();
      await this.#owners.dispose();
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  /** The lock owner of `database`, created on first use; `undefined` for a database not in the last build. */
  #ownerFor(database: ProjectionDatabase): LockOwner | undefined {
    this.#assertNotDisposed();
    const existing = this.#owners.active(database.id);
    if (existing !== undefined) return existing;
    if (!this.#builds.has(database.id)) {
      this.logger.debug('not attempting sets of a database absent from the last distribution', { database: database.id });
      return undefined;
    }
    return this.#owners.obtain(database, this.#homeOf(database));
  }

  /**
   * Groups `items` by the lock owner of their database (one group per database, or per lock home).
   * Databases absent from the last build are skipped; one whose owner cannot be created (`createLock`
   * threw) is reported to `failed` and skipped.
   */
  #groupByOwner<T>(items: readonly T[], databaseOf: (item: T) => ProjectionDatabase, failed: (database: ProjectionDatabase, error: unknown) => void): Map<string, OwnerGroup<T>> {
    const groups = new Map<string, OwnerGroup<T>>();
    const byDatabase = new Map<string, OwnerGroup<T> | undefined>();
    let lastId: string | undefined;
    let last: OwnerGroup<T> | undefined;
    for (const item of items) {
      const database = databaseOf(item);
      if (database.id !== lastId) {
        lastId = database.id;
        if (byDatabase.has(database.id)) last = byDatabase.get(database.id);
        else {
          let owner: LockOwner | undefined;
          try {
            owner = this.#ownerFor(database);
          } catch (error) {
            if (DistributorError.is(error) && error.code === 'DISPOSED') throw error;
            failed(database, error);
          }
          last = owner === undefined ? undefined : groups.get(owner.key);
          if (owner !== undefined && last === undefined) {
            last = { owner, items: [] };
            groups.set(owner.key, last);
          }
          byDatabase.set(database.id, last);
        }
      }
      last?.items.push(item);
    }
    return groups;
  }

  /**
   * Whether `owner` still holds set locks of `databaseId`: a database's own owner, any set lock
   * (32-bit ids; member slots are strings); a lock home, the lock ids of that database's last build.
   */
  #holdsSetLocks(databaseId: string, owner: LockOwner): boolean {
    if (owner.home === undefined) return owner.lock.heldLocks().some((id) => typeof id === 'number');
    const byLockId = this.#lastSets.get(databaseId);
    if (byLockId === undefined) return false;
    for (const lockId of byLockId.keys()) if (owner.lock.hasLock(lockId)) return true;
    return false;
  }

  /**
   * Points the member watcher of `owner` (a database's own lock owner, or a lock home: one ring of
   * member slots per owner) at `predecessor` (the slot the probe saw before this node's in the
   * ring), creating the watcher (a second lock owner from `createLock` / `createHomeLock`) on first
   * need; `undefined` (not a member, or alone) idles it. `database`: one database of the owner.
   */
  #watch(owner: LockOwner, database: ProjectionDatabase, predecessor: string | undefined): void {
    if (!this.#watchMembers || this.#disposing !== undefined || !canWait(owner.lock)) return;
    if (owner.watcher === undefined) {
      if (predecessor === undefined) return;
      owner.watcher = new MemberWatcher({
        createLock: () => {
          const lock = this.#createLock(database, owner.home);
          // a factory that hands out ONE shared owner: waiting on it would block every attempt
          return lock === owner.lock ? undefined : lock;
        },
        onMemberLeft: () => {
          for (const databaseId of this.#owners.databasesOf(owner)) this.#onMemberLeft(databaseId);
        },
        logger: this.logger,
        clock: this.#clock,
        label: owner.home === undefined ? database.id : `lock home ${owner.home}`,
      });
    }
    owner.watcher.watch(predecessor);
  }

  #onMemberLeft(databaseId: string): void {
    for (const listener of [...this.#memberLeftListeners]) {
      try {
        listener(databaseId);
      } catch (error) {
        this.logger.error('a member-left listener threw', { error });
      }
    }
  }

  #onReleaseNotice(): void {
    for (const listener of [...this.#noticeListeners]) {
      try {
        listener();
      } catch (error) {
        this.logger.error('a release-notice listener threw', { error });
      }
    }
  }

  #onLockLost(owner: LockOwner, event: LockLostEvent): void {
    const databases = this.#owners.databasesOf(owner);
    const sets: ProjectionSet[] = [];
    for (const databaseId of databases) {
      const byLockId = this.#lastSets.get(databaseId);
      if (byLockId === undefined) continue;
      for (const id of event.ids) {
        const set = typeof id === 'number' ? byLockId.get(id) : undefined;
        if (set !== undefined) sets.push(set);
      }
    }
    const where = owner.home === undefined ? { database: databases[0] ?? owner.key.slice(3) } : { lockHost: owner.home, databases: databases.length };
    this.logger.warn('locks lost', { ...where, ids: event.ids, reason: event.error.reason, sets: sets.map((s) => s.key) });
    if (sets.length === 0) return;
    // forwarded only when the lock owner offers it (a third-party AppLock may not)
    const lost: SetsLostEvent = event.waitUntil === undefined ? { sets, error: event.error } : { sets, error: event.error, waitUntil: (work) => event.waitUntil?.(work) };
    for (const listener of [...this.#listeners]) {
      try {
        listener(lost);
      } catch (error) {
        this.logger.error('a sets-lost listener threw', { error });
      }
    }
  }

  #assertNotDisposed(): void {
    if (this.#disposing !== undefined) throw new DistributorError('DISPOSED', 'The distributor was disposed');
  }
}
