import type { AttainOptions, ReleaseNotice, ReleaseOptions } from '@polecat/app-lock';
import type { DatabaseMembership } from '../../cluster-membership';
import type { LockingDistributorOptions } from '../../distributor-options';
import type { LockRoundTripEvent } from '../../lock-round-trip';
import type { ProjectionDistributor, SetsLostEvent } from '../../projection-distributor';
import type { ProjectionSet } from '../../projection-set';
import { LockingCore } from './locking-core';
import type { SetLayoutFactory } from './set-layout';

/** Gives a new distributor its core; module-private, so nothing of the composition reaches the public types. */
let installCore: (distributor: LockOwningDistributor, core: LockingCore) => void;

/**
 * Composes the {@link LockingCore} of `distributor` from its options and its layout: called first
 * thing in the constructor of a lock-owning distributor (after `super()`).
 */
export function composeLockingDistributor(distributor: LockOwningDistributor, options: LockingDistributorOptions, layout: SetLayoutFactory): void {
  installCore(distributor, new LockingCore(options, layout));
}

/**
 * What the distributors that take locks share: every member of {@link ProjectionDistributor}
 * (the optional ones included), each served by the locking core their constructor composes from
 * their set layout. Nothing protected: a subclass differs by its layout only.
 */
export class LockOwningDistributor implements ProjectionDistributor {
  #core: LockingCore | undefined;

  static {
    installCore = (distributor, core) => {
      distributor.#core = core;
    };
  }

  get #parts(): LockingCore {
    return this.#core!;
  }

  /** The current sets, in a fresh random order (see `ProjectionDistributor.buildDistribution`). */
  buildDistribution(signal?: AbortSignal): Promise<readonly ProjectionSet[]> {
    return this.#parts.buildDistribution(signal);
  }

  /** Sleeps 0-499 ms on the injected clock (once per coordinator start). */
  randomWait(signal?: AbortSignal): Promise<void> {
    return this.#parts.randomWait(signal);
  }

  hasLock(set: ProjectionSet): boolean {
    return this.#parts.hasLock(set);
  }

  lockSignal(set: ProjectionSet): AbortSignal | undefined {
    return this.#parts.lockSignal(set);
  }

  /** Errors of the lock owner (e.g. the database is unreachable) reject; losing the race resolves `false`. */
  tryAttain(set: ProjectionSet, options?: AttainOptions): Promise<boolean> {
    return this.#parts.tryAttain(set, options);
  }

  tryAttainMany(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>> {
    return this.#parts.tryAttainMany(sets, options);
  }

  /** One `verifyLocks` round trip per lock owner of `sets` (see `ProjectionDistributor.confirmHeld`). */
  confirmHeld(sets: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlySet<string>> {
    return this.#parts.confirmHeld(sets, options);
  }

  probeMembership(distribution: readonly ProjectionSet[], options?: AttainOptions): Promise<ReadonlyMap<string, DatabaseMembership>> {
    return this.#parts.probeMembership(distribution, options);
  }

  /** See `ProjectionDistributor.leaveMembership`: member slots released, set locks kept, watchers idle. */
  leaveMembership(): Promise<void> {
    return this.#parts.leaveMembership();
  }

  /** Whether departures from `databaseId` reach this node without a poll (see `ProjectionDistributor.isMembershipWatched`). */
  isMembershipWatched(databaseId: string): boolean {
    return this.#parts.membership.isWatched(databaseId);
  }

  /** Subscribes to "a member of a database left" (see `ProjectionDistributor.onMemberLeft`). */
  onMemberLeft(listener: (databaseId: string) => void): () => void {
    return this.#parts.membership.onMemberLeft(listener);
  }

  /** Subscribes to every lock round trip (attempt, probe) with its database(s), duration and failure. */
  onLockRoundTrip(listener: (event: LockRoundTripEvent) => void): () => void {
    return this.#parts.roundTrips.add(listener);
  }

  /**
   * Forwards the release notices of every database's lock owner (`AppLock.onReleaseNotice`, when
   * the lock implements it): another node released locks, a free set may be waiting. Heard only
   * from lock owners already created (the first attempt on a database creates its owner).
   */
  onReleaseNotice(listener: (notice: ReleaseNotice) => void): () => void {
    return this.#parts.releaseNotices.add(listener);
  }

  onSetsLost(listener: (event: SetsLostEvent) => void): () => void {
    return this.#parts.loss.on(listener);
  }

  /** Releases one set's lock; the last held set of a removed database also disposes its owner. */
  release(set: ProjectionSet, options?: ReleaseOptions): Promise<void> {
    return this.#parts.release(set, options);
  }

  /** One release round trip per lock owner of `sets` (see `ProjectionDistributor.releaseSets`). */
  releaseSets(sets: readonly ProjectionSet[], options?: ReleaseOptions): Promise<void> {
    return this.#parts.releaseSets(sets, options);
  }

  releaseAll(options?: ReleaseOptions): Promise<void> {
    return this.#parts.releaseAll(options);
  }

  dispose(): Promise<void> {
    return this.#parts.dispose();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}
