import type { Network, Channel } from './network';
import type { Scheduler } from './scheduler';

/** Server-side kinds of request, counted for the requests/s figures. */
export const REQUEST_KINDS = ['connect', 'tryAcquire', 'verify', 'probe', 'waitAcquire', 'cancelWait', 'release', 'close'] as const;
/** One of {@link REQUEST_KINDS}. */
export type RequestKind = (typeof REQUEST_KINDS)[number];

/** Options of {@link SimLockServer}. */
export interface SimLockServerOptions {
  /**
   * How long the server keeps a session whose client went silent (partitioned, machine gone)
   * before it ends it and frees its locks: TCP keepalive as configured on PostgreSQL. Default 10 000 ms.
   */
  readonly keepAliveMs?: number;
  /**
   * Called when the SERVER ends a session that held locks (kill, keepalive, restart, reset): its
   * node's agents keep running until it hears of it, so their overlap with the next owner is
   * expected (and fenced).
   */
  readonly onLocksRevoked?: (node: string, keys: readonly string[]) => void;
}

/** A session as the server sees it. */
export interface ServerSession {
  readonly id: number;
  readonly node: string;
  readonly channel: Channel;
  alive: boolean;
  /** Called on the NODE once the server's reset arrived over the network (the server ended the session). */
  readonly onEnded: () => void;
}

interface Holding {
  readonly session: ServerSession;
  /** Advisory locks stack: the same session locking twice must unlock twice. */
  count: number;
}

interface NoticeListener {
  readonly source: object;
  readonly channel: Channel;
  readonly listener: () => void;
}

interface Waiter {
  readonly session: ServerSession;
  readonly settle: (granted: boolean) => void;
}

/**
 * The simulated lock server: PostgreSQL advisory-lock semantics (session-scoped exclusive locks
 * that stack per session, try-lock, a lock view for probes, waiting locks with a timeout and
 * cancellation), sessions that die with their connection (every lock freed), a keepalive that ends
 * silent sessions, and restarts (every session dies, connects fail while down).
 */
export class SimLockServer {
  readonly #scheduler: Scheduler;
  readonly #network: Network;
  readonly #keepAliveMs: number;
  readonly #onLocksRevoked: ((node: string, keys: readonly string[]) => void) | undefined;
  readonly #sessions = new Map<number, ServerSession>();
  readonly #locks = new Map<string, Holding>();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #requests = new Map<RequestKind, number>();
  readonly #keys = new Map<RequestKind, number>();
  readonly #deadNodes = new Set<string>();
  readonly #noticeListeners = new Set<NoticeListener>();
  /** Per node: sessions holding locks that the server ended and whose reset has not reached the node yet. */
  readonly #unheardRevocations = new Map<string, number>();
  #nextSession = 1;
  #up = true;
  #sweeping = false;

  constructor(scheduler: Scheduler, network: Network, options: SimLockServerOptions = {}) {
    this.#scheduler = scheduler;
    this.#network = network;
    this.#keepAliveMs = options.keepAliveMs ?? 10_000;
    this.#onLocksRevoked = options.onLocksRevoked;
  }

  /** The network the server answers over. */
  get network(): Network {
    return this.#network;
  }

  /** Whether the server accepts connections. */
  get up(): boolean {
    return this.#up;
  }

