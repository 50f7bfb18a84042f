import type { LockLostError } from './errors';
import type { LockId } from './lock-id';
import type { ReleaseNotice, ReleaseOptions } from './release-notice';

/** Options accepted by lock attempts and verification. */
export interface AttainOptions {
  /**
   * Abandons the attempt. If the request already reached the server, the call waits for its
   * answer, releases whatever it granted, and then rejects with `signal.reason`.
   */
  readonly signal?: AbortSignal;
}

/** Options of {@link AppLock.waitForLock}. */
export interface WaitForLockOptions {
  /**
   * Abandons the wait: the waiting request is cancelled (PostgreSQL: `pg_cancel_backend` from a
   * short-lived second connection; backends without a cancel drop the lock connection, and with it
   * whatever it held), a grant that raced the abort is released, and the call rejects with
   * `signal.reason`.
   */
  readonly signal?: AbortSignal;
  /**
   * How long, in all, to wait for the lock (ms, finite, >= 0). The backend may split it into
   * several bounded waits issued one after the other (SQL Server: `@LockTimeout` of at most
   * `requestTimeoutMs`, so that each stays under tedious' request timeout).
   */
  readonly timeoutMs: number;
}

/** Delivered to {@link AppLock.onLockLost} listeners the moment held locks are known lost. */
export interface LockLostEvent {
  /** The ids that were held and are not any more. */
  readonly ids: readonly LockId[];
  /** Carries the reason (`connection-lost`, `verification-failed`, ...) and the driver's cause. */
  readonly error: LockLostError;
  /**
   * Optional (backends that can keep a given-up session open; `SessionAppLock` and so PostgreSQL,
   * SQL Server and in-memory): asks the owner to keep the LOST session's connection open until
   * `work` settles (ServiceWorker `ExtendableEvent.waitUntil` idiom), typically with the promise of
   * "every agent of these ids returned". Call it from the listener, before it returns: once the
   * dispatch returned it THROWS `LockHoldClosedError` (after an `await` in the listener, say), so a
   * hold can never be dropped silently.
   *
   * It matters when THIS side gave up a session the server may still consider alive (a request or
   * verification timed out, a release failed): the ids are lost here at once (signals aborted,
   * `hasLock` false), but the socket stays open, sending nothing more, so the server keeps granting
   * the ids to the old session and no other owner can take them while the aborted work still runs.
   * The connection is destroyed once every `work` passed by every listener settled (fulfilled or
   * rejected), or after the owner's hold limit, whichever comes first. When the server already
   * ended the session (kill, reset, restart) the locks are gone anyway: calling it is harmless.
   * Absent on backends that cannot hold (call it as `event.hold?.(work)`).
   * @throws LockHoldClosedError when called after the dispatch returned.
   */
  readonly hold?: (work: PromiseLike<unknown>) => void;
  /**
   * @deprecated Use {@link LockLostEvent.hold}, which throws when called too late. This alias
   * does the same during the dispatch, and afterwards only logs a warning and ignores the work.
   */
  readonly waitUntil?: (work: PromiseLike<unknown>) => void;
}

/** Counters for observability and for tests that count database round trips. */
export interface AppLockStats {
  /** Database round trips sent by this lock owner since it was created (connects excluded). */
  readonly roundTrips: number;
  /** Connections opened since creation (1 + reconnects). */
  readonly connects: number;
  /** Ids currently held. */
  readonly held: number;
  /** Ids lost without being released (all causes). */
  readonly lost: number;
}

/**
 * A lock owner: one database session (one dedicated connection) holding exclusive,
 * session-scoped locks. Locks are never stacked: attaining an id already held is a no-op that
 * resolves `true`. When the session ends (server kill, TCP reset, process exit) every lock it held
 * is gone; the owner notices at once, marks them lost, aborts their signals and tells
 * {@link AppLock.onLockLost} listeners.
 */
