import { MEMBER_JOINED_NOTICE, MEMBER_LEFT_NOTICE, type ProjectionSet } from '@polecat/distributors';
import type { TakeoverCause } from '../../takeover-cause';

/** What {@link TakeoverTracker.acquired} tells about one acquisition. */
export interface Takeover {
  readonly cause: TakeoverCause;
  /** `regained`: ms since this node lost the set. */
  readonly unownedMs?: number;
  /** `released`: the releaser's reason from its notice (`stopped`, `drained`, `paused`, `balanced`, ...), when it gave one. */
  readonly reason?: string;
}

/**
 * Tells why a set was acquired (see `TakeoverCause`) from what this node saw: its own losses,
 * release notices (with the releaser's reason) and departures, and cycles. A set freed since the
 * previous cycle is `released` when a LIVE node announced a release meanwhile (any notice but the
 * distributors' `member-left` and `member-joined`), else `orphaned`: its holder's session died
 * (this node's member watcher saw it, or another node's watcher announced it with `member-left`,
 * or nothing was announced at all). Costs nothing at steady state (work only on acquisitions, losses,
 * notices and cycle ends).
 */
export class TakeoverTracker {
  /** set key -> clock ms this node lost it. */
  readonly #lostAt = new Map<string, number>();
  #lastReleaseAt = Number.NEGATIVE_INFINITY;
  #lastReleaseReason: string | undefined;
  /** Start of the last completed cycle; undefined before the first one ends (start-up grants). */
  #previousCycleStartedAt: number | undefined;

  /** Sets restarted here with their lock kept: their next acquisition is no takeover. */
  readonly #restarting = new Set<string>();

  restarting(set: ProjectionSet): void {
    this.#restarting.add(set.key);
  }

  lost(set: ProjectionSet, now: number): void {
    this.#lostAt.set(set.key, now);
  }

  /** A release notice from another node, with its reason. */
  notice(now: number, reason?: string): void {
    // a departure (a watcher freeing a dead member's slot) or a join released no set of a live node
    if (reason === MEMBER_LEFT_NOTICE || reason === MEMBER_JOINED_NOTICE) return;
    this.#lastReleaseAt = now;
    this.#lastReleaseReason = reason;
  }

  cycleEnded(startedAt: number): void {
    this.#previousCycleStartedAt = startedAt;
  }

  /** Start / resume: the next first cycle's grants are start-up again. */
  restarted(): void {
    this.#previousCycleStartedAt = undefined;
  }

  /** The takeover an acquisition is, or undefined for a start-up grant. */
  acquired(set: ProjectionSet, now: number): Takeover | undefined {
    if (this.#restarting.delete(set.key)) return undefined;
    const lostAt = this.#lostAt.get(set.key);
    if (lostAt !== undefined) {
      this.#lostAt.delete(set.key);
      return { cause: 'regained', unownedMs: now - lostAt };
    }
    const previous = this.#previousCycleStartedAt;
    if (previous === undefined) return undefined;
    if (this.#lastReleaseAt < previous) return { cause: 'orphaned' };
    return this.#lastReleaseReason === undefined ? { cause: 'released' } : { cause: 'released', reason: this.#lastReleaseReason };
  }
}
