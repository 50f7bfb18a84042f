import type { AppLock, Clock, Logger } from '@polecat/app-lock';
import { MEMBER_LEFT_NOTICE } from '../../release-reasons';

/** An AppLock that implements the optional `waitForLock` extra. */
export type WaitingLock = AppLock & Required<Pick<AppLock, 'waitForLock'>>;

/** `true` when `lock` implements `waitForLock`. */
export function canWait(lock: AppLock): lock is WaitingLock {
  return typeof lock.waitForLock === 'function';
}

/** How long one waiting request lasts before it is issued again (the backend may split it further). */
export const MEMBER_WATCH_WAIT_MS = 10_000;
/** First retry delay after the watcher's connection failed; doubles up to {@link MEMBER_WATCH_MAX_BACKOFF_MS}. */
export const MEMBER_WATCH_BACKOFF_MS = 250;
export const MEMBER_WATCH_MAX_BACKOFF_MS = 30_000;

/** What a {@link MemberWatcher} needs. */
export interface MemberWatcherDeps {
  /**
   * Creates the watcher's own lock owner (a second dedicated connection, e.g. the same
   * `createLock`); `undefined` when none can be had (the watcher then stops for good).
   */
  readonly createLock: () => AppLock | undefined;
  /** The watched member slot was granted: its node left (died, lost its session or released it). */
  readonly onMemberLeft: () => void;
  /**
   * With a watched NOTICE (see `NoticeBell`): the member slot behind a watched id, probed after a
   * grant; still held means its node rang ({@link MemberWatcherDeps.onNotice}), free means it left.
   */
  readonly memberSlotOf?: (target: string) => string | undefined;
  /** The watched node rang its notice (it released locks) and is still a member. */
  readonly onNotice?: () => void;
  readonly logger: Logger;
  readonly clock: Clock;
  /** For logs (the database id). */
  readonly label: string;
  /** Length of one waiting request. Default {@link MEMBER_WATCH_WAIT_MS}. */
  readonly waitMs?: number;
}

/**
 * Waits, on a dedicated lock owner, for ONE member slot: the one of this node's predecessor in the
 * ring of live members (see `probeRing`). The server grants that waiting request the moment the
 * predecessor's session ends (crash, kill, TCP reset) or it releases its slot (drain, stop), so a
 * node learns that a member left without polling. On a grant the slot is released at once (on
 * PostgreSQL that release also `pg_notify`s every other node's lock owner, so all of them wake),
 * {@link MemberWatcherDeps.onMemberLeft} is called, and the watcher idles until the next probe
 * names a target again ({@link MemberWatcher.watch}). A re-target aborts the current wait (a
 * cancel on PostgreSQL; a new connection on SQL Server). Connection failures are retried with a
 * backoff (250 ms doubling to 30 s) and logged; meanwhile {@link MemberWatcher.armed} is `false`
 * and the coordinator keeps its fast poll. Waits are bounded (`waitMs`) and issued again.
 */
export class MemberWatcher {
  readonly #deps: MemberWatcherDeps;
  readonly #waitMs: number;
  readonly #lifetime = new AbortController();
  #lock: WaitingLock | undefined;
  #target: string | undefined;
  #current: AbortController | undefined;
  #waiting = false;
  #failures = 0;
  #idle: (() => void) | undefined;
  #loop: Promise<void> | undefined;
  #grants = 0;

  constructor(deps: MemberWatcherDeps) {
    this.#deps = deps;
    this.#waitMs = deps.waitMs ?? MEMBER_WATCH_WAIT_MS;
  }

  /** The slot watched now (`undefined`: idle). */
  get target(): string | undefined {
    return this.#target;
  }

  /** A waiting request is out on a healthy connection (no failure since the last good wait). */
  get armed(): boolean {
    return this.#target !== undefined && this.#waiting && this.#failures === 0;
  }

  /** Grants seen (members that left), for tests and diagnostics. */
  get grants(): number {
    return this.#grants;
  }

