import { afterEach, describe, expect, it } from 'vitest';
import { AppLockError, InMemoryLockServer, LockLostError, withLock, type InMemoryAppLock } from '../src';

describe('withLock (run once while holding a lock)', () => {
  const server = new InMemoryLockServer();
  const locks: InMemoryAppLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });
  const owner = (): InMemoryAppLock => {
    const lock = server.createLock({ verifyIntervalMs: 0 });
    locks.push(lock);
    return lock;
  };

  it('runs fn while holding the lock, resolves with its value and releases the lock afterwards', async () => {
    const lock = owner();
    const result = await withLock(lock, 'report', () => {
      expect(server.holderOf('report')).toBe(lock.owner);
      return 42;
    });
    expect(result).toEqual({ acquired: true, value: 42 });
    expect(server.holderOf('report')).toBeUndefined();
    expect(lock.hasLock('report')).toBe(false);
  });

  it('resolves { acquired: false } without calling fn when another owner holds the lock', async () => {
    const holder = owner();
    await holder.tryAttainLock('report');
    let called = false;
    const result = await withLock(owner(), 'report', () => {
      called = true;
    });
    expect(result).toEqual({ acquired: false });
    expect(called).toBe(false);
    expect(server.holderOf('report')).toBe(holder.owner);
  });

  it('aborts fn signal with the LockLostError when the session is killed, and rejects with it', async () => {
    const lock = owner();
    const outcome = withLock(
      lock,
      'report',
      (signal) =>
        new Promise<string>((resolve) => {
          signal.addEventListener('abort', () => resolve(`stopped: ${(signal.reason as Error).name}`), { once: true });
          server.terminateSession(lock);
        }),
    );
    const error = await outcome.catch((caught: unknown) => caught);
    expect(LockLostError.isLockLost(error)).toBe(true);
    expect((error as LockLostError).reason).toBe('connection-lost');
  });

  it('releases the lock and rejects with the error fn threw', async () => {
    const lock = owner();
    await expect(withLock(lock, 'report', () => Promise.reject(new Error('report failed')))).rejects.toThrow('report failed');
    expect(server.holderOf('report')).toBeUndefined();
  });

  it("aborts fn's signal with the caller's reason when the caller's signal aborts, then releases", async () => {
    const lock = owner();
    const stop = new AbortController();
    const result = await withLock(
      lock,
      'report',
      (signal) =>
        new Promise<unknown>((resolve) => {
          signal.addEventListener('abort', () => resolve(signal.reason), { once: true });
          stop.abort('shutting down');
        }),
      { signal: stop.signal },
    );
    expect(result).toEqual({ acquired: true, value: 'shutting down' });
    expect(server.holderOf('report')).toBeUndefined();
  });

  it('refuses an id this owner already holds (its release would drop a lock taken elsewhere)', async () => {
    const lock = owner();
    await lock.tryAttainLock('report');
    const error = await withLock(lock, 'report', () => 1).catch((caught: unknown) => caught);
    expect(AppLockError.hasCode(error, 'INVALID_CONFIGURATION')).toBe(true);
    expect(lock.hasLock('report')).toBe(true);
  });
});
