import type { AppLock, AppLockStats, AttainOptions, LockLostEvent, WaitForLockOptions } from '../app-lock';
import { systemClock, type Clock } from '../clock';
import { AppLockError, LockLostError, type LockLossReason } from '../errors';
import { heldKey } from '../internal/lock-key';
import { linkSignals } from '../internal/link-signals';
import { SerialQueue } from '../internal/serial-queue';
import { assertLockId, type LockId } from '../lock-id';
import { silentLogger, type Logger } from '../logger';
import type { LockSession, LockSessionDriver } from './lock-session';

/** Options shared by every session-based lock owner. */
export interface SessionAppLockOptions {
  /**
   * How often the held locks are verified with the server (one round trip, only while something
   * is held). Catches losses no socket event reports. `0` disables. Default `2000` ms.
   */
  readonly verifyIntervalMs?: number;
  /**
   * How long any request may take before the connection is considered stalled: it is given up
   * (destroyed, or first held open for `LockLostEvent.waitUntil` work, see `lostSessionHoldMs`) and
   * every held lock is marked lost (`verification-timeout`). Default `5000` ms.
   */
  readonly requestTimeoutMs?: number;
  /**
   * The longest a LOST session's connection is kept open for {@link LockLostEvent.waitUntil} work
   * (see "A lost session is held open until its agents returned" in the README): when this side
   * gives up a session the server may still consider alive (a request or verification timed out, a
   * release or a state check failed), the locks are announced lost at once but the socket stays
   * open, sending nothing, until every listener's `waitUntil` work settled or this limit passed,
   * whichever comes first; then it is destroyed. Meanwhile the server keeps the locks on the old
   * session, so no other owner is granted them while the aborted work still runs. Use the
   * server's release time of a silent client (its keepalive budget): past it a partitioned
   * server frees the locks anyway. `0`: destroy at once (no hold). Default `30000` ms
   * (`PostgresAppLock`: its `serverKeepAlive` budget; `SqlServerAppLock`: `serverKeepAliveMs`).
   */
  readonly lostSessionHoldMs?: number;
  /** Where warnings (losses, failed releases) go. Default: silent. */
  readonly logger?: Logger;
  /** Time source for timers. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

interface HeldLock<Key> {
  readonly id: LockId;
  readonly key: Key;
  /** Created on the first `lockSignal(id)` only: an AbortSignal costs ≈ 0.8 KB, and most holders never ask. */
  controller?: AbortController;
}

const TIMED_OUT = Symbol('timed-out');

/** Default of {@link SessionAppLockOptions.lostSessionHoldMs}. */
const DEFAULT_LOST_SESSION_HOLD_MS = 30_000;

/** A given-up session kept open until its `waitUntil` work settled (or the hold limit). */
interface HeldOpenSession<Key> {
  readonly session: LockSession<Key>;
  readonly ids: readonly LockId[];
  readonly since: number;
  /** Cancels the hold-limit timer. */
  readonly cancel: AbortController;
  /** Resolves once the session was destroyed. */
  ended: Promise<void>;
}

/**
 * The bookkeeping every session-lock backend shares: it never stacks a lock, serialises requests
 * on the one connection, notices a dead connection at once (marks every held id lost, aborts their
 * signals, tells listeners), verifies held locks periodically, bounds every request by a timeout,
 * reconnects lazily after a loss (holding nothing), and counts round trips. A backend supplies a
 * {@link LockSessionDriver}; see `SqlServerAppLock`, `PostgresAppLock`, `InMemoryAppLock`.
 */
export class SessionAppLock<Key> implements AppLock {
  readonly #driver: LockSessionDriver<Key>;
  readonly #logger: Logger;
  readonly #clock: Clock;
  readonly #verifyIntervalMs: number;
  readonly #requestTimeoutMs: number;
  readonly #lostSessionHoldMs: number;
  readonly #heldOpen = new Set<HeldOpenSession<Key>>();
  readonly #queue = new SerialQueue();
  readonly #held = new Map<number | string, HeldLock<Key>>();
  readonly #listeners = new Set<(event: LockLostEvent) => void>();
  readonly #lifetime = new AbortController();
  #session: LockSession<Key> | undefined;
  #verifying = false;
  #disposing: Promise<void> | undefined;
  #roundTrips = 0;
  #connects = 0;
  #lost = 0;

