import { systemClock, type Clock } from '../clock';
import { AppLockError } from '../errors';
import { lockIdKey } from '../internal/lock-key';
import type { LockId } from '../lock-id';
import type { LockSession, LockSessionDriver } from '../session/lock-session';
import { SessionAppLock, type SessionAppLockOptions } from '../session/session-app-lock';

/** Options of {@link InMemoryLockServer}. */
export interface InMemoryLockServerOptions {
  /** Simulated latency of every request, in ms. Default `0` (answers on the next microtask). */
  readonly latencyMs?: number;
  /** Clock used for the simulated latency. Default: {@link systemClock}. */
  readonly clock?: Clock;
}

/** Options of {@link InMemoryLockServer.createLock}. */
export interface InMemoryAppLockOptions extends SessionAppLockOptions {
  /** A label for the owner, shown by {@link InMemoryLockServer.holderOf}. Default `owner-<n>`. */
  readonly owner?: string;
}

/**
 * A lock "server" living in this process: many owners ({@link InMemoryAppLock}) compete for its
 * locks exactly as separate connections compete for SQL Server application locks. Use it for
 * tests, demos and single-process deployments. It can also misbehave on purpose:
 * {@link InMemoryLockServer.terminateSession} (a server-side KILL) and
 * {@link InMemoryLockServer.setAvailable} (an outage).
 */
export class InMemoryLockServer {
  readonly #latencyMs: number;
  readonly #clock: Clock;
  readonly #owners = new Map<string, InMemorySession>();
  readonly #sessions = new Set<InMemorySession>();
  /** Release-notice listeners per lock owner (its driver): every OTHER owner hears a release. */
  readonly #notices = new Map<object, Set<() => void>>();
  /** Waiting requests per key, in arrival order (see {@link InMemoryLockServer.waitFor}). */
  readonly #waiters = new Map<string, Waiter[]>();
  #available = true;
  #ownerCount = 0;

  constructor(options: InMemoryLockServerOptions = {}) {
    this.#latencyMs = options.latencyMs ?? 0;
    this.#clock = options.clock ?? systemClock;
  }

  /** A new lock owner (think: a new dedicated connection) on this server. */
  createLock(options: InMemoryAppLockOptions = {}): InMemoryAppLock {
    const owner = options.owner ?? `owner-${++this.#ownerCount}`;
    return new InMemoryAppLock(new InMemoryDriver(this, owner), owner, options);
  }

  /** The owner label holding `id`, or `undefined`. */
  holderOf(id: LockId): string | undefined {
    return this.#owners.get(lockIdKey(id))?.owner;
  }

  /** Number of open sessions (connections), for leak checks. */
  get openSessions(): number {
    return this.#sessions.size;
  }

