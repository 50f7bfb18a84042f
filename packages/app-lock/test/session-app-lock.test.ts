import { describe, expect, it, vi } from 'vitest';
import { AppLockError, LockLostError } from '../src/errors';
import { InMemoryLockServer } from '../src/memory/in-memory-lock-server';
import type { LockSession, LockSessionDriver } from '../src/session/lock-session';
import { SessionAppLock } from '../src/session/session-app-lock';

/** A driver whose sessions are scripted by the test. */
function scriptedDriver(script: Partial<LockSession<string>>) {
  const closedListeners: ((cause: unknown) => void)[] = [];
  const calls: string[] = [];
  let destroyed = 0;
  const driver: LockSessionDriver<string> = {
    backend: 'scripted',
    target: 'scripted://test',
    toKey: (id) => String(id),
    connect: async () => ({
      tryAcquire: async (keys) => {
        calls.push(`acquire:${keys.join(',')}`);
        return script.tryAcquire ? script.tryAcquire(keys) : keys.map(() => true);
      },
      verify: async (keys) => {
        calls.push(`verify:${keys.join(',')}`);
        return script.verify ? script.verify(keys) : keys.map(() => true);
      },
      release: async (keys) => {
        calls.push(`release:${keys.join(',')}`);
        if (script.release) await script.release(keys);
      },
      onClosed: (listener) => closedListeners.push(listener),
      close: async () => {},
      destroy: () => {
        destroyed++;
      },
    }),
  };
  return { driver, calls, closedListeners, destroyedCount: () => destroyed };
}