export interface AppLock extends AsyncDisposable {
  /** Tries to take `id` without waiting (unless the backend was configured with a lock timeout). */
  tryAttainLock(id: LockId, options?: AttainOptions): Promise<boolean>;
  /**
   * Tries every id in ONE database round trip (ids already held cost nothing) and resolves with
   * the ids held afterwards, among those asked for. Session backends cut a batch too large to be
   * answered well inside their request timeout into several round trips (sized by measured time);
   * a batch that fits is one round trip.
   */
  tryAttainLocks(ids: readonly LockId[], options?: AttainOptions): Promise<ReadonlySet<LockId>>;
  /** Honest in-memory answer: `false` as soon as the lock is known lost. No database call. */
  hasLock(id: LockId): boolean;
  /** The ids held now. */
  heldLocks(): readonly LockId[];
  /**
   * An `AbortSignal` that aborts when `id` stops being held (lost or released), with a
   * `LockLostError` as its `reason`; `undefined` when `id` is not held.
   */
  lockSignal(id: LockId): AbortSignal | undefined;
  /**
   * Asks the server, in ONE round trip (several for a batch too large for one, as with
   * {@link AppLock.tryAttainLocks}), whether every held id is still granted to this session.
   * Ids found missing are marked lost and announced; resolves with them.
   */
  verifyLocks(options?: AttainOptions): Promise<readonly LockId[]>;
  /**
   * Optional extra (backends that can answer it): which of `ids` are held by ANY session right now
   * (this owner's included), asked in ONE round trip, acquiring nothing. A snapshot: the answer may
   * be stale the moment it arrives. Used for membership and balancing (count the member-slot locks
   * held by live nodes; spot sets nobody holds). SQL Server: `APPLOCK_TEST`; PostgreSQL: `pg_locks`.
   */
  probeLocks?(ids: readonly LockId[], options?: AttainOptions): Promise<ReadonlySet<LockId>>;
  /**
   * Optional extra (backends that can announce it): subscribes to "some OTHER lock owner on this
   * database released locks" notices, so a standby can try at once instead of at its next poll.
   * A hint, not a guarantee: notices carry no ids, may be coalesced or missed (keep polling), and
   * a lock freed by a dying session (kill, crash) is never announced. PostgreSQL: `LISTEN` on the
   * lock connection + `pg_notify` in the release round trip; in-memory: on every release; SQL
   * Server: not available (no channel; polling remains). Each notice carries the releaser's
   * `reason` ({@link ReleaseOptions}) when it gave one. Returns the unsubscribe function.
   */
  onReleaseNotice?(listener: (notice?: ReleaseNotice) => void): () => void;
  /**
   * Optional: `false` when this lock neither announces its releases nor hears others' even though
   * it has {@link AppLock.onReleaseNotice} (PostgreSQL with `releaseChannel: false`), so a caller
   * that relies on notices to learn of releases (the distributors' narrow membership probes) does
   * not. Absent: notices work whenever `onReleaseNotice` exists.
   */
  readonly announcesReleases?: boolean;
  /**
   * Optional extra (backends with a waiting lock request): waits until the server grants `id` to
   * this owner, at most `timeoutMs`. Resolves `true` once it is held (exactly as after
   * `tryAttainLock`: tracked, verified, released by `releaseLock`), `false` when the time ran out.
   * The request waits ON THE SERVER, so the grant arrives the moment the holder releases the lock
   * or its session dies (kill, crash, TCP reset): no polling. It occupies this owner's connection
   * meanwhile (every other call of this owner queues behind it), so use a DEDICATED owner for
   * waiting (e.g. a second `AppLock` from the same factory). PostgreSQL: `pg_advisory_lock` bounded
   * by a transaction-local `lock_timeout`; SQL Server: `sp_getapplock` with `@LockTimeout`;
   * in-memory: a queue of waiters.
   */
  waitForLock?(id: LockId, options: WaitForLockOptions): Promise<boolean>;
  /** Releases `id`. Releasing an id that is not held is a no-op. */
  releaseLock(id: LockId, options?: ReleaseOptions): Promise<void>;
  /**
   * Optional extra (session backends: `SessionAppLock`, and so PostgreSQL, SQL Server and
   * in-memory): releases the held ones of `ids` in ONE round trip (several for a batch too large
   * for one, as with {@link AppLock.releaseAll}), with one release notice carrying `reason`. Ids
   * not held are no-ops, as with {@link AppLock.releaseLock}; the other held ids stay held. Resolves
   * without a round trip when none of `ids` is held (or asked for by a queued attempt). A caller
   * without it releases each id with `releaseLock`.
   */
  releaseLocks?(ids: readonly LockId[], options?: ReleaseOptions): Promise<void>;
  /** Releases every held id in one round trip (several for a batch too large for one). */
  releaseAll(options?: ReleaseOptions): Promise<void>;
  /** Subscribes to losses; returns the unsubscribe function. */
  onLockLost(listener: (event: LockLostEvent) => void): () => void;
  /** Counters (round trips, connects, held, lost). */
  stats(): AppLockStats;
  /** Releases everything and closes the connection. Idempotent; later attempts reject with `DISPOSED`. */
  dispose(): Promise<void>;
}
