import type { ProjectionSet } from '@polecat/distributors';
import type { TakeoverCause } from '../../takeover-cause';

/**
 * Tells why a set was acquired (see `TakeoverCause`) from what this node saw: its own losses,
 * release notices, and cycles. Costs nothing at steady state (work only on acquisitions, losses,
 * notices and cycle ends).
 */
export class TakeoverTracker {
  /** set key -> clock ms this node lost it. */
  readonly #lostAt = new Map<string, number>();
  #lastNoticeAt = Number.NEGATIVE_INFINITY;
  #lastMemberLeftAt = Number.NEGATIVE_INFINITY;
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

  notice(now: number): void {
    this.#lastNoticeAt = now;
  }

  /** This node's member watcher saw a member leave (its sets are orphans, whatever notice follows). */
  memberLeft(now: number): void {
    this.#lastMemberLeftAt = now;
  }

  cycleEnded(startedAt: number): void {
    this.#previousCycleStartedAt = startedAt;
  }

  /** Start / resume: the next first cycle's grants are start-up again. */
  restarted(): void {
    this.#previousCycleStartedAt = undefined;
  }

  /** The takeover an acquisition is, or undefined for a start-up grant. */
  acquired(set: ProjectionSet, now: number): { readonly cause: TakeoverCause; readonly unownedMs?: number } | undefined {
    if (this.#restarting.delete(set.key)) return undefined;
    const lostAt = this.#lostAt.get(set.key);
    if (lostAt !== undefined) {
      this.#lostAt.delete(set.key);
      return { cause: 'regained', unownedMs: now - lostAt };
    }
    const previous = this.#previousCycleStartedAt;
    if (previous === undefined) return undefined;
    if (this.#lastMemberLeftAt >= previous) return { cause: 'orphaned' };
    return { cause: this.#lastNoticeAt >= previous ? 'released' : 'orphaned' };
  }
}
