import { AppLockError, SessionAppLock, type Clock, type LockId, type LockSession, type LockSessionDriver } from '@polecat/app-lock';
import type { RequestKind, ServerSession, SimLockServer } from './lock-server';
import type { Channel } from './network';

/** How long a connect may take before the driver gives up (PostgreSQL's `connectTimeoutMs`). */
const CONNECT_TIMEOUT_MS = 5000;

function connectionLost(node: string): AppLockError {
  return new AppLockError('CONNECTION_FAILED', `sim session of ${node} is closed`, { retryable: true });
}

/** The client end of one connection: each call is one round trip over the node's link. */
class SimLockSession implements LockSession<string> {
  readonly #server: SimLockServer;
  readonly #channel: Channel;
  readonly #session: ServerSession;
  readonly #source: object;
  #ended = false;
  #closedListener: ((cause: unknown) => void) | undefined;

  constructor(server: SimLockServer, channel: Channel, session: ServerSession, source: object) {
    this.#source = source;
    this.#server = server;
    this.#channel = channel;
    this.#session = session;
  }

  /** Called on the client when the server's reset arrives. */
  reset(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#closedListener?.(connectionLost(this.#channel.node));
  }

  tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    return this.#call('tryAcquire', keys.length, (s) => keys.map((key) => this.#server.tryLock(s, key)));
  }

  verify(keys: readonly string[]): Promise<readonly boolean[]> {
    return this.#call('verify', keys.length, (s) => keys.map((key) => this.#server.holds(s, key)));
  }

  probe(keys: readonly string[]): Promise<readonly boolean[]> {
    return this.#call('probe', keys.length, () => keys.map((key) => this.#server.isTaken(key)));
  }

  waitAcquire(key: string, waitMs: number): Promise<boolean> {
    return this.#request('waitAcquire', 1, (s, reply) => this.#server.waitLock(s, key, waitMs, reply));
  }

  cancelWait(): Promise<void> {
    return this.#call('cancelWait', 0, (s) => this.#server.cancelWaits(s));
  }

  release(keys: readonly string[]): Promise<void> {
    return this.#call('release', keys.length, (s) => {
      let released = false;
      for (const key of keys) released = this.#server.unlock(s, key) || released;
      if (released) this.#server.announceRelease(this.#source);
    });
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#closedListener = listener;
  }

  async close(): Promise<void> {
    this.destroy();
  }

  destroy(): void {
    if (this.#ended) return;
    this.#ended = true;
    const session = this.#session;
    this.#server.network.up(this.#channel, () => {
      this.#server.count('close');
      this.#server.end(session, false);
    });
  }

  #call<T>(kind: RequestKind, keys: number, handle: (session: ServerSession) => T): Promise<T> {
    return this.#request(kind, keys, (session, reply) => reply(handle(session)));
  }

  /** One round trip: the request travels up, `handle` runs on the server, the reply travels down. */
  #request<T>(kind: RequestKind, keys: number, handle: (session: ServerSession, reply: (value: T) => void) => void): Promise<T> {
    if (this.#ended) return Promise.reject(connectionLost(this.#channel.node));
    const network = this.#server.network;
    return new Promise<T>((resolve, reject) => {
      network.up(this.#channel, () => {
        this.#server.count(kind, keys);
        if (!this.#session.alive) {
          network.down(this.#channel, () => reject(connectionLost(this.#channel.node)));
          return;
        }
        handle(this.#session, (value) =>
          network.down(this.#channel, () => {
            if (this.#ended) reject(connectionLost(this.#channel.node));
            else resolve(value);
          }),
        );
      });
    });
  }
}

/**
 * A {@link LockSessionDriver} on the simulated server: the REAL `SessionAppLock` runs on it
 * (`new SessionAppLock(driver, { clock })`). Keys are the lock ids as strings.
 */
export class SimLockDriver implements LockSessionDriver<string> {
  readonly backend = 'sim';
  readonly target: string;
  readonly #server: SimLockServer;
  readonly #node: string;
  readonly #clock: Clock;

  constructor(server: SimLockServer, node: string, clock: Clock) {
    this.#server = server;
    this.#node = node;
    this.#clock = clock;
    this.target = `sim://lock-server (${node})`;
  }

  /** Subscribes to other owners' release notices (a `LISTEN` on this node's link). */
  onReleaseNotice(listener: () => void): () => void {
    return this.#server.subscribeNotices(this, this.#server.network.channel(this.#node), listener);
  }

  toKey(id: LockId): string {
    return String(id);
  }

  connect(signal?: AbortSignal): Promise<LockSession<string>> {
    signal?.throwIfAborted();
    const server = this.#server;
    const network = server.network;
    const channel = network.channel(this.#node);
    return new Promise<LockSession<string>>((resolve, reject) => {
      let settled = false;
      const giveUp = new AbortController();
      const fail = (cause: unknown): void => {
        if (settled) return;
        settled = true;
        giveUp.abort();
        reject(
          cause instanceof AppLockError ? cause : new AppLockError('CONNECTION_FAILED', `sim connect of ${this.#node} failed`, { retryable: true, cause }),
        );
      };
      signal?.addEventListener('abort', () => fail(signal.reason), { once: true, signal: giveUp.signal });
      this.#clock.sleep(CONNECT_TIMEOUT_MS, giveUp.signal).then(
        () => fail(new AppLockError('CONNECTION_FAILED', `sim connect of ${this.#node} timed out`, { retryable: true })),
        () => undefined,
      );
      network.up(channel, () => {
        server.count('connect');
        let client: SimLockSession | undefined;
        const session = server.open(channel, () => client?.reset());
        network.down(channel, () => {
          if (session === undefined) {
            fail(new AppLockError('CONNECTION_FAILED', 'sim lock server is down', { retryable: true }));
            return;
          }
          client = new SimLockSession(server, channel, session, this);
          if (settled || !session.alive) {
            client.destroy();
            if (!session.alive) fail(connectionLost(this.#node));
            return;
          }
          settled = true;
          giveUp.abort();
          resolve(client);
        });
      });
    });
  }
}

/** A lock owner on the simulated server: the real `SessionAppLock` plus release notices (as `PostgresAppLock`). */
export class SimAppLock extends SessionAppLock<string> {
  readonly #driver: SimLockDriver;

  constructor(driver: SimLockDriver, clock: Clock) {
    super(driver, { clock });
    this.#driver = driver;
  }

  /** Called (asynchronously) whenever ANOTHER owner released locks it held. */
  onReleaseNotice(listener: () => void): () => void {
    return this.#driver.onReleaseNotice(listener);
  }
}