  /** Ends the sessions of `lock` (or of the owner label) as a server-side kill would: its locks are freed. */
  terminateSession(lock: InMemoryAppLock | string): number {
    const owner = typeof lock === 'string' ? lock : lock.owner;
    let count = 0;
    for (const session of [...this.#sessions]) {
      if (session.owner === owner) {
        this.endSession(session, new AppLockError('CONNECTION_FAILED', `session of ${owner} terminated by the server`));
        count++;
      }
    }
    return count;
  }

  /** While unavailable, connects fail (`CONNECTION_FAILED`) and every open session is ended. */
  setAvailable(available: boolean): void {
    this.#available = available;
    if (!available) {
      for (const session of [...this.#sessions]) this.endSession(session, new AppLockError('CONNECTION_FAILED', 'in-memory lock server unavailable'));
    }
  }

  /** @internal */
  async open(owner: string, source: object = {}): Promise<InMemorySession> {
    await this.delay();
    if (!this.#available) throw new AppLockError('CONNECTION_FAILED', 'in-memory lock server unavailable', { retryable: true });
    const session = new InMemorySession(this, owner, source);
    this.#sessions.add(session);
    return session;
  }

  /** @internal */
  async delay(): Promise<void> {
    if (this.#latencyMs > 0) await this.#clock.sleep(this.#latencyMs);
    else await Promise.resolve();
  }

  /** @internal */
  acquire(session: InMemorySession, key: string): boolean {
    const holder = this.#owners.get(key);
    if (holder !== undefined && holder !== session) return false;
    this.#owners.set(key, session);
    return true;
  }

  /**
   * @internal Grants `key` to `session` now or once it is freed (released or its holder's session
   * ended), like a waiting `pg_advisory_lock`; `false` after `waitMs` or at {@link cancelWaits}.
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

  /** @internal Ends every wait of `session` without a grant. */
  cancelWaits(session: InMemorySession): void {
    for (const queue of [...this.#waiters.values()]) for (const waiter of [...queue]) if (waiter.session === session) waiter.settle(false);
  }

  /** The owner labels waiting for `id` (`waitForLock`), in arrival order (for tests). */
  waitersFor(id: LockId): readonly string[] {
    return (this.#waiters.get(lockIdKey(id)) ?? []).map((waiter) => waiter.session.owner);
  }

  /** Number of waiting lock requests (for tests). */
  get waitingRequests(): number {
    let count = 0;
    for (const queue of this.#waiters.values()) count += queue.length;
    return count;
  }

  /** The key is free: the first waiter gets it. */
  #grantNext(key: string): void {
    const next = this.#waiters.get(key)?.[0];
    if (next === undefined || this.#owners.has(key)) return;
    this.#owners.set(key, next.session);
    next.settle(true);
  }

  /** @internal */
  holds(session: InMemorySession, key: string): boolean {
    return this.#owners.get(key) === session;
  }

  /** @internal */
  isTaken(key: string): boolean {
    return this.#owners.has(key);
  }

  /** @internal Resolves whether `key` was held by `session` (and is now free). */
  release(session: InMemorySession, key: string): boolean {
    if (this.#owners.get(key) !== session) return false;
    this.#owners.delete(key);
    this.#grantNext(key);
    return true;
  }

  /** @internal Subscribes `source`'s listener to releases made by other owners. */
  onReleaseNotice(source: object, listener: () => void): () => void {
    let listeners = this.#notices.get(source);
    if (listeners === undefined) this.#notices.set(source, (listeners = new Set()));
    const own = listeners;
    own.add(listener);
    return () => {
      own.delete(listener);
      if (own.size === 0 && this.#notices.get(source) === own) this.#notices.delete(source);
    };
  }

  /** @internal Announces a release by `source` to every other owner (asynchronously, like a NOTIFY). */
  announceRelease(source: object): void {
    for (const [other, listeners] of this.#notices) {
      if (other === source) continue;
      for (const listener of [...listeners]) {
        queueMicrotask(() => {
          try {
            listener();
          } catch {
            // a notice is a hint; a failing listener must not break the releasing owner
          }
        });
      }
    }
  }

  /** @internal Frees everything the session holds; notifies it unless it closed itself. */
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
}

interface Waiter {
  readonly session: InMemorySession;
  readonly settle: (granted: boolean) => void;
}

class InMemorySession implements LockSession<string> {
  readonly #server: InMemoryLockServer;
  readonly owner: string;
  readonly #source: object;
  #closedListener: ((cause: unknown) => void) | undefined;
  #ended = false;

  constructor(server: InMemoryLockServer, owner: string, source: object) {
    this.#server = server;
    this.owner = owner;
    this.#source = source;
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#server.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#server.acquire(this, key));
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#server.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#server.holds(this, key));
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#server.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#server.isTaken(key));
  }

  async waitAcquire(key: string, waitMs: number): Promise<boolean> {
    await this.#server.delay();
    this.#throwIfEnded();
    const granted = await this.#server.waitFor(this, key, waitMs);
    this.#throwIfEnded();
    return granted;
  }

  async cancelWait(): Promise<void> {
    this.#server.cancelWaits(this);
  }

  async release(keys: readonly string[]): Promise<void> {
    await this.#server.delay();
    this.#throwIfEnded();
    let released = false;
    for (const key of keys) released = this.#server.release(this, key) || released;
    if (released) this.#server.announceRelease(this.#source);
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#closedListener = listener;
  }

  async close(): Promise<void> {
    this.#ended = true;
    this.#server.endSession(this);
  }

  destroy(): void {
    this.#ended = true;
    this.#server.endSession(this);
  }

  notifyClosed(cause: unknown): void {
    this.#ended = true;
    const listener = this.#closedListener;
    if (listener) queueMicrotask(() => listener(cause));
  }

  #throwIfEnded(): void {
    if (this.#ended) throw new AppLockError('CONNECTION_FAILED', `in-memory session of ${this.owner} has ended`);
  }
}

class InMemoryDriver implements LockSessionDriver<string> {
  readonly backend = 'memory';
  readonly target: string;
  readonly #server: InMemoryLockServer;
  readonly #owner: string;

  constructor(server: InMemoryLockServer, owner: string) {
    this.#server = server;
    this.#owner = owner;
    this.target = `memory (${owner})`;
  }

  toKey(id: LockId): string {
    return lockIdKey(id);
  }

  connect(signal?: AbortSignal): Promise<LockSession<string>> {
    signal?.throwIfAborted();
    return this.#server.open(this.#owner, this);
  }

  onReleaseNotice(listener: () => void): () => void {
    return this.#server.onReleaseNotice(this, listener);
  }
}

/** A lock owner on an {@link InMemoryLockServer}; create it with `server.createLock()`. */
export class InMemoryAppLock extends SessionAppLock<string> {
  /** The owner label (see {@link InMemoryLockServer.holderOf}). */
  readonly owner: string;
  readonly #driver: InMemoryDriver;

  /** @internal Use {@link InMemoryLockServer.createLock}. */
  constructor(driver: InMemoryDriver, owner: string, options: SessionAppLockOptions = {}) {
    super(driver, options);
    this.owner = owner;
    this.#driver = driver;
  }

  /** Called (asynchronously) whenever ANOTHER owner of this server releases locks it held. */
  onReleaseNotice(listener: () => void): () => void {
    return this.#driver.onReleaseNotice(listener);
  }
}