  /** Watches `slot` from now on (`undefined`: nothing); the same slot again changes nothing. */
  watch(slot: string | undefined): void {
    if (this.#lifetime.signal.aborted || slot === this.#target) return;
    this.#target = slot;
    this.#current?.abort(new Error('member watcher re-targeted'));
    this.#idle?.();
    this.#loop ??= this.#run();
  }

  /** Ends the wait and closes the watcher's connection (nothing is left waiting on the server). */
  async dispose(): Promise<void> {
    if (!this.#lifetime.signal.aborted) {
      this.#lifetime.abort(new Error('member watcher disposed'));
      this.#current?.abort(this.#lifetime.signal.reason);
      this.#idle?.();
    }
    await this.#loop;
    await this.#lock?.dispose().catch(() => undefined);
  }

  async #run(): Promise<void> {
    const lifetime = this.#lifetime.signal;
    while (!lifetime.aborted) {
      const target = this.#target;
      if (target === undefined) {
        await new Promise<void>((resolve) => (this.#idle = resolve));
        this.#idle = undefined;
        continue;
      }
      const controller = new AbortController();
      this.#current = controller;
      try {
        const lock = this.#obtainLock();
        if (lock === undefined) {
          this.#deps.logger.warn(
            'member watcher: no second lock owner (createLock returned the same owner, or one without waitForLock); departures are seen at the next poll',
            {
              database: this.#deps.label,
            },
          );
          this.#target = undefined;
          this.#lifetime.abort(new Error('member watcher unavailable'));
          return;
        }
        this.#waiting = true;
        const granted = await lock.waitForLock(target, { timeoutMs: this.#waitMs, signal: controller.signal });
        this.#waiting = false;
        this.#failures = 0;
        if (!granted) continue; // timed out: issue it again
        this.#grants += 1;
        if (this.#target === target) this.#target = undefined; // until the next probe names the new predecessor
        try {
          await lock.releaseLock(target, { reason: MEMBER_LEFT_NOTICE });
        } catch (error) {
          this.#deps.logger.warn('member watcher: releasing a granted member slot failed', { database: this.#deps.label, slot: target, error });
        }
        const rang = await this.#stillMember(lock, target);
        this.#deps.logger.debug(rang ? 'member watcher: a member rang its notice' : 'member watcher: a member left', {
          database: this.#deps.label,
          slot: target,
        });
        try {
          if (rang) this.#deps.onNotice?.();
          else this.#deps.onMemberLeft();
        } catch (error) {
          this.#deps.logger.error('a member-left listener threw', { error });
        }
      } catch (error) {
        this.#waiting = false;
        if (controller.signal.aborted) continue; // re-targeted or disposed
        this.#failures += 1;
        const delayMs = Math.min(MEMBER_WATCH_MAX_BACKOFF_MS, MEMBER_WATCH_BACKOFF_MS * 2 ** (this.#failures - 1));
        this.#deps.logger.warn('member watcher: waiting for a member slot failed; polling covers meanwhile, retrying', {
          database: this.#deps.label,
          failures: this.#failures,
          retryInMs: delayMs,
          error,
        });
        try {
          await this.#deps.clock.sleep(delayMs, lifetime, { ref: false });
        } catch {
          // disposed
        }
      } finally {
        if (this.#current === controller) this.#current = undefined;
      }
    }
  }

  /** After a grant of a notice: whether the member slot behind it is still held (its node rang, did not leave). */
  async #stillMember(lock: WaitingLock, target: string): Promise<boolean> {
    const slot = this.#deps.memberSlotOf?.(target);
    if (slot === undefined || typeof lock.probeLocks !== 'function') return false;
    try {
      return (await lock.probeLocks([slot])).has(slot);
    } catch {
      return false; // counted as a departure: the woken node probes anyway
    }
  }

  #obtainLock(): WaitingLock | undefined {
    if (this.#lock !== undefined) return this.#lock;
    const lock = this.#deps.createLock();
    if (lock === undefined) return undefined;
    if (!canWait(lock)) {
      void lock.dispose().catch(() => undefined);
      return undefined;
    }
    this.#lock = lock;
    return lock;
  }
}
