import type { AttainOptions } from '@polecat/app-lock';
import { ListenerSet, logListenerError } from '@polecat/kit';
import { MEMBER_SLOT_PREFIX, memberSlotId, type DatabaseMembership } from '../../cluster-membership';
import { DistributorError } from '../../errors';
import { hash32 } from '../../lock-id-hash';
import { MEMBER_JOINED_NOTICE, MEMBER_LEAVING_NOTICE } from '../../release-reasons';
import type { ProjectionDatabase } from '../../projection-database';
import type { ProjectionSet } from '../../projection-set';
import type { LockOwner, LockOwners } from './lock-owners';
import type { LockScopes } from './lock-scopes';
import type { LockingSettings } from './locking-settings';
import { MemberWatcher, canWait } from './member-watcher';
import { canProbe, probeRing, splitHomeMembership, type ProbingLock, type RingView } from './membership';
import { fingerprintOf, heldSetIds, isLeavingId, leavingIdOf, memberGone, narrowCandidates, rememberProbe } from './narrow-probe';
import { NoticeBell, noticeIdOf, relaysNotices, slotOfNotice } from './notice-bell';
import { databaseIdsOf, groupByOwner, whereOf, type OwnerFailure } from './owner-groups';
import type { RoundTripReporter } from './round-trip-reporter';

/** What {@link MembershipProbe} reads. */
export interface MembershipProbeDeps {
  readonly settings: LockingSettings;
  readonly scopes: LockScopes;
  readonly owners: LockOwners;
  readonly roundTrips: RoundTripReporter;
  /** The lock owner of a database of the last build, created on first use (see `LockingCore`). */
  readonly ownerFor: (database: ProjectionDatabase) => LockOwner | undefined;
  /** Whether the distributor is being disposed (failures are then not reported). */
  readonly disposing: () => boolean;
  /** A relayed notice was heard (see `NoticeBell`): forwarded like a server's release notice. */
  readonly releaseNoticed: () => void;
}

/** The member slot ids of one scope and their leaving markers. */
interface ScopeIds {
  readonly slots: readonly string[];
  readonly markers: readonly string[];
}

/** Releases this node's leaving markers once it is a member again (it joined after a drain). */
async function releaseOwnMarkers(lock: ProbingLock, options: AttainOptions | undefined): Promise<void> {
  for (const id of lock.heldLocks()) if (isLeavingId(id)) await lock.releaseLock(id, { reason: MEMBER_JOINED_NOTICE });
  options?.signal?.throwIfAborted();
}

/** Scopes whose member slot ids a probe keeps (one per database or lock home). */
const MAX_CACHED_SCOPES = 1024;
const PROBE_FAILED = 'membership probe failed for a database; balancing skips it this cycle';

/**
 * Membership for balancing: ONE `probeLocks` round trip per lock owner over its member slots and
 * unheld sets (see `probeRing`), split per database for a lock home; the member watcher of each
 * owner pointed at its predecessor in the ring; member slots left on request (a drain).
 */
export class MembershipProbe {
  readonly #deps: MembershipProbeDeps;
  readonly #memberLeft: ListenerSet<[string]>;
  readonly #slots = new Map<string, ScopeIds>();

  constructor(deps: MembershipProbeDeps) {
    this.#deps = deps;
    this.#memberLeft = new ListenerSet(logListenerError(deps.settings.logger, 'member-left'));
  }

