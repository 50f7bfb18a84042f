import type { Clock } from '../clock';
import { AppLockError, type LockLossReason } from '../errors';
import { BatchChunkers } from './batch-chunker';
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

/**
 * The owner's round trips: each counted and bounded by a timeout; a stalled connection is given up.
 * Batches are cut into chunks sized by measured time ({@link BatchChunkers}), so no round trip
 * carries more keys than fit well inside the timeout, whatever the number of keys.
 */
export class BoundedRequests<Key> {
  readonly #options: BoundedRequestsOptions<Key>;
  /** How many keys one round trip of each kind may carry (learned from measured round trips). */
  readonly chunkers: BatchChunkers;
  #roundTrips = 0;

  constructor(options: BoundedRequestsOptions<Key>) {
    this.#options = options;
    this.chunkers = new BatchChunkers(options.requestTimeoutMs);
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
   * `operation` over `keys` in as few round trips as keep each well inside the request timeout
   * (chunks from the `kind` chunker, each timed and fed back to it, each bounded like
   * {@link BoundedRequests.send}); resolves with the answers of every chunk, in order.
   */
  async sendInChunks<R>(
    session: LockSession<Key>,
    keys: readonly Key[],
    kind: string,
    operation: (chunk: readonly Key[]) => Promise<readonly R[]>,
    what: string,
  ): Promise<R[]> {
    const chunker = this.chunkers.of(kind);
    const { clock } = this.#options;
    const answers: R[] = [];
    let rest = keys;
    while (rest.length > 0) {
      const { chunk, rest: after } = chunker.take(rest);
      const started = clock.now();
      answers.push(...(await this.send(session, () => operation(chunk), what)));
      chunker.record(chunk.length, clock.now() - started);
      rest = after;
    }
    return answers;
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
