import type { Clock } from '../clock';
import type { LockId } from '../lock-id';
import type { Logger } from '../logger';
import type { LockSession } from './lock-session';

/** A given-up session kept open until its loss's `hold` work settled (or the hold limit). */
interface HeldOpenSession {
  readonly session: LockSession<unknown>;
  readonly ids: readonly LockId[];
  readonly since: number;
  /** Cancels the hold-limit timer. */
  readonly cancel: AbortController;
  /** Resolves once the session was destroyed. */
  ended: Promise<void>;
}

/** What {@link LostSessionHolds} needs. */
export interface LostSessionHoldsOptions {
  readonly clock: Clock;
  readonly logger: Logger;
  /** Backend name, for logs. */
  readonly backend: string;
  /** The longest a session is held open (`SessionAppLockOptions.lostSessionHoldMs`). */
  readonly holdLimitMs: number;
}

/**
 * The given-up sessions kept open, sending nothing, while the work of their lost locks still
 * runs: the server keeps granting the locks to the old session, so no other owner is granted them
 * meanwhile. Each is destroyed once its work settled or the hold limit passed.
 */
export class LostSessionHolds {
  readonly #options: LostSessionHoldsOptions;
  readonly #open = new Set<HeldOpenSession>();

  constructor(options: LostSessionHoldsOptions) {
    this.#options = options;
  }

  /** Whether `session` is being held open. */
  holds(session: LockSession<unknown>): boolean {
    return [...this.#open].some((held) => held.session === session);
  }

  /**
   * Keeps `session` (given up, the locks `ids` announced lost) open until every `work` settled
   * (fulfilled or rejected) or the hold limit passed, whichever comes first; then destroys it.
   * Destroys it at once when there is no work or the limit is `0`.
   */
  hold(session: LockSession<unknown>, ids: readonly LockId[], work: readonly PromiseLike<unknown>[]): void {
    const { clock, logger, backend, holdLimitMs } = this.#options;
    if (work.length === 0 || holdLimitMs === 0) {
      session.destroy();
      return;
    }
    const held: HeldOpenSession = { session, ids, since: clock.now(), cancel: new AbortController(), ended: Promise.resolve() };
    this.#open.add(held);
    logger.info('lost lock session held open until the work of its locks settled', { backend, ids, holdLimitMs });
    const limit = clock.sleep(holdLimitMs, held.cancel.signal, { ref: false }).then(
      () => 'hold limit' as const,
      () => 'cancelled' as const,
    );
    held.ended = Promise.race([Promise.allSettled(work).then(() => 'settled' as const), limit]).then((why) => this.#end(held, why));
  }

  /** Resolves once every session held open now was destroyed. */
  async allEnded(): Promise<void> {
    await Promise.all([...this.#open].map((held) => held.ended));
  }

  #end(held: HeldOpenSession, why: 'settled' | 'hold limit' | 'cancelled'): void {
    if (!this.#open.delete(held)) return;
    held.cancel.abort();
    held.session.destroy();
    const { clock, logger, backend, holdLimitMs } = this.#options;
    const context = { backend, ids: held.ids, heldMs: clock.now() - held.since };
    if (why === 'hold limit') logger.warn('lost lock session destroyed at its hold limit while the work of its locks still ran', { ...context, holdLimitMs });
    else logger.info('lost lock session destroyed', { ...context, why });
  }
}
