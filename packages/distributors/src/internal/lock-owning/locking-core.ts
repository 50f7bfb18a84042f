import type { AttainOptions, ReleaseNotice, ReleaseOptions } from '@polecat/app-lock';
import { ListenerSet, logListenerError } from '@polecat/kit';
import type { DatabaseMembership } from '../../cluster-membership';
import type { LockingDistributorOptions } from '../../distributor-options';
import { DistributorError } from '../../errors';
import type { ProjectionDatabase } from '../../projection-database';
import type { ProjectionSet } from '../../projection-set';
import { readDistribution } from '../read-distribution';
import { randomWaitMs, shuffle } from '../shuffle';
import { BuildCache } from './build-cache';
import { LockOwners, type LockOwner } from './lock-owners';
import { LockScopes, lockHostOf } from './lock-scopes';
import { readLockingSettings, type LockingSettings } from './locking-settings';
import { MembershipProbe } from './membership-probe';
import { databaseIdsOf, groupByOwner, whereOf, type OwnerFailure } from './owner-groups';
import { RoundTripReporter } from './round-trip-reporter';
import { SetLoss } from './set-loss';
import { releaseGroups, throwIfReleasesFailed } from './set-release';
import type { SetLayout, SetLayoutFactory } from './set-layout';

const ATTEMPT_FAILED = 'lock attempt failed for a database; its sets are not held this cycle';
const CONFIRM_FAILED = 'confirming held locks failed for a database; its sets are not started';

/**
 * The lock-owning distributors composed from their parts: one lazily created lock owner per
 * database, or per lock home ({@link LockOwners}), reused across cycles; the database list re-read at
 * every build ({@link BuildCache}: a removed database's sets leave the distribution; its owner goes
 * once they are released and no other database uses it); ONE `tryAttainLocks` round trip per lock
 * owner ({@link groupByOwner}); membership ({@link MembershipProbe}); lost locks mapped to sets
 * ({@link SetLoss}). Only the {@link SetLayout} differs between distributors.
 */
export class LockingCore {
  readonly #settings: LockingSettings;
  readonly #layout: SetLayout;
  readonly #scopes: LockScopes;
  readonly #builds = new BuildCache();
  readonly #owners: LockOwners;
  /** Times the round trips for `onLockRoundTrip` listeners. */
  readonly roundTrips: RoundTripReporter;
  /** The room for lost locks (`onSetsLost`). */
  readonly loss: SetLoss;
  /** Membership probes, member watchers (`onMemberLeft`, `isMembershipWatched`). */
  readonly membership: MembershipProbe;
  /** Every lock owner's release notices, forwarded (`onReleaseNotice`). */
  readonly releaseNotices: ListenerSet<[ReleaseNotice]>;
  #disposing: Promise<void> | undefined;

