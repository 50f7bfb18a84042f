import type { AttainOptions, LockLostError, ReleaseNotice, ReleaseOptions } from '@polecat/app-lock';
import type { DatabaseMembership } from './cluster-membership';
import type { DistributorCapabilities } from './distributor-capabilities';
import type { LockRoundTripEvent } from './lock-round-trip';
import type { ProjectionSet } from './projection-set';

/**
 * Delivered when sets this node held are lost: their lock connection died or failed verification,
 * or their database left the list (reason `released`, announced before the locks are released).
 */
export interface SetsLostEvent {
  readonly sets: readonly ProjectionSet[];
  readonly error: LockLostError;
  /**
   * Present when the lock owner can keep a given-up session open (the underlying
   * `LockLostEvent.hold`, e.g. `PostgresAppLock`, `SqlServerAppLock`): call it from the listener,
   * before it returns, with the promise of "every agent of these sets returned"; called later it
   * throws `LockHoldClosedError` (the hold would be lost). When THIS side gave the session up (a
   * request or verification timed out) while the server may still hold the locks, the connection
   * stays open until that work settled (bounded by the lock's `lostSessionHoldMs`), so no other
   * node is granted these sets while their aborted agents still run. The coordinator passes its
   * drains.
   */
  readonly hold?: (work: PromiseLike<unknown>) => void;
  /** @deprecated The same function as {@link SetsLostEvent.hold}. */
  readonly waitUntil?: (work: PromiseLike<unknown>) => void;
}

/**
 * Builds the projection sets each cycle and owns their locks (one lock owner per database,
 * reused across cycles). The coordinator decides WHICH sets to attempt (so a balancer can attempt
 * only while under its fair share) and hands a set over by stopping its agents and then calling
 * {@link ProjectionDistributor.release}.
 *
 * An open contract: a third-party distributor implements the required members (build, wait,
 * hold, attempt, release, losses, dispose) and whichever optional ones its locks allow; what it
 * is (solo, how shares are counted) is data in {@link ProjectionDistributor.capabilities}. The
 * README's *Writing a distributor* says what the coordinator does without each optional member.
 */
