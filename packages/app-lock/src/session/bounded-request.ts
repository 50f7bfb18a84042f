import type { Clock } from '../clock';
import { AppLockError, type LockLossReason } from '../errors';
import type { LockSession, LockSessionDriver } from './lock-session';
import type { SessionConnection } from './session-connection';

/** What {@link raceRequestTimeout} resolves with when the budget ran out first. */
export const REQUEST_TIMED_OUT: unique symbol = Symbol('request-timed-out');

/**
 * Races `pending` against a `budgetMs` timer (unref'd, cancelled once the race settles). Resolves
 * with the answer, or {@link REQUEST_TIMED_OUT}; a request that lost the race has its late
 * rejection swallowed (the caller gives its connection up).
 */
export async function raceRequestTimeout<T>(pending: Promise<T>, clock: Clock, budgetMs: number): Promise<T | typeof REQUEST_TIMED_OUT> {
  const timer = new AbortController();
  const timeout = clock.sleep(budgetMs, timer.signal, { ref: false }).then(
    (): typeof REQUEST_TIMED_OUT => REQUEST_TIMED_OUT,
    () => new Promise<never>(() => {}),
  );
  try {
    const outcome = await Promise.race([pending, timeout]);
    if (outcome === REQUEST_TIMED_OUT) pending.catch(() => undefined);
    return outcome;
  } finally {
    timer.abort();
  }
}

/** What {@link BoundedRequests} needs from its owner. */
export interface BoundedRequestsOptions<Key> {
  readonly driver: LockSessionDriver<Key>;
  readonly connection: SessionConnection<Key>;
  readonly clock: Clock;
  /** Budget of a request that does not wait on purpose. */
  readonly requestTimeoutMs: number;
  /** Gives `session` up (its held ids are lost); called for a stalled or unrecoverable connection. */
  readonly dropSession: (session: LockSession<Key>, reason: LockLossReason, cause: unknown) => void;
}

/** The owner's round trips: each counted and bounded by a timeout; a stalled connection is given up. */
export class BoundedRequests<Key> {
  readonly #options: BoundedRequestsOptions<Key>;
  #roundTrips = 0;

  constructor(options: BoundedRequestsOptions<Key>) {
    this.#options = options;
  }

  /** Round trips sent since creation (connects excluded). */
  get roundTrips(): number {
    return this.#roundTrips;
  }

  /**
   * One round trip on `session`, bounded by `budgetMs` (default: the request timeout).
   * @throws AppLockError `CONNECTION_FAILED` when no answer came in time (the session was given up,
   *   `verification-timeout`); the request's own error otherwise.
   */
  async send<T>(session: LockSession<Key>, operation: () => Promise<T>, what: string, budgetMs = this.#options.requestTimeoutMs): Promise<T> {
    this.#roundTrips++;
    const outcome = await raceRequestTimeout(operation(), this.#options.clock, budgetMs);
    if (outcome !== REQUEST_TIMED_OUT) return outcome;
    const error = new AppLockError('CONNECTION_FAILED', `${what} got no answer from ${this.#options.driver.target} within ${budgetMs} ms; connection dropped`);
    this.#options.dropSession(session, 'verification-timeout', error);
    throw error;
  }

  /**
   * After a failed acquire some keys may have been granted: asks the server which (so none is
   * ever stacked or leaked) and releases them, or gives the connection up when even that fails.
   * Then rejects with the acquire's error (`LOCK_REQUEST_FAILED` around a non-`AppLockError`).
   */
  async recoverAfterFailedAcquire(session: LockSession<Key>, keys: readonly Key[], error: unknown): Promise<never> {
    if (this.#options.connection.isCurrent(session)) {
      try {
        const granted = await this.send(session, () => session.verify(keys), 'lock state check');
        const grantedKeys = keys.filter((_, index) => granted[index] === true);
        if (grantedKeys.length > 0) await this.send(session, () => session.release(grantedKeys), 'lock release');
      } catch (checkError) {
        this.#options.dropSession(session, 'connection-lost', checkError);
      }
    }
    if (AppLockError.is(error)) throw error;
    throw new AppLockError('LOCK_REQUEST_FAILED', `${this.#options.driver.backend} lock request failed`, { cause: error });
  }
}