  constructor(options: LockingDistributorOptions, layoutFactory: SetLayoutFactory) {
    const settings = readLockingSettings(options);
    this.#settings = settings;
    const { logger } = settings;
    this.#layout = layoutFactory({ daemonLockId: settings.daemonLockId, logger, lockHostOf: (database) => lockHostOf(settings.lockHost, database) });
    this.#scopes = new LockScopes(settings, this.#layout);
    this.releaseNotices = new ListenerSet(logListenerError(logger, 'release-notice'));
    this.#owners = new LockOwners({
      createLock: settings.createLock,
      logger,
      onLockLost: (owner, event) => this.loss.lockLost(owner, event),
      onReleaseNotice: (notice) => this.releaseNotices.emit(notice),
      holdsSetLocks: (databaseId, owner) => this.#holdsSetLocks(databaseId, owner),
    });
    this.roundTrips = new RoundTripReporter(settings.clock, logger);
    this.loss = new SetLoss({ builds: this.#builds, databasesOf: (owner) => this.#owners.databasesOf(owner), logger });
    this.membership = new MembershipProbe({
      settings,
      scopes: this.#scopes,
      owners: this.#owners,
      roundTrips: this.roundTrips,
      ownerFor: (database) => this.#ownerFor(database),
      disposing: () => this.#disposing !== undefined,
      releaseNoticed: () => this.releaseNotices.emit({}), // a bell carries no reason (SQL Server: see the README)
    });
  }

  async buildDistribution(signal?: AbortSignal): Promise<readonly ProjectionSet[]> {
    this.#assertNotDisposed();
    const read = await readDistribution(this.#settings.databases, this.#settings.shards, signal);
    this.#assertNotDisposed();
    const current = new Set(read.map((entry) => entry.database.id));
    // A removed database's sets leave the distribution; their locks stay held until whoever runs
    // their agents has stopped them and released each set (then its owner is disposed).
    await Promise.all(
      this.#owners
        .activeIds()
        .filter((id) => !current.has(id))
        .map((id) => this.#owners.remove(id)),
    );
    this.#builds.retain(current, (id) => this.#owners.any(id) !== undefined);
    const sets = read.flatMap(({ database, shards }) => this.#builds.setsOf(database, shards, (changed, names) => this.#layout.setsFor(changed, names)));
    return shuffle(sets, this.#settings.random);
  }

  async randomWait(signal?: AbortSignal): Promise<void> {
    await this.#settings.clock.sleep(randomWaitMs(this.#settings.random), signal);
  }

  hasLock(set: ProjectionSet): boolean {
    return this.#owners.any(set.database.id)?.lock.hasLock(set.lockId) ?? false;
  }

  lockSignal(set: ProjectionSet): AbortSignal | undefined {
    return this.#owners.any(set.database.id)?.lock.lockSignal(set.lockId);
  }

  async tryAttain(set: ProjectionSet, options?: AttainOptions): Promise<boolean> {
    const owner = this.#ownerFor(set.database);
    return owner === undefined ? false : owner.lock.tryAttainLock(set.lockId, options);
  }

  async tryAttainMany(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>> {
    this.#assertNotDisposed();
    const held = new Set<string>();
    const failures: OwnerFailure[] = [];
    const groups = groupByOwner(
      sets,
      (set) => set.database,
      (database) => this.#ownerFor(database),
      failures,
    );
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { owner, items } = group;
        const ids = databaseIdsOf(group);
        try {
          const got = await this.roundTrips.time(
            ids,
            'attain',
            () => owner.lock.tryAttainLocks([...new Set(items.map((set) => set.lockId))], options),
            owner.home,
          );
          for (const set of items) if (got.has(set.lockId)) held.add(set.key);
        } catch (error) {
          if (options?.signal?.aborted || this.#disposing !== undefined) return;
          this.roundTrips.failed(ATTEMPT_FAILED, { ...whereOf(owner, ids), sets: items.length, error });
        }
      }),
    );
    for (const failure of failures) {
      if (options?.signal?.aborted || this.#disposing !== undefined) break;
      this.roundTrips.failed(ATTEMPT_FAILED, { database: failure.database.id, sets: 1, error: failure.error });
    }
    options?.signal?.throwIfAborted();
    this.#assertNotDisposed(); // disposed meanwhile: nothing is held any more
    return held;
  }

  /**
   * One `verifyLocks` round trip per lock owner that holds some of `sets` (owners are never created
   * here: a set of a database without one is not held); the keys of the sets still held after it.
   * A failed round trip confirms nothing of its owner (the session is dropped, its locks lost).
   */
  async confirmHeld(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>> {
    this.#assertNotDisposed();
    const confirmed = new Set<string>();
    const groups = groupByOwner(
      sets,
      (set) => set.database,
      (database) => this.#owners.any(database.id),
      [],
    );
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { owner, items } = group;
        if (!items.some((set) => owner.lock.hasLock(set.lockId))) return;
        const ids = databaseIdsOf(group);
        try {
          await this.roundTrips.time(ids, 'confirm', () => owner.lock.verifyLocks(options), owner.home);
        } catch (error) {
          if (options?.signal?.aborted || this.#disposing !== undefined) return;
          this.roundTrips.failed(CONFIRM_FAILED, { ...whereOf(owner, ids), sets: items.length, error });
          return;
        }
        for (const set of items) if (owner.lock.hasLock(set.lockId)) confirmed.add(set.key);
      }),
    );
    options?.signal?.throwIfAborted();
    this.#assertNotDisposed();
    return confirmed;
  }

  async probeMembership(distribution: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlyMap<string, DatabaseMembership>> {
    this.#assertNotDisposed();
    const result = await this.membership.probe(distribution, options);
    this.#assertNotDisposed();
    return result;
  }

  async leaveMembership(): Promise<void> {
    this.#assertNotDisposed();
    await this.membership.leave();
  }

  /** Releases one set's lock; the last held set of a removed database also disposes its owner (a lock home: once no other database uses it). */
  async release(set: ProjectionSet, options?: ReleaseOptions): Promise<void> {
    const owner = this.#owners.any(set.database.id);
    if (owner === undefined) return;
    await owner.lock.releaseLock(set.lockId, options);
    owner.bell?.ring(); // without server release notices: the ring of member watchers hears it
    await this.#owners.afterRelease(set.database.id);
  }

  /**
   * Releases the locks of `sets` with ONE round trip per lock owner (see {@link releaseGroups}); a
   * removed database whose last set went also disposes its owner, as after {@link release}.
   */
  async releaseSets(sets: readonly ProjectionSet[], options?: ReleaseOptions): Promise<void> {
    const groups = groupByOwner(
      sets,
      (set) => set.database,
      (database) => this.#owners.any(database.id),
      [],
    );
    const errors = await releaseGroups(groups.values(), options);
    for (const databaseId of new Set(sets.map((set) => set.database.id))) await this.#owners.afterRelease(databaseId);
    throwIfReleasesFailed(errors, 'lock owner(s)');
  }

  async releaseAll(options?: ReleaseOptions): Promise<void> {
    const results = await Promise.allSettled(this.#owners.all().map((owner) => owner.lock.releaseAll(options)));
    throwIfReleasesFailed(
      results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
      'database(s)',
    );
  }

  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.loss.clear();
      this.releaseNotices.clear();
      this.membership.clear();
      this.#builds.clear();
      await this.#owners.dispose();
    })();
    return this.#disposing;
  }

  /** The lock owner of `database`, created on first use; `undefined` for a database not in the last build. */
  #ownerFor(database: ProjectionDatabase): LockOwner | undefined {
    this.#assertNotDisposed();
    const existing = this.#owners.active(database.id);
    if (existing !== undefined) return existing;
    if (!this.#builds.has(database.id)) {
      this.#settings.logger.debug('not attempting sets of a database absent from the last distribution', { database: database.id });
      return undefined;
    }
    return this.#owners.obtain(database, this.#scopes.homeOf(database));
  }

  /**
   * Whether `owner` still holds set locks of `databaseId`: a database's own owner, any set lock
   * (32-bit ids; member slots are strings); a lock home, the lock ids of that database's last build.
   */
  #holdsSetLocks(databaseId: string, owner: LockOwner): boolean {
    if (owner.home === undefined) return owner.lock.heldLocks().some((id) => typeof id === 'number');
    return this.#builds.holdsAnySetOf(databaseId, owner.lock);
  }

  #assertNotDisposed(): void {
    if (this.#disposing !== undefined) throw new DistributorError('DISPOSED', 'The distributor was disposed');
  }
}