  constructor(driver: LockSessionDriver<Key>, options: SessionAppLockOptions = {}) {
    const verifyIntervalMs = options.verifyIntervalMs ?? 2000;
    const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
    const lostSessionHoldMs = options.lostSessionHoldMs ?? DEFAULT_LOST_SESSION_HOLD_MS;
    if (!Number.isFinite(lostSessionHoldMs) || lostSessionHoldMs < 0) {
      throw new AppLockError('INVALID_CONFIGURATION', `lostSessionHoldMs must be a finite number >= 0, got ${lostSessionHoldMs}`);
    }
    if (!Number.isFinite(verifyIntervalMs) || verifyIntervalMs < 0) {
      throw new AppLockError('INVALID_CONFIGURATION', `verifyIntervalMs must be a finite number >= 0, got ${verifyIntervalMs}`);
    }
    if (!Number.isFinite(requestTimeoutMs) || requestTimeoutMs <= 0) {
      throw new AppLockError('INVALID_CONFIGURATION', `requestTimeoutMs must be a finite number > 0, got ${requestTimeoutMs}`);
    }
    this.#driver = driver;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#verifyIntervalMs = verifyIntervalMs;
    this.#requestTimeoutMs = requestTimeoutMs;
    this.#lostSessionHoldMs = lostSessionHoldMs;
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
    return this.#queue.run(async () => {
      this.#throwIfUnusable(options.signal);
      const result = new Set<LockId>();
      const wanted: { id: LockId; key: Key; mapKey: number | string }[] = [];
      const heldKeys = new Set([...this.#held.values()].map((h) => String(h.key)));
      for (const entry of requested) {
        if (this.#held.has(entry.mapKey)) result.add(entry.id);
        // Two ids the backend maps to one key (e.g. 5 and "5" on SQL Server with no prefix): the
        // resource is taken, by this session, under the other id. Never request it twice (stacking).
        else if (!heldKeys.has(String(entry.key))) {
          heldKeys.add(String(entry.key));
          wanted.push(entry);
        }
      }
      if (wanted.length === 0) return result;
      const session = await this.#ensureSession(options.signal);
      const keys = wanted.map((w) => w.key);
      const budgetMs = this.#requestTimeoutMs + (this.#driver.acquireWaitMs?.(keys.length) ?? 0);
      let granted: readonly boolean[];
      try {
        granted = await this.#request(session, (s) => s.tryAcquire(keys), 'lock request', budgetMs);
      } catch (error) {
        granted = await this.#recoverAfterFailedAcquire(session, keys, error);
      }
      if (this.#session !== session) {
        // The connection died meanwhile: nothing it granted survives, and neither did the ids that
        // were held before this call (they were marked lost). Return only what is still held.
        return new Set([...result].filter((id) => this.#held.has(heldKey(id))));
      }
      const newlyHeld: HeldLock<Key>[] = [];
      wanted.forEach((w, index) => {
        if (granted[index] !== true) return;
        const held: HeldLock<Key> = { id: w.id, key: w.key };
        this.#held.set(w.mapKey, held);
        newlyHeld.push(held);
        result.add(w.id);
      });
      if (newlyHeld.length > 0) this.#startVerifying();
      if (options.signal?.aborted && newlyHeld.length > 0) {
        await this.#releaseHeld(newlyHeld);
        throw options.signal.reason;
      }
      return result;
    });
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
      const result = new Set<LockId>();
      const asked = requested.filter((entry) => {
        if (!this.#held.has(entry.mapKey)) return true;
        result.add(entry.id);
        return false;
      });
      if (asked.length === 0) return result;
      const session = await this.#ensureSession(options.signal);
      const probe = session.probe?.bind(session);
      if (probe === undefined) throw new AppLockError('NOT_SUPPORTED', `${this.#driver.backend} lock sessions cannot probe locks`);
      const keys = asked.map((entry) => entry.key);
      const held = await this.#request(session, () => probe(keys), 'lock probe');
      asked.forEach((entry, index) => {
        if (held[index] === true) result.add(entry.id);
      });
      return result;
    });
  }

  /**
   * Waits on the server for `id` (see `AppLock.waitForLock`): one waiting request at a time, each
   * bounded by the driver's `maxLockWaitMs` and re-issued until `timeoutMs` is spent; each request's
   * budget is its wait plus `requestTimeoutMs`. An abort cancels the wait (`LockSession.cancelWait`)
   * or, without it, drops the connection. Rejects with `NOT_SUPPORTED` when the backend cannot wait.
   */
  async waitForLock(id: LockId, options: WaitForLockOptions): Promise<boolean> {
    const [entry] = this.#prepare([id]);
    const timeoutMs = options?.timeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      throw new AppLockError('INVALID_CONFIGURATION', `waitForLock: timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`);
    }
    this.#throwIfUnusable(options.signal);
    return this.#queue.run(async () => {
      this.#throwIfUnusable(options.signal);
      if (this.#held.has(entry!.mapKey)) return true;
      // dispose() ends a wait too (it queues behind it otherwise)
      const linked = linkSignals([options.signal, this.#lifetime.signal]);
      try {
        return await this.#waitLoop(entry!, timeoutMs, linked.signal);
      } finally {
        linked.unlink();
      }
    });
  }

  /** The waiting requests of one `waitForLock`, in the serial queue; `signal` includes dispose(). */
  async #waitLoop(entry: { id: LockId; key: Key; mapKey: number | string }, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
    // another held id with the same backend key: never request it twice (stacking)
    if ([...this.#held.values()].some((h) => String(h.key) === String(entry.key))) return false;
    const deadline = this.#clock.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      const session = await this.#ensureSession(signal);
      const waitAcquire = session.waitAcquire?.bind(session);
      if (waitAcquire === undefined) throw new AppLockError('NOT_SUPPORTED', `${this.#driver.backend} lock sessions cannot wait for a lock`);
      const remaining = Math.max(0, deadline - this.#clock.now());
      const waitMs = Math.min(remaining, this.#driver.maxLockWaitMs ?? remaining);
      let cancelling: Promise<void> | undefined;
      const onAbort = (): void => {
        const cancel = session.cancelWait?.bind(session);
        if (cancel === undefined) {
          if (this.#session === session) this.#dropSession(session, 'connection-lost', signal.reason);
          return;
        }
        cancelling = cancel().catch((error: unknown) => {
          // the cancel did not get through: the only other way to end the wait is to end the session
          this.#logger.warn('cancelling a lock wait failed; dropping the lock connection', { backend: this.#driver.backend, error: describeError(error) });
          if (this.#session === session) this.#dropSession(session, 'connection-lost', error);
        });
      };
      signal.addEventListener('abort', onAbort, { once: true });
      let granted: boolean;
      try {
        granted = await this.#request(session, () => waitAcquire(entry.key, waitMs), 'lock wait', waitMs + this.#requestTimeoutMs);
      } catch (error) {
        if (cancelling !== undefined) await cancelling;
        if (signal.aborted) throw signal.reason;
        // Failed on the server's side (not a lost connection): a grant may have happened before
        // the failure. Ask, release, report (as after a failed batch acquire; it always throws).
        await this.#recoverAfterFailedAcquire(session, [entry.key], error);
        throw error;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
      // a cancel still on its way must not hit the next statement
      if (cancelling !== undefined) await cancelling;
      if (this.#session !== session) {
        if (signal.aborted) throw signal.reason;
        throw new AppLockError('CONNECTION_FAILED', `The ${this.#driver.backend} lock connection to ${this.#driver.target} ended during a lock wait`);
      }
      if (granted) {
        const held: HeldLock<Key> = { id: entry.id, key: entry.key };
        this.#held.set(entry.mapKey, held);
        this.#startVerifying();
        if (signal.aborted) {
          await this.#releaseHeld([held]);
          throw signal.reason;
        }
        return true;
      }
      if (signal.aborted) throw signal.reason;
      if (remaining === 0 || this.#clock.now() >= deadline) return false;
    }
  }

  hasLock(id: LockId): boolean {
    return this.#held.has(heldKey(id));
  }

  heldLocks(): readonly LockId[] {
    return [...this.#held.values()].map((h) => h.id);
  }

  lockSignal(id: LockId): AbortSignal | undefined {
    const held = this.#held.get(heldKey(id));
    if (held === undefined) return undefined;
    held.controller ??= new AbortController();
    return held.controller.signal;
  }

  async verifyLocks(options: AttainOptions = {}): Promise<readonly LockId[]> {
    this.#throwIfUnusable(options.signal);
    return this.#queue.run(async () => {
      const held = [...this.#held.values()];
      const session = this.#session;
      if (held.length === 0 || session === undefined) return [];
      let stillHeld: readonly boolean[];
      try {
        stillHeld = await this.#request(session, (s) => s.verify(held.map((h) => h.key)), 'lock verification');
      } catch (error) {
        // Unverifiable means untrustworthy: drop the connection (the server frees whatever it still
        // held) rather than keep running agents on a belief.
        if (this.#session === session) this.#dropSession(session, 'connection-lost', error);
        throw error;
      }
      const missing = held.filter((h, index) => stillHeld[index] !== true && this.#held.get(heldKey(h.id)) === h);
      if (missing.length > 0) this.#markLost(missing, 'verification-failed', undefined);
      return missing.map((h) => h.id);
    });
  }

  async releaseLock(id: LockId): Promise<void> {
    assertLockId(id);
    if (this.#disposing) return;
    await this.#queue.run(async () => {
      const held = this.#held.get(heldKey(id));
      if (held) await this.#releaseHeld([held]);
    });
  }

  async releaseAll(): Promise<void> {
    if (this.#disposing) return;
    await this.#queue.run(() => this.#releaseHeld([...this.#held.values()]));
  }

  onLockLost(listener: (event: LockLostEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  stats(): AppLockStats {
    return { roundTrips: this.#roundTrips, connects: this.#connects, held: this.#held.size, lost: this.#lost };
  }

  /**
   * Releases everything and closes the connection (see `AppLock.dispose`); also waits for the
   * given-up sessions still held open for `LockLostEvent.waitUntil` work (each bounded by
   * `lostSessionHoldMs`). Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposing ??= (async () => {
      this.#lifetime.abort(new AppLockError('DISPOSED', 'lock owner disposed'));
      // Given-up sessions still held open for their lost locks' work are waited for (each is bounded
      // by lostSessionHoldMs): destroying one early would free locks whose work still runs. (The
      // coordinator disposes its distributor only once every drain ended: none is left by then.)
      await Promise.all([...this.#heldOpen].map((held) => held.ended));
      await this.#queue.run(async () => {
        await this.#releaseHeld([...this.#held.values()]);
        const session = this.#session;
        this.#session = undefined;
        await session?.close();
      });
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }

  #prepare(ids: readonly LockId[]): { id: LockId; key: Key; mapKey: number | string }[] {
    if (!Array.isArray(ids)) throw new AppLockError('INVALID_LOCK_ID', 'Expected an array of lock ids');
    const seen = new Map<number | string, { id: LockId; key: Key; mapKey: number | string }>();
    for (const id of ids) {
      assertLockId(id);
      const mapKey = heldKey(id);
      if (!seen.has(mapKey)) seen.set(mapKey, { id, key: this.#driver.toKey(id), mapKey });
    }
    return [...seen.values()];
  }

  #throwIfUnusable(signal: AbortSignal | undefined): void {
    if (this.#disposing) throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`);
    signal?.throwIfAborted();
  }

  async #ensureSession(signal: AbortSignal | undefined): Promise<LockSession<Key>> {
    if (this.#session) return this.#session;
    this.#connects++;
    let session: LockSession<Key>;
    // dispose() aborts a connect in progress: a server that accepts the start-up and then goes
    // silent must not keep dispose() (which waits for the queue) pending.
    const lifetime = this.#lifetime.signal;
    const linked = signal === undefined ? undefined : linkSignals([signal, lifetime]);
    try {
      session = await this.#driver.connect(linked?.signal ?? lifetime);
    } catch (error) {
      if (lifetime.aborted) throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`, { cause: error });
      if (AppLockError.is(error) || signal?.aborted) throw error;
      throw new AppLockError('CONNECTION_FAILED', `Could not open a ${this.#driver.backend} lock session to ${this.#driver.target}`, { cause: error });
    } finally {
      linked?.unlink();
    }
    if (this.#disposing) {
      await session.close();
      throw new AppLockError('DISPOSED', `${this.#driver.backend} lock owner was disposed`);
    }
    session.onClosed((cause) => this.#onSessionClosed(session, cause));
    this.#session = session;
    return session;
  }

  /** One round trip, bounded by the request timeout; a stalled connection is destroyed. */
  async #request<T>(session: LockSession<Key>, operation: (s: LockSession<Key>) => Promise<T>, what: string, budgetMs = this.#requestTimeoutMs): Promise<T> {
    this.#roundTrips++;
    const timer = new AbortController();
    const pending = operation(session);
    const timeout = this.#clock.sleep(budgetMs, timer.signal, { ref: false }).then(
      () => TIMED_OUT,
      () => new Promise<never>(() => {}),
    );
    try {
      const outcome = await Promise.race([pending, timeout]);
      if (outcome === TIMED_OUT) {
        pending.catch(() => undefined);
        const error = new AppLockError('CONNECTION_FAILED', `${what} got no answer from ${this.#driver.target} within ${budgetMs} ms; connection dropped`);
        this.#dropSession(session, 'verification-timeout', error);
        throw error;
      }
      return outcome as T;
    } finally {
      timer.abort();
    }
  }

  /**
   * After a failed batch acquire some keys may have been granted: ask the server which (so none is
   * ever stacked or leaked), or drop the connection when even that fails.
   */
  async #recoverAfterFailedAcquire(session: LockSession<Key>, keys: readonly Key[], error: unknown): Promise<readonly boolean[]> {
    if (this.#session === session) {
      try {
        const granted = await this.#request(session, (s) => s.verify(keys), 'lock state check');
        const grantedKeys = keys.filter((_, index) => granted[index] === true);
        if (grantedKeys.length > 0) await this.#request(session, (s) => s.release(grantedKeys), 'lock release');
      } catch (checkError) {
        this.#dropSession(session, 'connection-lost', checkError);
      }
    }
    if (AppLockError.is(error)) throw error;
    throw new AppLockError('LOCK_REQUEST_FAILED', `${this.#driver.backend} lock request failed`, { cause: error });
  }

  async #releaseHeld(entries: readonly HeldLock<Key>[]): Promise<void> {
    const current = entries.filter((h) => this.#held.get(heldKey(h.id)) === h);
    if (current.length === 0) return;
    for (const h of current) this.#held.delete(heldKey(h.id));
    const released = new LockLostError(current.map((h) => h.id), 'released');
    for (const h of current) h.controller?.abort(released);
    const session = this.#session;
    if (session === undefined) return;
    try {
      await this.#request(session, (s) => s.release(current.map((h) => h.key)), 'lock release');
    } catch (error) {
      // The server may still hold them: dropping the connection is the only way to be sure it does not.
      this.#logger.warn('lock release failed; dropping the lock connection so the server frees the locks', {
        backend: this.#driver.backend,
        ids: current.map((h) => h.id),
        error: describeError(error),
      });
      this.#dropSession(session, 'connection-lost', error);
    }
  }

  #onSessionClosed(session: LockSession<Key>, cause: unknown): void {
    if (this.#session !== session) return;
    this.#session = undefined;
    this.#markLost([...this.#held.values()], 'connection-lost', cause);
  }

  /**
   * This side gives `session` up (stalled, unverifiable, a failed release): its held ids are
   * announced lost at once, but the connection, which the server may still consider alive with
   * the locks granted, stays open (nothing more is sent on it) until the listeners' `waitUntil`
   * work settled or `lostSessionHoldMs` passed; then it is destroyed. Without such work (or with
   * `lostSessionHoldMs: 0`) it is destroyed at once. New work opens a new session meanwhile.
   */
  #dropSession(session: LockSession<Key>, reason: LockLossReason, cause: unknown): void {
    if (this.#session !== session) {
      // Given up already (a failed release or state check after its own request timed out): it is
      // held open or destroyed, and the ids held now belong to a newer session. Destroying it here
      // would end the hold early and free locks whose agents still run.
      if (![...this.#heldOpen].some((held) => held.session === session)) session.destroy();
      return;
    }
    this.#session = undefined;
    const entries = [...this.#held.values()];
    const work: PromiseLike<unknown>[] = [];
    this.#markLost(entries, reason, cause, work);
    if (work.length === 0 || this.#lostSessionHoldMs === 0 || this.#disposing !== undefined) {
      session.destroy();
      return;
    }
    const held: HeldOpenSession<Key> = { session, ids: entries.map((h) => h.id), since: this.#clock.now(), cancel: new AbortController(), ended: Promise.resolve() };
    this.#heldOpen.add(held);
    this.#logger.info('lost lock session held open until the work of its locks settled', {
      backend: this.#driver.backend,
      ids: held.ids,
      holdLimitMs: this.#lostSessionHoldMs,
    });
    const limit = this.#clock.sleep(this.#lostSessionHoldMs, held.cancel.signal, { ref: false }).then(
      () => 'hold limit' as const,
      () => 'cancelled' as const,
    );
    held.ended = Promise.race([Promise.allSettled(work).then(() => 'settled' as const), limit]).then((why) => this.#endHold(held, why));
  }

  #endHold(held: HeldOpenSession<Key>, why: 'settled' | 'hold limit' | 'cancelled'): void {
    if (!this.#heldOpen.delete(held)) return;
    held.cancel.abort();
    held.session.destroy();
    const context = { backend: this.#driver.backend, ids: held.ids, heldMs: this.#clock.now() - held.since };
    if (why === 'hold limit') this.#logger.warn('lost lock session destroyed at its hold limit while the work of its locks still ran', { ...context, holdLimitMs: this.#lostSessionHoldMs });
    else this.#logger.info('lost lock session destroyed', { ...context, why });
  }

  /**
   * Marks `entries` lost, aborts their signals and tells the listeners. `work`, when given,
   * collects what listeners pass to `waitUntil` during the dispatch (later calls are ignored).
   */
  #markLost(entries: readonly HeldLock<Key>[], reason: LockLossReason, cause: unknown, work?: PromiseLike<unknown>[]): void {
    if (entries.length === 0) return;
    for (const h of entries) this.#held.delete(heldKey(h.id));
    this.#lost += entries.length;
    const ids = entries.map((h) => h.id);
    const error = new LockLostError(ids, reason, cause);
    this.#logger.warn('locks lost', { backend: this.#driver.backend, target: this.#driver.target, reason, ids, cause: describeError(cause) });
    for (const h of entries) h.controller?.abort(error);
    let dispatching = true;
    const waitUntil = (promise: PromiseLike<unknown>): void => {
      if (!dispatching) {
        this.#logger.warn('LockLostEvent.waitUntil called after the event was dispatched; ignored (call it synchronously from the listener)', { backend: this.#driver.backend, ids });
        return;
      }
      if (work !== undefined && promise !== null && typeof promise?.then === 'function') work.push(promise);
    };
    const event: LockLostEvent = { ids, error, waitUntil };
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (listenerError) {
        this.#logger.error('lock-lost listener threw', { error: describeError(listenerError) });
      }
    }
    dispatching = false;
  }

  #startVerifying(): void {
    if (this.#verifying || this.#verifyIntervalMs === 0) return;
    this.#verifying = true;
    void (async () => {
      const signal = this.#lifetime.signal;
      while (!signal.aborted) {
        try {
          // housekeeping: an idle lock owner must not keep the process alive by itself
          await this.#clock.sleep(this.#verifyIntervalMs, signal, { ref: false });
        } catch {
          return;
        }
        if (this.#disposing) return;
        if (this.#held.size === 0) {
          // nothing to watch: stop (so an idle owner keeps no timer alive); the next grant restarts it
          this.#verifying = false;
          return;
        }
        try {
          await this.verifyLocks();
        } catch (error) {
          this.#logger.warn('lock verification failed', { backend: this.#driver.backend, error: describeError(error) });
        }
      }
    })();
  }
}

function describeError(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
