import { linkSignals, SerialQueue } from '@polecat/kit';
import type { AppLock, AppLockStats, AttainOptions, LockLostEvent, WaitForLockOptions } from '../app-lock';
import { AppLockError, LockLostError, type LockLossReason } from '../errors';
import { assertLockId, type LockId } from '../lock-id';
import { releaseReasonOf, type ReleaseOptions } from '../release-notice';
import { acquireBatch } from './batch-acquire';
import { BoundedRequests } from './bounded-request';
import { describeError } from './describe-error';
import { releaseHeldLocks, verifyHeldLocks } from './held-round-trips';
import { HeldLocks, prepareRequests, type HeldLock, type LockRequest } from './held-locks';
import type { LockSession, LockSessionDriver } from './lock-session';
import { LossDispatch } from './loss-dispatch';
import { LostSessionHolds } from './lost-session-hold';
import { probeRequests } from './probe-requests';
import { PendingGrants } from './pending-grants';
import { SessionConnection } from './session-connection';
import { resolveSessionOptions, type ResolvedSessionOptions, type SessionAppLockOptions } from './session-options';
import { VerifyLoop } from './verify-loop';
import type { SessionParts } from './session-parts';
import { waitLoop } from './wait-loop';

export type { SessionAppLockOptions } from './session-options';

/**
 * The bookkeeping every session-lock backend shares: it never stacks a lock, serialises requests
 * on the one connection, notices a dead connection at once (marks every held id lost, aborts their
 * signals, tells listeners), verifies held locks periodically, bounds every request by a timeout,
 * reconnects lazily after a loss (holding nothing), and counts round trips. A backend supplies a
 * {@link LockSessionDriver}; see `SqlServerAppLock`, `PostgresAppLock`, `InMemoryAppLock`.
 *
 * This class is the face; its parts live beside it: `session-options` (defaults, checks),
 * `held-locks` (the registry), `session-connection` (connect, detach, close), `bounded-request`
 * (the timeout race), `batch-acquire` (`tryAttainLocks`), `wait-loop` (`waitForLock`),
 * `verify-loop` (periodic verification), `held-round-trips` (verify and release of held ids), `probe-requests` (`probeLocks`), `loss-dispatch` (listeners, `hold`),
 * `lost-session-hold` (a given-up session kept open) and `pending-grants` (ids a queued request may be granted).
 */
export class SessionAppLock<Key> implements AppLock {
  readonly #driver: LockSessionDriver<Key>;
  readonly #options: ResolvedSessionOptions;
  readonly #queue = new SerialQueue();
  readonly #held = new HeldLocks<Key>();
  readonly #pending = new PendingGrants();
  readonly #lifetime = new AbortController();
  readonly #connection: SessionConnection<Key>;
  readonly #losses: LossDispatch;
  readonly #holds: LostSessionHolds;
  readonly #verifyLoop: VerifyLoop;
  readonly #requests: BoundedRequests<Key>;
  readonly #parts: SessionParts<Key>;
  #disposing: Promise<void> | undefined;
  #lost = 0;