describe('SessionAppLock', () => {
  it('probeLocks rejects with NOT_SUPPORTED when the backend session has no probe, and validates ids', async () => {
    const { driver } = scriptedDriver({});
    const lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    await expect(lock.probeLocks([1])).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(lock.probeLocks([1.5])).rejects.toMatchObject({ code: 'INVALID_LOCK_ID' });
    expect(await lock.tryAttainLock(1)).toBe(true);
    expect([...(await lock.probeLocks([1]))]).toEqual([1]); // held here: answered locally, no probe needed
    await lock.dispose();
    await expect(lock.probeLocks([2])).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('never stacks: attaining a held id costs no round trip and one release frees it', async () => {
    const server = new InMemoryLockServer();
    await using a = server.createLock();
    await using b = server.createLock();
    expect(await a.tryAttainLock(7)).toBe(true);
    const before = a.stats().roundTrips;
    expect(await a.tryAttainLock(7)).toBe(true);
    expect(a.stats().roundTrips).toBe(before);
    await a.releaseLock(7);
    expect(await b.tryAttainLock(7)).toBe(true);
  });

  it('tries a batch in one round trip and reports only what it holds', async () => {
    const server = new InMemoryLockServer();
    await using a = server.createLock();
    await using b = server.createLock();
    await b.tryAttainLock('taken');
    const before = a.stats().roundTrips;
    const held = await a.tryAttainLocks([1, 2, 'taken', 3, 2]);
    expect(a.stats().roundTrips - before).toBe(1);
    expect([...held].sort()).toEqual([1, 2, 3]);
    const verifyBefore = a.stats().roundTrips;
    expect(await a.verifyLocks()).toEqual([]);
    expect(a.stats().roundTrips - verifyBefore).toBe(1);
  });

  it('announces a server-side kill at once: event, aborted signals, hasLock false', async () => {
    const server = new InMemoryLockServer();
    await using a = server.createLock({ verifyIntervalMs: 0 });
    await a.tryAttainLocks([1, 2]);
    const signal = a.lockSignal(1)!;
    const lost = new Promise<readonly (string | number)[]>((resolve) => a.onLockLost((event) => resolve(event.ids)));
    server.terminateSession(a);
    expect((await lost).slice().sort()).toEqual([1, 2]);
    expect(a.hasLock(1)).toBe(false);
    expect(signal.aborted).toBe(true);
    expect(LockLostError.isLockLost(signal.reason)).toBe(true);
    expect((signal.reason as LockLostError).reason).toBe('connection-lost');
    expect(a.stats().lost).toBe(2);
  });

  it('reconnects lazily after a loss and holds each id once', async () => {
    const server = new InMemoryLockServer();
    await using a = server.createLock({ verifyIntervalMs: 0 });
    await using b = server.createLock();
    await a.tryAttainLock(5);
    server.terminateSession(a);
    await vi.waitFor(() => expect(a.hasLock(5)).toBe(false));
    expect(await a.tryAttainLock(5)).toBe(true);
    expect(a.stats().connects).toBe(2);
    await a.releaseLock(5);
    expect(await b.tryAttainLock(5)).toBe(true);
  });

  it('verification marks ids the server no longer grants as lost', async () => {
    const granted = new Set<string>();
    const { driver } = scriptedDriver({
      tryAcquire: async (keys) => keys.map((k) => (granted.add(k), true)),
      verify: async (keys) => keys.map((k) => k !== '2'),
    });
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    await lock.tryAttainLocks([1, 2, 3]);
    const events: LockLostError[] = [];
    lock.onLockLost((e) => events.push(e.error));
    expect(await lock.verifyLocks()).toEqual([2]);
    expect(lock.heldLocks()).toEqual([1, 3]);
    expect(events[0]?.reason).toBe('verification-failed');
  });

  it('drops a stalled connection after the request timeout and marks everything lost', async () => {
    let stall = false;
    const { driver, destroyedCount } = scriptedDriver({
      verify: (keys) => (stall ? new Promise(() => {}) : Promise.resolve(keys.map(() => true))),
    });
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0, requestTimeoutMs: 50 });
    await lock.tryAttainLock(1);
    stall = true;
    const error = await lock.verifyLocks().catch((e: unknown) => e);
    expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
    expect(lock.hasLock(1)).toBe(false);
    expect(destroyedCount()).toBe(1);
  });

  it('after a failed batch it asks which keys were granted and releases them (nothing leaks or stacks)', async () => {
    const { driver, calls } = scriptedDriver({
      tryAcquire: async () => {
        throw new AppLockError('LOCK_DEADLOCK_VICTIM', 'deadlock');
      },
      verify: async (keys) => keys.map((k) => k === '1'),
    });
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    const error = await lock.tryAttainLocks([1, 2]).catch((e: unknown) => e);
    expect(AppLockError.hasCode(error, 'LOCK_DEADLOCK_VICTIM')).toBe(true);
    expect(calls).toEqual(['acquire:1,2', 'verify:1,2', 'release:1']);
    expect(lock.heldLocks()).toEqual([]);
  });

  it('a failed release drops the connection rather than leave a lock the node thinks it freed', async () => {
    const { driver, destroyedCount } = scriptedDriver({
      release: async () => {
        throw new Error('socket hang up');
      },
    });
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    await lock.tryAttainLocks([1, 2]);
    await lock.releaseLock(1);
    expect(destroyedCount()).toBe(1);
    expect(lock.hasLock(2)).toBe(false);
  });

  it('an attempt aborted while in flight releases what it was granted, then rejects', async () => {
    const server = new InMemoryLockServer();
    await using a = server.createLock();
    await using b = server.createLock();
    const controller = new AbortController();
    const attempt = a.tryAttainLock(9, { signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(attempt).rejects.toThrow('shutting down');
    expect(a.hasLock(9)).toBe(false);
    expect(await b.tryAttainLock(9)).toBe(true);
  });

  it('rejects bad ids with INVALID_LOCK_ID before touching the server', async () => {
    const server = new InMemoryLockServer();
    await using lock = server.createLock();
    for (const bad of [Number.NaN, 1.5, 2 ** 31, -(2 ** 31) - 1, '', null, undefined, {}]) {
      await expect(lock.tryAttainLock(bad as never)).rejects.toSatisfy((e: unknown) => AppLockError.hasCode(e, 'INVALID_LOCK_ID'));
    }
    expect(server.openSessions).toBe(0);
    expect(lock.stats().roundTrips).toBe(0);
  });

  it('dispose releases everything, closes the session, is idempotent, and refuses later use', async () => {
    const server = new InMemoryLockServer();
    const a = server.createLock();
    await using b = server.createLock();
    await a.tryAttainLocks([1, 2]);
    const signal = a.lockSignal(1)!;
    await Promise.all([a.dispose(), a.dispose()]);
    await a.dispose();
    expect(signal.aborted).toBe(true);
    expect((signal.reason as LockLostError).reason).toBe('released');
    expect(server.openSessions).toBe(0);
    expect(await b.tryAttainLocks([1, 2])).toEqual(new Set([1, 2]));
    await expect(a.tryAttainLock(3)).rejects.toSatisfy((e: unknown) => AppLockError.hasCode(e, 'DISPOSED'));
    await expect(a.releaseLock(1)).resolves.toBeUndefined();
  });

  it('connect failures are typed and retryable; the next attempt reconnects', async () => {
    const server = new InMemoryLockServer();
    await using lock = server.createLock();
    server.setAvailable(false);
    const error = await lock.tryAttainLock(1).catch((e: unknown) => e);
    expect(AppLockError.hasCode(error, 'CONNECTION_FAILED')).toBe(true);
    expect((error as AppLockError).retryable).toBe(true);
    server.setAvailable(true);
    expect(await lock.tryAttainLock(1)).toBe(true);
  });

  it('a listener that throws does not stop other listeners', async () => {
    const server = new InMemoryLockServer();
    await using lock = server.createLock({ verifyIntervalMs: 0 });
    await lock.tryAttainLock(1);
    const seen: number[] = [];
    lock.onLockLost(() => {
      throw new Error('bad listener');
    });
    const unsubscribe = lock.onLockLost(() => seen.push(1));
    server.terminateSession(lock);
    await vi.waitFor(() => expect(seen).toEqual([1]));
    unsubscribe();
  });

  it('validates its options', () => {
    const { driver } = scriptedDriver({});
    expect(() => new SessionAppLock(driver, { verifyIntervalMs: -1 })).toThrow(AppLockError);
    expect(() => new SessionAppLock(driver, { requestTimeoutMs: 0 })).toThrow(AppLockError);
  });
});

describe('SessionAppLock with ids that share a backend key', () => {
  it('never requests one key twice, so nothing stacks', async () => {
    const requested: string[] = [];
    const driver: LockSessionDriver<string> = {
      backend: 'shared-keys',
      target: 'test',
      toKey: (id) => String(id), // 5 and "5" collide, as on SQL Server with an empty prefix
      connect: async () => ({
        tryAcquire: async (keys) => (requested.push(...keys), keys.map(() => true)),
        verify: async (keys) => keys.map(() => true),
        release: async () => {},
        onClosed: () => {},
        close: async () => {},
        destroy: () => {},
      }),
    };
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    expect(await lock.tryAttainLocks([5, '5'])).toEqual(new Set([5]));
    expect(await lock.tryAttainLock('5')).toBe(false);
    expect(requested).toEqual(['5']);
  });
});

describe('SessionAppLock when verification errors', () => {
  it('drops the session and marks everything lost (an unverifiable lock is not trusted)', async () => {
    let fail = false;
    let destroyed = 0;
    const driver: LockSessionDriver<string> = {
      backend: 'flaky',
      target: 'test',
      toKey: (id) => String(id),
      connect: async () => ({
        tryAcquire: async (keys) => keys.map(() => true),
        verify: async (keys) => {
          if (fail) throw new Error('Client was closed and is not queryable');
          return keys.map(() => true);
        },
        release: async () => {},
        onClosed: () => {},
        close: async () => {},
        destroy: () => void destroyed++,
      }),
    };
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0 });
    await lock.tryAttainLocks([1, 2]);
    const signal = lock.lockSignal(1)!;
    fail = true;
    await expect(lock.verifyLocks()).rejects.toThrow('Client was closed');
    expect(lock.heldLocks()).toEqual([]);
    expect(signal.aborted).toBe(true);
    expect(destroyed).toBe(1);
  });
});
