import type { LockId } from '../lock-id';

/**
 * One open database session that can hold session-scoped exclusive locks: the seam a backend
 * implements. {@link SessionAppLock} does the bookkeeping (no stacking, loss detection, signals,
 * verification, serialisation); a backend only translates these calls to SQL.
 *
 * Every method is ONE database round trip, and {@link SessionAppLock} never calls two at once.
 * `Key` is the backend's form of a lock id (a resource name, a bigint, ...).
 */
export interface LockSession<Key> {
  /** Requests each key (none is held by this session); resolves with granted flags, in order. */
  tryAcquire(keys: readonly Key[]): Promise<readonly boolean[]>;
  /** Resolves, in order, whether the server still grants each key to this session. */
  verify(keys: readonly Key[]): Promise<readonly boolean[]>;
  /**
   * Optional: resolves, in order, whether ANY session (this one may be included or not) holds each
   * key, without acquiring anything. Enables `SessionAppLock.probeLocks`.
   */
  probe?(keys: readonly Key[]): Promise<readonly boolean[]>;
  /**
   * Optional: requests `key` (not held by this session) and WAITS on the server up to `waitMs`
   * for it; resolves `true` when granted, `false` when the wait timed out or was cancelled
   * ({@link LockSession.cancelWait}) without a grant. Enables `SessionAppLock.waitForLock`.
   */
  waitAcquire?(key: Key, waitMs: number): Promise<boolean>;
  /**
   * Optional: cancels a {@link LockSession.waitAcquire} in flight, keeping the session usable (the
   * pending call then resolves, `true` if the grant won the race). Resolves once the cancel was
   * delivered. Without it, an abandoned wait drops the connection.
   */
  cancelWait?(): Promise<void>;
  /**
   * Releases each key held by this session; backends with release notices announce `reason`
   * (a valid `ReleaseOptions.reason`, already checked) with them.
   */
  release(keys: readonly Key[], reason?: string): Promise<void>;
  /**
   * Registers the listener called once when the connection ends or errors for any reason other
   * than {@link LockSession.close} (server kill, socket reset, protocol error).
   */
  onClosed(listener: (cause: unknown) => void): void;
  /** Closes the connection (locks die with it). Must not throw. */
  close(): Promise<void>;
  /** Destroys the connection at once without a goodbye (used when it stalls). Must not throw. */
  destroy(): void;
}

/** Creates sessions and maps lock ids to backend keys: the whole of a backend. */
export interface LockSessionDriver<Key> {
  /** Backend name for logs and errors, e.g. `sqlserver`, `postgres`, `memory`. */
  readonly backend: string;
  /** A redacted description of the target (never a password), e.g. `postgres://app:***@db/x`. */
  readonly target: string;
  /**
   * Maps a validated id to a backend key. Must be deterministic and injective enough that two
   * ids never share a key in practice (document the scheme). Throws `AppLockError` for ids the
   * backend cannot represent.
   */
  toKey(id: LockId): Key;
  /**
   * Opens a dedicated connection and makes it usable (every set-up step included). Rejects with
   * `AppLockError` `CONNECTION_FAILED` (retryable, password-free message, driver error as `cause`)
   * and leaks nothing when it cannot. MUST settle promptly once `signal` aborts (it is also aborted
   * by `dispose()`), and SHOULD bound the whole set-up by its own connect timeout.
   */
  connect(signal?: AbortSignal): Promise<LockSession<Key>>;
  /**
   * Optional: how long, at most, the server may WAIT on purpose inside one `tryAcquire` of
   * `keyCount` keys (a lock timeout). {@link SessionAppLock} adds it to that request's timeout, so
   * a deliberate wait is never mistaken for a stalled connection. Default: no wait (0).
   */
  acquireWaitMs?(keyCount: number): number;
  /**
   * Optional: the longest single {@link LockSession.waitAcquire} (ms); a longer
   * `SessionAppLock.waitForLock` is issued as several waits in a row. Default: no bound.
   */
  readonly maxLockWaitMs?: number;
}
