import { AppLockError } from '../errors';
import type { LockSession } from '../session/lock-session';
import type { InMemoryLockTable } from './in-memory-lock-table';

/** One "connection" of an owner to an in-memory lock table. */
export class InMemorySession implements LockSession<string> {
  readonly #table: InMemoryLockTable;
  /** The owner label (see `InMemoryLockServer.holderOf`). */
  readonly owner: string;
  /** Who announces this session's releases (its driver: an owner does not hear its own). */
  readonly #source: object;
  #closedListener: ((cause: unknown) => void) | undefined;
  #ended = false;

  constructor(table: InMemoryLockTable, owner: string, source: object) {
    this.#table = table;
    this.owner = owner;
    this.#source = source;
  }

  async tryAcquire(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#table.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#table.acquire(this, key));
  }

  async verify(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#table.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#table.holds(this, key));
  }

  async probe(keys: readonly string[]): Promise<readonly boolean[]> {
    await this.#table.delay();
    this.#throwIfEnded();
    return keys.map((key) => this.#table.isTaken(key));
  }

  async waitAcquire(key: string, waitMs: number): Promise<boolean> {
    await this.#table.delay();
    this.#throwIfEnded();
    const granted = await this.#table.waitFor(this, key, waitMs);
    this.#throwIfEnded();
    return granted;
  }

  async cancelWait(): Promise<void> {
    this.#table.cancelWaits(this);
  }

  async release(keys: readonly string[], reason?: string): Promise<void> {
    await this.#table.delay();
    this.#throwIfEnded();
    let released = false;
    for (const key of keys) released = this.#table.release(this, key) || released;
    if (released) this.#table.announceRelease(this.#source, reason);
  }

  onClosed(listener: (cause: unknown) => void): void {
    this.#closedListener = listener;
  }

  async close(): Promise<void> {
    this.#ended = true;
    this.#table.endSession(this);
  }

  destroy(): void {
    this.#ended = true;
    this.#table.endSession(this);
  }

  /** The table ended this session (kill, outage): tells the owner, asynchronously. */
  notifyClosed(cause: unknown): void {
    this.#ended = true;
    const listener = this.#closedListener;
    if (listener) queueMicrotask(() => listener(cause));
  }

  #throwIfEnded(): void {
    if (this.#ended) throw new AppLockError('CONNECTION_FAILED', `in-memory session of ${this.owner} has ended`);
  }
}
