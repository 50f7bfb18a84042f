import { AppLockError, InMemoryLockServer, type AppLock, type AttainOptions, type LockId, type LockLostEvent } from '@polecat/app-lock';

/** Deterministic random source: a small LCG, same sequence for the same seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Wraps an AppLock, counting calls; `failing = true` makes attempts reject like an unreachable database. */
export class CountingLock implements AppLock {
  readonly inner: AppLock;
  tryAttainLocksCalls: (readonly LockId[])[] = [];
  tryAttainLockCalls = 0;
  disposeCalls = 0;
  releaseAllCalls = 0;
  failing = false;

  constructor(inner: AppLock) {
    this.inner = inner;
  }

  tryAttainLock(id: LockId, options?: AttainOptions): Promise<boolean> {
    this.tryAttainLockCalls++;
    if (this.failing) return Promise.reject(new AppLockError('CONNECTION_FAILED', 'unreachable'));
    return this.inner.tryAttainLock(id, options);
  }
  tryAttainLocks(ids: readonly LockId[], options?: AttainOptions): Promise<ReadonlySet<LockId>> {
    this.tryAttainLocksCalls.push(ids);
    if (this.failing) return Promise.reject(new AppLockError('CONNECTION_FAILED', 'unreachable'));
    return this.inner.tryAttainLocks(ids, options);
  }
  hasLock(id: LockId): boolean {
    return this.inner.hasLock(id);
  }
  heldLocks(): readonly LockId[] {
    return this.inner.heldLocks();
  }
  lockSignal(id: LockId): AbortSignal | undefined {
    return this.inner.lockSignal(id);
  }
  verifyLocks(options?: AttainOptions): Promise<readonly LockId[]> {
    return this.inner.verifyLocks(options);
  }
  releaseLock(id: LockId): Promise<void> {
    return this.inner.releaseLock(id);
  }
  releaseAll(): Promise<void> {
    this.releaseAllCalls++;
    return this.inner.releaseAll();
  }
  onLockLost(listener: (event: LockLostEvent) => void): () => void {
    return this.inner.onLockLost(listener);
  }
  stats() {
    return this.inner.stats();
  }
  dispose(): Promise<void> {
    this.disposeCalls++;
    return this.inner.dispose();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * One in-memory lock server per database id (locks are per database, like SQL Server app locks),
 * and every lock created, wrapped in a {@link CountingLock}.
 */
export function lockFactory() {
  const servers = new Map<string, InMemoryLockServer>();
  const locks: { database: string; lock: CountingLock }[] = [];
  const serverOf = (database: string): InMemoryLockServer => {
    let server = servers.get(database);
    if (server === undefined) {
      server = new InMemoryLockServer();
      servers.set(database, server);
    }
    return server;
  };
  const createLock = (database: { id: string }): CountingLock => {
    const lock = new CountingLock(serverOf(database.id).createLock({ verifyIntervalMs: 0 }));
    locks.push({ database: database.id, lock });
    return lock;
  };
  const locksOf = (database: string) => locks.filter((entry) => entry.database === database).map((entry) => entry.lock);
  const disposeAll = async () => {
    await Promise.all(locks.map(({ lock }) => lock.dispose()));
  };
  return { createLock, serverOf, locks, locksOf, disposeAll };
}