  /**
   * The member slot ids of `scope`, built once: every probe sends them (1 000 at 1 000 nodes), and
   * the same strings each time spare their building and re-hashing on every probe.
   */
  #slotsOf(scope: string): ScopeIds {
    let ids = this.#slots.get(scope);
    if (ids === undefined) {
      // (a scope of a removed database is not tracked: the cache only bounds its size)
      if (this.#slots.size >= MAX_CACHED_SCOPES) this.#slots.clear();
      const slots = Array.from({ length: this.#deps.settings.maxNodes }, (_, index) => memberSlotId(scope, index));
      ids = { slots, markers: slots.map(leavingIdOf) };
      this.#slots.set(scope, ids);
    }
    return ids;
  }

  /** See `ProjectionDistributor.probeMembership`. */
  async probe(distribution: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlyMap<string, DatabaseMembership>> {
    const { settings, roundTrips } = this.#deps;
    const result = new Map<string, DatabaseMembership>();
    if (settings.maxNodes === 0) return result;
    const failures: OwnerFailure[] = [];
    const groups = groupByOwner(distribution, (set) => set.database, this.#deps.ownerFor, failures);
    await Promise.all(
      [...groups.values()].map(async (group) => {
        const { owner, items: sets } = group;
        const lock = owner.lock;
        if (!canProbe(lock)) return;
        const ids = databaseIdsOf(group);
        try {
          const scope = owner.home === undefined ? this.#deps.scopes.memberScope(sets[0]!.database) : this.#deps.scopes.homeScope(owner.home);
          const { slots, markers } = this.#slotsOf(scope);
          // joins are announced (a release notice) while watchers let the others poll slowly
          const joinNotice = settings.watchMembers && canWait(lock) ? `polecat:member:${scope}:joined` : undefined;
          const ring = await roundTrips.time(ids, 'probe', () => this.#probeOwner(owner, lock, { slots, markers }, sets, options, joinNotice), owner.home);
          await this.#bellOf(owner, sets[0]!.database)?.hold(
            slots.find((slot) => lock.hasLock(slot)),
            options,
          );
          if (owner.home === undefined) result.set(ids[0]!, ring.membership);
          else
            for (const [id, membership] of splitHomeMembership(ring.membership, setsByDatabase(sets), (databaseId) => hash32(databaseId) >>> 0))
              result.set(id, membership);
          this.#watch(owner, sets[0]!.database, ring.predecessor);
        } catch (error) {
          if (options?.signal?.aborted || this.#deps.disposing()) return;
          roundTrips.failed(PROBE_FAILED, { ...whereOf(owner, ids), error });
        }
      }),
    );
    for (const failure of failures) {
      if (options?.signal?.aborted || this.#deps.disposing()) break;
      roundTrips.failed(PROBE_FAILED, { database: failure.database.id, error: failure.error });
    }
    options?.signal?.throwIfAborted();
    return result;
  }

  /**
   * One owner's probe: NARROW (member slots, the sets seen free last time and those given up since)
   * when nothing can have freed another set since the last full probe (see `narrowCandidates`),
   * else full (every unheld set); a narrow probe that finds a member gone is followed by a full one
   * at once (that member's sets may be free, unannounced). Remembers what it saw for the next one.
   */
  async #probeOwner(
    owner: LockOwner,
    lock: ProbingLock,
    { slots, markers }: ScopeIds,
    sets: readonly ProjectionSet[],
    options: AttainOptions | undefined,
    joinNotice: string | undefined,
  ): Promise<RingView> {
    const { settings } = this.#deps;
    const memory = owner.probeMemory;
    const fingerprint = fingerprintOf(sets);
    const heldBefore = heldSetIds(lock);
    let probe = { sentAt: settings.clock.now(), notices: owner.notices, full: true, fingerprint };
    const only = narrowCandidates(memory, { lock, notices: probe.notices, now: probe.sentAt, fingerprint, slots });
    const extras = joinNotice === undefined ? { markers } : { markers, joinNotice };
    let ring = await probeRing(lock, slots, sets, settings.random, options, only === undefined ? extras : { ...extras, only });
    if (only !== undefined) {
      probe = { ...probe, full: false };
      if (memberGone(memory!, ring.liveSlots)) {
        probe = { sentAt: settings.clock.now(), notices: owner.notices, full: true, fingerprint };
        ring = await probeRing(lock, slots, sets, settings.random, options, extras);
      }
    }
    // (held before OR after: a set released during the round trip is asked about next time)
    const held = heldSetIds(lock);
    for (const id of heldBefore) held.add(id);
    owner.probeMemory = rememberProbe(memory, probe, { liveSlots: ring.liveSlots, leaving: ring.leaving, free: ring.freeIds, held });
    if (ring.membership.member) await releaseOwnMarkers(lock, options);
    return ring;
  }

  /** See `ProjectionDistributor.leaveMembership`: member slots released, set locks kept, watchers idle. */
  async leave(): Promise<void> {
    const results = await Promise.allSettled(
      this.#deps.owners.all().map(async (owner) => {
        owner.watcher?.watch(undefined);
        const lock = owner.lock;
        const ids = lock.heldLocks().filter((id): id is string => typeof id === 'string' && id.startsWith(MEMBER_SLOT_PREFIX) && !isLeavingId(id));
        // still holding sets: a leaving marker first, so that others probe in full until it is gone (see `LEAVING_SUFFIX`)
        if (heldSetIds(lock).size > 0) for (const id of ids) if (slotOfNotice(id) === undefined) await lock.tryAttainLock(leavingIdOf(id));
        for (const id of ids) await lock.releaseLock(id, { reason: MEMBER_LEAVING_NOTICE });
      }),
    );
    const errors = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (errors.length > 0) {
      throw new DistributorError('RELEASE_FAILED', `Releasing member slots failed for ${errors.length} lock owner(s)`, {
        cause: errors.length === 1 ? errors[0] : new AggregateError(errors),
      });
    }
  }

  /** Whether departures from `databaseId` reach this node without a poll (see `ProjectionDistributor.isMembershipWatched`). */
  isWatched(databaseId: string): boolean {
    const owner = this.#deps.owners.active(databaseId);
    return owner?.watcher?.armed === true && typeof owner.lock.onReleaseNotice === 'function';
  }

  /** Subscribes to "a member of a database left" (see `ProjectionDistributor.onMemberLeft`). */
  onMemberLeft(listener: (databaseId: string) => void): () => void {
    return this.#memberLeft.add(listener);
  }

  /** Drops every listener (the distributor is disposed). */
  clear(): void {
    this.#memberLeft.clear();
  }

  /**
   * Points the member watcher of `owner` (a database's own lock owner, or a lock home: one ring of
   * member slots per owner) at `predecessor` (the slot the probe saw before this node's in the
   * ring), creating the watcher (a second lock owner from `createLock` / `createHomeLock`) on first
   * need; `undefined` (not a member, or alone) idles it. `database`: one database of the owner.
   */
  #watch(owner: LockOwner, database: ProjectionDatabase, predecessor: string | undefined): void {
    const { settings, owners } = this.#deps;
    if (!settings.watchMembers || this.#deps.disposing() || !canWait(owner.lock)) return;
    const bell = owner.bell;
    if (owner.watcher === undefined) {
      if (predecessor === undefined) return;
      owner.watcher = new MemberWatcher({
        ...(bell === undefined
          ? {}
          : {
              memberSlotOf: slotOfNotice,
              onNotice: () => {
                this.#deps.releaseNoticed();
                bell.relay();
              },
            }),
        createLock: () => {
          const lock = settings.createLock(database, owner.home);
          // a factory that hands out ONE shared owner: waiting on it would block every attempt
          return lock === owner.lock ? undefined : lock;
        },
        onMemberLeft: () => {
          owner.notices += 1; // (its sets are free: the next probe is full, whatever the slot looks like then)
          for (const databaseId of owners.databasesOf(owner)) this.#memberLeft.emit(databaseId);
          bell?.ring(); // a departure is news: rung on this node's own account
        },
        logger: settings.logger,
        clock: settings.clock,
        label: owner.home === undefined ? database.id : `lock home ${owner.home}`,
      });
    }
    owner.watcher.watch(predecessor === undefined || bell === undefined ? predecessor : noticeIdOf(predecessor));
  }

  /** The notice bell of `owner` when its lock relays notices (see `relaysNotices`), created on first need. */
  #bellOf(owner: LockOwner, database: ProjectionDatabase): NoticeBell | undefined {
    const { settings } = this.#deps;
    if (owner.bell !== undefined || this.#deps.disposing() || !relaysNotices(owner.lock, settings.watchMembers)) return owner.bell;
    owner.bell = new NoticeBell({
      lock: owner.lock,
      logger: settings.logger,
      clock: settings.clock,
      label: owner.home === undefined ? database.id : `lock home ${owner.home}`,
    });
    return owner.bell;
  }
}

/** The sets of a lock home's probe, per database (one list each, not a copy per set). */
function setsByDatabase(sets: readonly ProjectionSet[]): Map<string, ProjectionSet[]> {
  const byDatabase = new Map<string, ProjectionSet[]>();
  for (const set of sets) {
    const group = byDatabase.get(set.database.id);
    if (group === undefined) byDatabase.set(set.database.id, [set]);
    else group.push(set);
  }
  return byDatabase;
}
