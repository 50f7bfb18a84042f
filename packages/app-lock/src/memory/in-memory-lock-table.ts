import type { ReleaseNotice } from '../release-notice';
import { ListenerSet } from '@polecat/kit';
import { systemClock, type Clock } from '../clock';
import { AppLockError } from '../errors';
import type { InMemorySession } from './in-memory-session';

/** A waiting lock request (see {@link InMemoryLockTable.waitFor}). */
interface Waiter {
  readonly session: InMemorySession;
  readonly settle: (granted: boolean) => void;
}

/** Settings of an {@link InMemoryLockTable}. */
export interface InMemoryLockTableOptions {
  readonly latencyMs?: number;
  readonly clock?: Clock;
}

/**
 * The state behind an `InMemoryLockServer` (never exported from the package): who holds which
 * key, the open sessions, the waiting requests and the release-notice listeners, with the
 * operations its sessions and drivers call.
 */
export class InMemoryLockTable {
  readonly #latencyMs: number;
  readonly #clock: Clock;
  /** The holder of each key. */
  readonly #owners = new Map<string, InMemorySession>();
  readonly #sessions = new Set<InMemorySession>();
  /** Release-notice listeners per lock owner (its driver): every OTHER owner hears a release. */
  readonly #notices = new Map<object, ListenerSet<[ReleaseNotice]>>();
  /** Waiting requests per key, in arrival order (see {@link InMemoryLockTable.waitFor}). */
  readonly #waiters = new Map<string, Waiter[]>();
  #available = true;
  #ownerCount = 0;

  constructor(options: InMemoryLockTableOptions = {}) {
    this.#latencyMs = options.latencyMs ?? 0;
    this.#clock = options.clock ?? systemClock;
  }

  /** A new default owner label, `owner-<n>`. */
  nextOwnerLabel(): string {
    return `owner-${++this.#ownerCount}`;
  }

  /** The owner label holding `key`, or `undefined`. */
  holderOf(key: string): string | undefined {
    return this.#owners.get(key)?.owner;
  }

  /** Number of open sessions. */
  get openSessions(): number {
    return this.#sessions.size;
  }