  /** Requests received so far, per kind. */
  requestCount(kind?: RequestKind): number {
    if (kind !== undefined) return this.#requests.get(kind) ?? 0;
    let total = 0;
    for (const count of this.#requests.values()) total += count;
    return total;
  }

  /** Lock keys carried by the requests received so far (a probe of 1 000 ids counts 1 000), per kind. */
  keyCount(kind?: RequestKind): number {
    if (kind !== undefined) return this.#keys.get(kind) ?? 0;
    let total = 0;
    for (const count of this.#keys.values()) total += count;
    return total;
  }

  /** Counts one request carrying `keys` lock keys (called when it arrives). */
  count(kind: RequestKind, keys = 0): void {
    this.#requests.set(kind, (this.#requests.get(kind) ?? 0) + 1);
    if (keys > 0) this.#keys.set(kind, (this.#keys.get(kind) ?? 0) + keys);
  }

  /** Opens a session for `node` (on the server); undefined while the server is down. */
  open(channel: Channel, onEnded: () => void): ServerSession | undefined {
    if (!this.#up || this.#deadNodes.has(channel.node)) return undefined;
    const session: ServerSession = { id: this.#nextSession++, node: channel.node, channel, alive: true, onEnded };
    this.#sessions.set(session.id, session);
    this.#startSweep();
    return session;
  }

  /** Number of live sessions. */
  get openSessions(): number {
    return this.#sessions.size;
  }

  /** Live sessions (for invariants). */
  sessions(): IterableIterator<ServerSession> {
    return this.#sessions.values();
  }

  /** Held locks: key and holding session (for invariants). */
  *heldLocks(): IterableIterator<[string, ServerSession]> {
    for (const [key, holding] of this.#locks) yield [key, holding.session];
  }

  /** The session holding `key`, if any. */
  holderOf(key: string): ServerSession | undefined {
    return this.#locks.get(key)?.session;
  }

  /** `pg_try_advisory_lock`: granted when free or already held by this session (stacks). */
  tryLock(session: ServerSession, key: string): boolean {
    const holding = this.#locks.get(key);
    if (holding === undefined) {
      this.#locks.set(key, { session, count: 1 });
      return true;
    }
    if (holding.session !== session) return false;
    holding.count++;
    return true;
  }

  /** Whether `session` holds `key`. */
  holds(session: ServerSession, key: string): boolean {
    return this.#locks.get(key)?.session === session;
  }

  /** Whether any session holds `key` (`pg_locks`). */
  isTaken(key: string): boolean {
    return this.#locks.has(key);
  }

  /** `pg_advisory_unlock`: one level; false when this session does not hold it. */
  unlock(session: ServerSession, key: string): boolean {
    const holding = this.#locks.get(key);
    if (holding?.session !== session) return false;
    if (--holding.count === 0) {
      this.#locks.delete(key);
      this.#grantNext(key);
    }
    return true;
  }

  /** `pg_advisory_lock` with `lock_timeout`: settles with the grant, or false after `waitMs` or a cancel. */
  waitLock(session: ServerSession, key: string, waitMs: number, settle: (granted: boolean) => void): void {
    if (this.tryLock(session, key)) {
      settle(true);
      return;
    }
    if (waitMs <= 0) {
      settle(false);
      return;
    }
    let done = false;
    const waiter: Waiter = {
      session,
      settle: (granted) => {
        if (done) return;
        done = true;
        cancelTimer();
        const queue = this.#waiters.get(key);
        const index = queue?.indexOf(waiter) ?? -1;
        if (queue !== undefined && index >= 0) queue.splice(index, 1);
        if (queue?.length === 0) this.#waiters.delete(key);
        settle(granted);
      },
    };
    const queue = this.#waiters.get(key) ?? [];
    queue.push(waiter);
    this.#waiters.set(key, queue);
    const cancelTimer = this.#scheduler.schedule('server', waitMs, () => waiter.settle(false));
  }

  /** `pg_cancel_backend` of a waiting request: its waits end without a grant. */
  cancelWaits(session: ServerSession): void {
    for (const queue of [...this.#waiters.values()]) for (const waiter of [...queue]) if (waiter.session === session) waiter.settle(false);
  }

  /** Ends a session (client closed it, connection reset, keepalive, kill): every lock it held is freed. */
  end(session: ServerSession, notify: boolean): void {
    if (!session.alive) return;
    session.alive = false;
    this.#sessions.delete(session.id);
    this.cancelWaits(session);
    const freed: string[] = [];
    for (const [key, holding] of this.#locks) if (holding.session === session) freed.push(key);
    for (const key of freed) {
      this.#locks.delete(key);
      this.#grantNext(key);
    }
    if (!notify) return;
    if (freed.length > 0) {
      this.#onLocksRevoked?.(session.node, freed);
      this.#unheardRevocations.set(session.node, (this.#unheardRevocations.get(session.node) ?? 0) + 1);
    }
    // the reset travels to the node like any reply: after what the server sent it before
    this.#network.down(session.channel, () => {
      if (freed.length > 0) this.#heard(session.node);
      session.onEnded();
    });
  }

  /**
   * Whether the server revoked locks of `node` that it has not heard of yet: a grant sent just
   * before the revocation may still arrive, and agents started on it overlap the next owner (fenced).
   */
  revokedUnheard(node: string): boolean {
    return this.#unheardRevocations.has(node);
  }

  #heard(node: string): void {
    const left = (this.#unheardRevocations.get(node) ?? 1) - 1;
    if (left <= 0) this.#unheardRevocations.delete(node);
    else this.#unheardRevocations.set(node, left);
  }

  /** Ends every session of `node` (`pg_terminate_backend`, or the OS resetting a dead process's sockets). */
  endSessionsOf(node: string): number {
    let count = 0;
    for (const session of [...this.#sessions.values()]) {
      if (session.node !== node) continue;
      this.end(session, true);
      count++;
    }
    return count;
  }

  /** `node`'s process died: the OS resets its connections (every session ends) and it never connects again. */
  nodeDied(node: string): void {
    this.#deadNodes.add(node);
    this.endSessionsOf(node);
  }

  /** `LISTEN`: `listener` hears (over `channel`) every release announced by another `source`. */
  subscribeNotices(source: object, channel: Channel, listener: () => void): () => void {
    const entry: NoticeListener = { source, channel, listener };
    this.#noticeListeners.add(entry);
    return () => {
      this.#noticeListeners.delete(entry);
    };
  }

  /** `pg_notify` in the unlock's round trip: every other listener hears that locks were released. */
  announceRelease(source: object): void {
    for (const entry of this.#noticeListeners) {
      if (entry.source === source || this.#deadNodes.has(entry.channel.node)) continue;
      this.#network.down(entry.channel, entry.listener);
    }
  }

  /** A restart: every session dies now; connects fail for `downMs`. */
  restart(downMs: number): void {
    this.#up = false;
    for (const session of [...this.#sessions.values()]) this.end(session, true);
    this.#scheduler.schedule('server', downMs, () => {
      this.#up = true;
    });
  }

  #grantNext(key: string): void {
    const next = this.#waiters.get(key)?.[0];
    if (next === undefined || this.#locks.has(key)) return;
    this.#locks.set(key, { session: next.session, count: 1 });
    next.settle(true);
  }

  /** While sessions exist, a keepalive sweep every second ends those silent for `keepAliveMs`. */
  #startSweep(): void {
    if (this.#sweeping) return;
    this.#sweeping = true;
    const sweep = (): void => {
      const now = this.#scheduler.now;
      for (const session of [...this.#sessions.values()]) {
        const since = this.#network.partitionedSince(session.node);
        if (since !== undefined && now - since >= this.#keepAliveMs) this.end(session, true);
      }
      if (this.#sessions.size === 0) this.#sweeping = false;
      else this.#scheduler.schedule('server', 1000, sweep);
    };
    this.#scheduler.schedule('server', 1000, sweep);
  }
}
