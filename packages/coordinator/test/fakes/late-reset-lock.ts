import { AppLockError, SessionAppLock, type LockId, type LockSession, type LockSessionDriver } from '@polecat/app-lock';

/** The server side: which session holds each key. */
class Table {
  readonly holders = new Map<string, LateResetSession>();
}

/**
 * A session whose server-side end ({@link LateResetSession.kill}) frees its keys at once but reaches
 * the client only at its NEXT request (as a TCP reset read at the next read): the window in which a
 * node holds a grant the server already took back.
 */
export class LateResetSession implements LockSession<string> {
  readonly #table: Table;
  #killed = false;
  #onClosed: ((cause: unknown) => void) | undefined;
  /** Requests sent, by kind. */
  readonly requests: string[] = [];

  constructor(table: Table) {
    this.#table = table;
  }

  /** Ends the session on the server: its keys are free now; the client reads the reset later. */
  kill(): void {
    this.#killed = true;
    for (const [key, holder] of this.#table.holders) if (holder === this) this.#table.holders.delete(key);
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    this.#request('attain');
    return keys.map((key) => {
      const holder = this.#table.holders.get(key);
      if (holder === undefined) this.#table.holders.set(key, this);
      return holder === undefined || holder === this;
    });
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    this.#request('verify');
    return keys.map((key) => this.#table.holders.get(key) === this);
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    this.#request('probe');
    return keys.map((key) => this.#table.holders.has(key));
  }

  async release(keys: readonly string[]): Promise<void> {
    this.#request('release');
    for (const key of keys) if (this.#table.holders.get(key) === this) this.#table.holders.delete(key);
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#onClosed = listener;
  }

  async close(): Promise<void> {
    this.kill();
  }

  destroy(): void {
    this.kill();
  }

  #request(kind: string): void {
    this.requests.push(kind);
    if (!this.#killed) return;
    const reset = new AppLockError('CONNECTION_FAILED', 'connection reset by the server');
    this.#onClosed?.(reset);
    throw reset;
  }
}

/** A lock server of {@link LateResetSession}s: `createLock(owner)` opens owners on it. */
export class LateResetServer {
  readonly #table = new Table();
  /** The sessions opened, by owner label. */
  readonly sessions = new Map<string, LateResetSession>();

  createLock(owner: string): SessionAppLock<string> {
    const driver: LockSessionDriver<string> = {
      backend: 'late-reset',
      target: `late-reset (${owner})`,
      toKey: (id: LockId) => String(id),
      connect: async () => {
        const session = new LateResetSession(this.#table);
        this.sessions.set(owner, session);
        return session;
      },
    };
    return new SessionAppLock(driver, { verifyIntervalMs: 0 });
  }

  /** The owner label holding `id`, if any. */
  holderOf(id: LockId): string | undefined {
    const holder = this.#table.holders.get(String(id));
    for (const [owner, session] of this.sessions) if (session === holder) return owner;
    return undefined;
  }
}