  /** The open sessions. */
  sessions(): InMemorySession[] {
    return [...this.#sessions];
  }

  /** While unavailable, {@link open} fails and every open session is ended. */
  setAvailable(available: boolean): void {
    this.#available = available;
    if (!available) {
      for (const session of [...this.#sessions]) this.endSession(session, new AppLockError('CONNECTION_FAILED', 'in-memory lock server unavailable'));
    }
  }

  /** Registers a new session made by `create` (after the simulated latency). */
  async open(create: () => InMemorySession): Promise<InMemorySession> {
    await this.delay();
    if (!this.#available) throw new AppLockError('CONNECTION_FAILED', 'in-memory lock server unavailable', { retryable: true });
    const session = create();
    this.#sessions.add(session);
    return session;
  }

  /** The simulated latency of one request (a microtask when `0`). */
  async delay(): Promise<void> {
    if (this.#latencyMs > 0) await this.#clock.sleep(this.#latencyMs);
    else await Promise.resolve();
  }

  /** Grants `key` to `session` when it is free (or already its own). */
  acquire(session: InMemorySession, key: string): boolean {
    const holder = this.#owners.get(key);
    if (holder !== undefined && holder !== session) return false;
    this.#owners.set(key, session);
    return true;
  }

  /**
   * Grants `key` to `session` now or once it is freed (released or its holder's session ended),
   * like a waiting `pg_advisory_lock`; `false` after `waitMs` or at {@link cancelWaits}.
   */
  waitFor(session: InMemorySession, key: string, waitMs: number): Promise<boolean> {
    if (this.acquire(session, key)) return Promise.resolve(true);
    if (waitMs <= 0) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const timer = new AbortController();
      const waiter: Waiter = {
        session,
        settle: (granted) => {
          timer.abort();
          const queue = this.#waiters.get(key);
          const index = queue?.indexOf(waiter) ?? -1;
          if (queue !== undefined && index >= 0) queue.splice(index, 1);
          if (queue?.length === 0) this.#waiters.delete(key);
          resolve(granted);
        },
      };
      const queue = this.#waiters.get(key) ?? [];
      queue.push(waiter);
      this.#waiters.set(key, queue);
      this.#clock.sleep(waitMs, timer.signal, { ref: false }).then(
        () => waiter.settle(false),
        () => undefined,
      );
    });
  }

  /** Ends every wait of `session` without a grant. */
  cancelWaits(session: InMemorySession): void {
    for (const queue of [...this.#waiters.values()]) for (const waiter of [...queue]) if (waiter.session === session) waiter.settle(false);
  }

  /** The owner labels waiting for `key`, in arrival order. */
  waitersFor(key: string): readonly string[] {
    return (this.#waiters.get(key) ?? []).map((waiter) => waiter.session.owner);
  }

  /** Number of waiting lock requests. */
  get waitingRequests(): number {
    let count = 0;
    for (const queue of this.#waiters.values()) count += queue.length;
    return count;
  }

  /** Whether `session` holds `key`. */
  holds(session: InMemorySession, key: string): boolean {
    return this.#owners.get(key) === session;
  }

  /** Whether any session holds `key`. */
  isTaken(key: string): boolean {
    return this.#owners.has(key);
  }

  /** Resolves whether `key` was held by `session` (and is now free). */
  release(session: InMemorySession, key: string): boolean {
    if (this.#owners.get(key) !== session) return false;
    this.#owners.delete(key);
    this.#grantNext(key);
    return true;
  }

  /**
   * Subscribes `source`'s listener to releases made by other owners. It hears each release in its
   * own microtask (asynchronously, like a NOTIFY); what it throws is dropped: a notice is a hint,
   * a failing listener must not break the releasing owner.
   */
  onReleaseNotice(source: object, listener: (notice: ReleaseNotice) => void): () => void {
    let listeners = this.#notices.get(source);
    if (listeners === undefined) this.#notices.set(source, (listeners = new ListenerSet<[ReleaseNotice]>()));
    const own = listeners;
    const unsubscribe = own.add(inOwnMicrotask(listener));
    return () => {
      unsubscribe();
      if (own.size === 0 && this.#notices.get(source) === own) this.#notices.delete(source);
    };
  }

  /** Announces a release by `source` to every other owner, with its reason. */
  announceRelease(source: object, reason?: string): void {
    const notice: ReleaseNotice = reason === undefined ? {} : { reason };
    for (const [other, listeners] of this.#notices) {
      if (other !== source) listeners.emit(notice);
    }
  }

  /** Frees everything the session holds; notifies it unless it closed itself (no `cause`). */
  endSession(session: InMemorySession, cause?: unknown): void {
    if (!this.#sessions.delete(session)) return;
    this.cancelWaits(session);
    const freed: string[] = [];
    for (const [key, holder] of this.#owners) {
      if (holder !== session) continue;
      this.#owners.delete(key);
      freed.push(key);
    }
    for (const key of freed) this.#grantNext(key);
    if (cause !== undefined) session.notifyClosed(cause);
  }

  /** The key is free: the first waiter gets it. */
  #grantNext(key: string): void {
    const next = this.#waiters.get(key)?.[0];
    if (next === undefined || this.#owners.has(key)) return;
    this.#owners.set(key, next.session);
    next.settle(true);
  }
}

const tables = new WeakMap<object, InMemoryLockTable>();

/** Attaches `table` to its public `server` object (see {@link tableOf}). */
export function attachTable(server: object, table: InMemoryLockTable): void {
  tables.set(server, table);
}

/**
 * The table behind an `InMemoryLockServer`.
 * @throws AppLockError `INVALID_CONFIGURATION` for anything that is not one.
 */
export function tableOf(server: object): InMemoryLockTable {
  const table = tables.get(server);
  if (table === undefined) throw new AppLockError('INVALID_CONFIGURATION', 'expected an InMemoryLockServer');
  return table;
}

/** `listener` deferred to its own microtask, what it throws dropped (a release notice is a hint). */
function inOwnMicrotask(listener: (notice: ReleaseNotice) => void): (notice: ReleaseNotice) => void {
  return (notice) =>
    queueMicrotask(() => {
      try {
        listener(notice);
      } catch {
        // a notice is a hint; a failing listener must not break the releasing owner
      }
    });
}
