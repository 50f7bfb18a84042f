import type { AppLock, AttainOptions, Clock, Logger } from '@polecat/app-lock';
import { canWait, type WaitingLock } from './member-watcher';

/** Appended to a member slot id: the notice of the node holding that slot (see {@link NoticeBell}). */
export const NOTICE_SUFFIX = ':notice';
/** How long a ring waits to take the notice back after letting it go (the successor's watcher takes and releases it first). */
export const RING_RETAKE_MS = 1000;
/**
 * How long a node that rang expects its own ring back from its predecessor (one lap of the ring,
 * milliseconds when nothing is overloaded): that one notice is not relayed again, so a ring stops
 * after one lap. A lap slower than this goes round once more.
 */
export const LAP_WINDOW_MS = 2000;

/** The notice lock id of member slot `slot`: `{slot}:notice`. */
export function noticeIdOf(slot: string): string {
  return `${slot}${NOTICE_SUFFIX}`;
}

/** The member slot behind a notice lock id; `undefined` for any other id. */
export function slotOfNotice(id: string): string | undefined {
  return id.endsWith(NOTICE_SUFFIX) ? id.slice(0, -NOTICE_SUFFIX.length) : undefined;
}

/**
 * Whether lock owners like `lock` relay release notices through the ring of member watchers: the
 * lock can wait (`waitForLock`) but the server sends no release notices (`onReleaseNotice`
 * missing: SQL Server), and member watching is on.
 */
export function relaysNotices(lock: AppLock, watchMembers: boolean): lock is WaitingLock {
  return watchMembers && canWait(lock) && typeof lock.onReleaseNotice !== 'function';
}

/** What a {@link NoticeBell} needs. */
export interface NoticeBellDeps {
  /** The node's lock owner (the one holding its member slot). */
  readonly lock: WaitingLock;
  readonly logger: Logger;
  readonly clock: Clock;
  /** For logs (the database id or lock home). */
  readonly label: string;
  /** Default {@link RING_RETAKE_MS}. */
  readonly retakeMs?: number;
  /** Default {@link LAP_WINDOW_MS}. */
  readonly lapWindowMs?: number;
}

/**
 * A release notice built from exclusive application locks only, for servers without a notice
 * channel (SQL Server). Every member holds, next to its member slot `s`, the lock `s:notice`; its
 * successor's member watcher waits on that lock instead of the slot. Both locks die with the
 * member's session, so a crash still wakes the successor at once. To RING, the member lets its
 * notice go and waits to take it back: the lock manager grants the queued watcher first (FIFO per
 * resource), the watcher releases it at once and the member gets it back, one or two round trips
 * later. A woken successor RELAYS: it rings its own notice, waking its own successor, and so on
 * round the ring; the node that rang does not relay the one notice that comes back to it (within
 * {@link LAP_WINDOW_MS}), so a ring stops after one lap. A notice carries no payload: woken nodes
 * cycle and read what changed; two rings at once may merge (a node then sees the second at its poll).
 */
export class NoticeBell {
  readonly #deps: NoticeBellDeps;
  #notice: string | undefined;
  #ringing: Promise<void> | undefined;
  #again = false;
  /** When this node last rang on its own account; its lap back is expected until {@link LAP_WINDOW_MS} later. */
  #lapDue: number | undefined;
  #rings = 0;

  constructor(deps: NoticeBellDeps) {
    this.#deps = deps;
  }

  /** Rings done (the notice was let go), for tests and diagnostics. */
  get rings(): number {
    return this.#rings;
  }

  /**
   * Keeps the notice of `slot` (this node's member slot; `undefined`: not a member) held, taking it
   * without waiting when it is not (first join, a ring that could not take it back). A ring in
   * progress takes it back itself.
   */
  async hold(slot: string | undefined, options?: AttainOptions): Promise<void> {
    this.#notice = slot === undefined ? undefined : noticeIdOf(slot);
    if (this.#notice === undefined || this.#ringing !== undefined || this.#deps.lock.hasLock(this.#notice)) return;
    await this.#deps.lock.tryAttainLock(this.#notice, options);
  }

  /** Announces a release of this node, or a departure it saw (its successor, then the whole ring, cycles now). Coalesced; never throws. */
  ring(): void {
    if (this.#notice === undefined) return;
    this.#lapDue = this.#deps.clock.now() + (this.#deps.lapWindowMs ?? LAP_WINDOW_MS);
    this.#start();
  }

  /** Passes a notice heard from the predecessor on, unless it is this node's own ring coming back. */
  relay(): void {
    const lapDue = this.#lapDue;
    this.#lapDue = undefined;
    if (lapDue !== undefined && this.#deps.clock.now() <= lapDue) return;
    this.#start();
  }

  #start(): void {
    if (this.#notice === undefined) return;
    if (this.#ringing !== undefined) {
      this.#again = true;
      return;
    }
    this.#ringing = this.#ringLoop().finally(() => (this.#ringing = undefined));
  }

  /** Resolves once no ring is in progress (tests, disposal). */
  async settled(): Promise<void> {
    while (this.#ringing !== undefined) await this.#ringing;
  }

  async #ringLoop(): Promise<void> {
    do {
      this.#again = false;
      const notice = this.#notice;
      const { lock } = this.#deps;
      if (notice === undefined || !lock.hasLock(notice)) return; // the next probe takes it (no lap from here)
      try {
        await lock.releaseLock(notice);
        this.#rings += 1;
        if (!(await lock.waitForLock(notice, { timeoutMs: this.#deps.retakeMs ?? RING_RETAKE_MS }))) {
          this.#deps.logger.debug('notice bell: the notice was not back in time; the next probe takes it', { database: this.#deps.label });
        }
      } catch (error) {
        this.#deps.logger.warn('notice bell: ringing failed; nodes see the release at their next poll', { database: this.#deps.label, error });
        return;
      }
    } while (this.#again);
  }
}