  constructor(driver: LockSessionDriver<Key>, options: SessionAppLockOptions = {}) {
    const resolved = resolveSessionOptions(options);
    const { clock, logger } = resolved;
    const backend = driver.backend;
    const lifetime = this.#lifetime.signal;
    const isDisposing = (): boolean => this.#disposing !== undefined;
    this.#driver = driver;
    this.#options = resolved;
    this.#connection = new SessionConnection(driver, {
      lifetime,
      isDisposing,
      onEnded: (cause) => this.#markLost(this.#held.entries(), 'connection-lost', cause),
    });
    this.#requests = new BoundedRequests({
      driver,
      connection: this.#connection,
      clock,
      requestTimeoutMs: resolved.requestTimeoutMs,
      dropSession: (session, reason, cause) => this.#dropSession(session, reason, cause),
    });
    this.#losses = new LossDispatch(logger, backend);
    this.#holds = new LostSessionHolds({ clock, logger, backend, holdLimitMs: resolved.lostSessionHoldMs });
    this.#verifyLoop = new VerifyLoop({
      clock,
      logger,
      backend,
      intervalMs: resolved.verifyIntervalMs,
      lifetime,
      isDisposing,
      heldCount: () => this.#held.size,
      verify: () => this.verifyLocks(),
    });
    this.#parts = {
      driver,
      clock,
      logger,
      requestTimeoutMs: resolved.requestTimeoutMs,
      held: this.#held,
      connection: this.#connection,
      requests: this.#requests,
      dropSession: (session, reason, cause) => this.#dropSession(session, reason, cause),
      releaseHeld: (entries) => this.#releaseHeld(entries),
      markLost: (entries, reason, cause) => this.#markLost(entries, reason, cause),
      onGranted: () => this.#verifyLoop.start(),
    };
  }

  /** Backend name (`sqlserver`, `postgres`, `memory`, ...). */
  get backend(): string {
    return this.#driver.backend;
  }

  /** Redacted description of the server this owner talks to. */
  get target(): string {
    return this.#driver.target;
  }

  async tryAttainLock(id: LockId, options: AttainOptions = {}): Promise<boolean> {
    return (await this.tryAttainLocks([id], options)).has(id);
  }

  async tryAttainLocks(ids: readonly LockId[], options: AttainOptions = {}): Promise<ReadonlySet<LockId>> {
    const requested = this.#prepare(ids);
    this.#throwIfUnusable(options.signal);
    return this.#pending.during(requested, () =>
      this.#queue.run(async () => {
        this.#throwIfUnusable(options.signal);
        return acquireBatch(this.#parts, requested, options.signal);
      }),
    );
  }

  /**
   * Which of `ids` any session holds now: ids held here are answered locally, the rest in ONE
   * round trip (none when every id is held here). Rejects with `NOT_SUPPORTED` when the backend's
   * session has no `probe`.
   */
  async probeLocks(ids: readonly LockId[], options: AttainOptions = {}): Promise<ReadonlySet<LockId>> {
    const requested = this.#prepare(ids);
    this.#throwIfUnusable(options.signal);
    return this.#queue.run(async () => {
      this.#throwIfUnusable(options.signal);
      return probeRequests(this.#parts, requested, options.signal);
    });
  }

  /**
   * Waits on the server for `id` (see `AppLock.waitForLock` and `wait-loop.ts`): one waiting
   * request at a time, each bounded by the driver's `maxLockWaitMs` and re-issued until
   * `timeoutMs` is spent; each request's budget is its wait plus `requestTimeoutMs`. Rejects with
   * `NOT_SUPPORTED` when the backend cannot wait.
   */
  async waitForLock(id: LockId, options: WaitForLockOptions): Promise<boolean> {
    const [entry] = this.#prepare([id]);
    const timeoutMs = options?.timeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new AppLockError('INVALID_CONFIGURATION', `waitForLock: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
    }
    this.#throwIfUnusable(options.signal);
    return this.#pending.during([entry!], () => this.#waitQueued(entry!, timeoutMs, options.signal));
  }

  #waitQueued(entry: LockRequest<Key>, timeoutMs: number, signal: AbortSignal | undefined): Promise<boolean> {
    return this.#queue.run(async () => {
      this.#throwIfUnusable(signal);
      if (this.#held.hasRequest(entry)) return true;
      // dispose() ends a wait too (it queues behind it otherwise)
      const linked = linkSignals([signal, this.#lifetime.signal]);
      try {
        return await waitLoop(this.#parts, entry, timeoutMs, linked.signal);
      } finally {
        linked.unlink();
      }
    });
  }

  hasLock(id: LockId): boolean {
    return this.#held.has(id);
  }

  heldLocks(): readonly LockId[] {
    return this.#held.entries().map((h) => h.id);
  }

  lockSignal(id: LockId): AbortSignal | undefined {
    return this.#held.signalOf(id);
  }

  async verifyLocks(options: AttainOptions = {}): Promise<readonly LockId[]> {
    this.#throwIfUnusable(options.signal);
    return this.#queue.run(() => verifyHeldLocks(this.#parts));
  }

  /** Releases `id`: {@link SessionAppLock.releaseLocks} of one id. */
  async releaseLock(id: LockId, options?: ReleaseOptions): Promise<void> {
    assertLockId(id);
    return this.#release([id], options);
  }

  /**
   * Releases the held ones of `ids` in the serial queue, in ONE round trip (chunked when too large
   * for one) with one release notice; resolves at once, queueing nothing, when none of `ids` is held
   * nor asked for by a queued request (lost with a given-up session, say: its hold must not wait
   * behind a reconnect).
   */
  async releaseLocks(ids: readonly LockId[], options?: ReleaseOptions): Promise<void> {
    if (!Array.isArray(ids)) throw new AppLockError('INVALID_LOCK_ID', 'Expected an array of lock ids');
    for (const id of ids) assertLockId(id);
    return this.#release(ids, options);
  }

  async #release(ids: readonly LockId[], options: ReleaseOptions | undefined): Promise<void> {
    if (this.#disposing || !ids.some((id) => this.#held.has(id) || this.#pending.has(id))) return;
    await this.#queue.run(() => this.#releaseHeld(this.#held.entriesOf(ids), releaseReasonOf(options)));
  }

  async releaseAll(options?: ReleaseOptions): Promise<void> {
    if (this.#disposing || (this.#held.size === 0 && this.#pending.size === 0)) return;
    await this.#queue.run(() => this.#releaseHeld(this.#held.entries(), releaseReasonOf(options)));
  }

  /** Subscribes to losses (see {@link LockLostEvent.hold}); returns the unsubscribe function. */
  onLockLost(listener: (event: LockLostEvent) => void): () => void {
    return this.#losses.add(listener);
  }

  stats(): AppLockStats {
    return { roundTrips: this.#requests.roundTrips, connects: this.#connection.connects, held: this.#held.size, lost: this.#lost };
  }

  /**
   * Releases everything and closes the connection (see `AppLock.dispose`); also waits for the
   * given-up sessions still held open for `LockLostEvent.hold` work (each bounded by
   * `lostSessionHoldMs`). Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.#lifetime.abort(new AppLockError('DISPOSED', 'lock owner disposed'));
      // Given-up sessions still held open for their lost locks' work are waited for (each is bounded
      // by lostSessionHoldMs): destroying one early would free locks whose work still runs. (The
      // coordinator disposes its distributor only once every drain ended: none is left by then.)
      await this.#holds.allEnded();
      await this.#queue.run(async () => {
        await this.#releaseHeld(this.#held.entries());
        await this.#connection.close();
      });
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #prepare(ids: readonly LockId[]): LockRequest<Key>[] {
    return prepareRequests(ids, (id) => this.#driver.toKey(id));
  }

  #throwIfUnusable(signal: AbortSignal | undefined): void {
    if (this.#disposing) throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`);
    signal?.throwIfAborted();
  }

  #releaseHeld(entries: readonly HeldLock<Key>[], reason?: string): Promise<void> {
    return releaseHeldLocks(this.#parts, entries, reason);
  }

  /**
   * This side gives `session` up (stalled, unverifiable, a failed release): its held ids are
   * announced lost at once, but the connection, which the server may still consider alive with
   * the locks granted, is held open (see `lost-session-hold.ts`) until the listeners' `hold`
   * work settled or `lostSessionHoldMs` passed. New work opens a new session meanwhile.
   */
  #dropSession(session: LockSession<Key>, reason: LockLossReason, cause: unknown): void {
    if (!this.#connection.detach(session)) {
      // Given up already (a failed release or state check after its own request timed out): it is
      // held open or destroyed, and the ids held now belong to a newer session. Destroying it here
      // would end the hold early and free locks whose agents still run.
      if (!this.#holds.holds(session)) session.destroy();
      return;
    }
    const entries = this.#held.entries();
    const work = this.#markLost(entries, reason, cause);
    if (this.#disposing !== undefined) session.destroy();
    else
      this.#holds.hold(
        session,
        entries.map((h) => h.id),
        work,
      );
  }

  /** Marks `entries` lost, aborts their signals, tells the listeners; resolves with their `hold` work. */
  #markLost(entries: readonly HeldLock<Key>[], reason: LockLossReason, cause: unknown): PromiseLike<unknown>[] {
    if (entries.length === 0) return [];
    this.#held.remove(entries);
    this.#lost += entries.length;
    const error = new LockLostError(
      entries.map((h) => h.id),
      reason,
      cause,
    );
    this.#options.logger.warn('locks lost', {
      backend: this.#driver.backend,
      target: this.#driver.target,
      reason,
      ids: error.ids,
      cause: describeError(cause),
    });
    for (const h of entries) h.controller?.abort(error);
    return this.#losses.dispatch(error);
  }
}
