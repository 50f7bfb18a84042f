import type { Clock } from '../clock';
import { AppLockError } from '../errors';
import { lockIdKey } from '../internal/lock-key';
import type { LockId } from '../lock-id';
import { InMemoryAppLock, type InMemoryAppLockOptions } from './in-memory-app-lock';
import { attachTable, InMemoryLockTable } from './in-memory-lock-table';

export { InMemoryAppLock, type InMemoryAppLockOptions } from './in-memory-app-lock';

/** Options of {@link InMemoryLockServer}. */
export interface InMemoryLockServerOptions {
  /** Simulated latency of every request, in ms. Default `0` (answers on the next microtask). */
  readonly latencyMs?: number;
  /** Clock used for the simulated latency. Default: `systemClock`. */
  readonly clock?: Clock;
}

/**
 * A lock "server" living in this process: many owners ({@link InMemoryAppLock}) compete for its
 * locks exactly as separate connections compete for SQL Server application locks. Use it for
 * tests, demos and single-process deployments. It can also misbehave on purpose:
 * {@link InMemoryLockServer.terminateSession} (a server-side KILL) and
 * {@link InMemoryLockServer.setAvailable} (an outage).
 */
export class InMemoryLockServer {
  readonly #table: InMemoryLockTable;

  constructor(options: InMemoryLockServerOptions = {}) {
    this.#table = new InMemoryLockTable(options);
    attachTable(this, this.#table);
  }

  /** A new lock owner (think: a new dedicated connection) on this server. */
  createLock(options: InMemoryAppLockOptions = {}): InMemoryAppLock {
    return new InMemoryAppLock(this, options);
  }

  /** The owner label holding `id`, or `undefined`. */
  holderOf(id: LockId): string | undefined {
    return this.#table.holderOf(lockIdKey(id));
  }

  /** Number of open sessions (connections), for leak checks. */
  get openSessions(): number {
    return this.#table.openSessions;
  }

  /** Ends the sessions of `lock` (or of the owner label) as a server-side kill would: its locks are freed. */
  terminateSession(lock: InMemoryAppLock | string): number {
    const owner = typeof lock === 'string' ? lock : lock.owner;
    let count = 0;
    for (const session of this.#table.sessions()) {
      if (session.owner === owner) {
        this.#table.endSession(session, new AppLockError('CONNECTION_FAILED', `session of ${owner} terminated by the server`));
        count++;
      }
    }
    return count;
  }

  /** While unavailable, connects fail (`CONNECTION_FAILED`) and every open session is ended. */
  setAvailable(available: boolean): void {
    this.#table.setAvailable(available);
  }

  /** The owner labels waiting for `id` (`waitForLock`), in arrival order (for tests). */
  waitersFor(id: LockId): readonly string[] {
    return this.#table.waitersFor(lockIdKey(id));
  }

  /** Number of waiting lock requests (for tests). */
  get waitingRequests(): number {
    return this.#table.waitingRequests;
  }
}