export interface ProjectionDistributor extends AsyncDisposable {
  /** What the coordinator may rely on (see {@link DistributorCapabilities}); absent: every default (a locking, per-database distributor). */
  readonly capabilities?: DistributorCapabilities;
  /**
   * @deprecated Read {@link ProjectionDistributor.capabilities} instead (`solo`, `shareScope`).
   * Still set by this package's distributors; a third-party distributor leaves it out.
   */
  readonly kind?: 'solo' | 'single-tenant' | 'multi-tenanted';
  /**
   * The current sets, in a fresh random order. Re-reads the database list: a database that
   * disappeared has its lock owner disposed (its sets are then not held).
   */
  buildDistribution(signal?: AbortSignal): Promise<readonly ProjectionSet[]>;
  /** The one-time random start-up wait (0-499 ms by default; none for Solo). */
  randomWait(signal?: AbortSignal): Promise<void>;
  /** In-memory and honest: false as soon as the set's lock is known lost. */
  hasLock(set: ProjectionSet): boolean;
  /** Aborts (reason: `LockLostError`) when the set's lock is lost or released; undefined if not held. */
  lockSignal(set: ProjectionSet): AbortSignal | undefined;
  /** Tries one set's lock. */
  tryAttain(set: ProjectionSet, options?: AttainOptions): Promise<boolean>;
  /**
   * Tries many sets at once: ONE lock round trip per database involved. Resolves with the keys of
   * the sets held afterwards among those given. A database whose attempt failed (unreachable) is
   * logged and its sets are simply not held; other databases are unaffected.
   */
  tryAttainMany(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>>;
  /** Releases one set's lock (no-op when not held); `reason` goes into the release notice. */
  release(set: ProjectionSet, options?: ReleaseOptions): Promise<void>;
  /** Releases every lock held through this distributor; `reason` goes into the release notice. */
  releaseAll(options?: ReleaseOptions): Promise<void>;
  /** Subscribes to set losses; returns the unsubscribe function. */
  onSetsLost(listener: (event: SetsLostEvent) => void): () => void;
  /** Releases everything and disposes every lock owner. Idempotent. */
  dispose(): Promise<void>;

  // Optional members: the coordinator checks for each and does without it (see the README).

  /**
   * Optional (the locking distributors): releases the locks of `sets` (those held; the others are
   * no-ops) with ONE lock round trip per lock owner involved (`AppLock.releaseLocks`; a lock without
   * it releases each id with `releaseLock`), `reason` in each release notice. Every owner is tried;
   * then it rejects with `RELEASE_FAILED` if any failed. The coordinator uses it when the sets due
   * for release in one tick are not every set it holds; without it, it calls `release` per set.
   */
  releaseSets?(sets: readonly ProjectionSet[], options?: ReleaseOptions): Promise<void>;
  /**
   * Optional (the locking distributors, when their `AppLock` implements `probeLocks`): membership
   * for balancing. For every database of `distribution`, ONE probe round trip (a second one only
   * while this node takes its member slot) tells how many nodes are live and which of the sets not
   * held here nobody holds. Resolves per database id; a database that cannot be probed (lock
   * without `probeLocks`, unreachable, `maxNodes: 0`) is absent.
   */
  probeMembership?(distribution: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlyMap<string, DatabaseMembership>>;
  /**
   * Optional (the locking distributors; heard when their `AppLock` implements `onReleaseNotice`):
   * subscribes to "another node released locks on one of the databases" hints, so a coordinator can
   * try at once instead of at its next poll. No set is named; notices may be coalesced or missed.
   * Each carries the releaser's reason when it gave one (see {@link MEMBER_LEFT_NOTICE}).
   * Returns the unsubscribe function.
   */
  onReleaseNotice?(listener: (notice?: ReleaseNotice) => void): () => void;
  /**
   * Optional (the locking distributors with member watchers, see `watchMembers`): subscribes to
   * "a member of this database left" (its member slot, watched by a waiting lock request, was
   * granted to this node: the node died, lost its session or released its slot). Called with the
   * database id, at most once per departure seen by this node (only the departed node's successor
   * in the ring is told; on PostgreSQL the successor's release of the slot reaches every other node
   * as a release notice). A cue to probe membership and take a new fair share at once. Returns the
   * unsubscribe function.
   */
  onMemberLeft?(listener: (databaseId: string) => void): () => void;
  /**
   * Optional (with member watchers): whether departures from `databaseId` reach this node without
   * a poll: its member watcher is armed on a healthy connection AND the lock owner announces
   * releases (`onReleaseNotice`), so the coordinator may poll that database more slowly while it
   * wants nothing. `false` when unsure.
   */
  isMembershipWatched?(databaseId: string): boolean;
  /**
   * Optional (the locking distributors): subscribes to every lock round trip (batched attempt,
   * membership probe, confirmation) with its database, duration and failure, for metrics and for reporting an
   * unreachable database. While someone listens, the distributor does not log failed round trips
   * itself (the listener reports them, e.g. the coordinator once per retry step). Returns the
   * unsubscribe function.
   */
  onLockRoundTrip?(listener: (event: LockRoundTripEvent) => void): () => void;
  /**
   * Optional (the locking distributors): asks the server, in ONE round trip per lock owner (the
   * lock's own session: `AppLock.verifyLocks`), whether the locks of `sets` are still granted here.
   * Resolves with the keys of the sets confirmed held. A lock found missing, or whose session fails
   * the round trip (a session the server ended), is marked lost and announced (`onSetsLost`) and its
   * set is absent; so is a set never attained here. The coordinator calls it after taking a fencing
   * epoch and before starting agents: a live session proves the lock was still held when the epoch
   * was taken, so no later owner (with an older epoch) can exist.
   */
  confirmHeld?(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>>;
  /**
   * Optional (the locking distributors with membership): releases this node's member slots on every
   * database (every lock home) and idles its member watchers, keeping every set lock. The other
   * nodes' next probe (at once where release notices or watchers reach them) no longer counts this
   * node, so they share the sets out among themselves while this node hands its sets over (a drain)
   * instead of handing sets back and forth to make room for a node that takes none. The next
   * `probeMembership` takes a slot again.
   */
  leaveMembership?(): Promise<void>;
}
