import { afterEach, describe, expect, it } from 'vitest';
import { AppLockError, InMemoryLockServer, type InMemoryAppLock, type LockLostError, type ReleaseNotice } from '../src';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionAppLock.releaseLocks (a subset of held ids in one round trip)', () => {
  const locks: InMemoryAppLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });

  function owners(count: number, server = new InMemoryLockServer()): InMemoryAppLock[] {
    const created = Array.from({ length: count }, () => server.createLock({ verifyIntervalMs: 0 }));
    locks.push(...created);
    return created;
  }

  it('releases exactly the held ones of the ids given, in one round trip, with one notice carrying the reason', async () => {
    const [a, b] = owners(2);
    const notices: ReleaseNotice[] = [];
    b!.onReleaseNotice((notice) => notices.push(notice));
    await a!.tryAttainLocks([1, 2, 3, 4, 'five', 'six']);
    const signals = [1, 3, 'five', 2].map((id) => a!.lockSignal(id)!);
    const before = a!.stats().roundTrips;
    await a!.releaseLocks([1, 3, 'five', 99, 'unknown', 1], { reason: 'drained' });
    expect(a!.stats().roundTrips - before).toBe(1);
    expect([...a!.heldLocks()].map(String).sort()).toEqual(['2', '4', 'six']);
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true, true, false]);
    expect((signals[0]!.reason as LockLostError).reason).toBe('released');
    await tick();
    expect(notices).toEqual([{ reason: 'drained' }]);
    expect([...(await b!.tryAttainLocks([1, 2, 3, 4, 'five', 'six']))].map(String).sort()).toEqual(['1', '3', 'five']);
  });

  it('resolves without a round trip and without a notice when none of the ids is held', async () => {
    const [a, b] = owners(2);
    let notices = 0;
    b!.onReleaseNotice(() => notices++);
    await b!.tryAttainLock(5);
    await a!.tryAttainLock(6);
    const before = a!.stats().roundTrips;
    await a!.releaseLocks([5, 7, 'x']);
    await a!.releaseLocks([]);
    expect(a!.stats().roundTrips - before).toBe(0);
    expect(a!.heldLocks()).toEqual([6]);
    expect(b!.hasLock(5)).toBe(true);
    await tick();
    expect(notices).toBe(0);
  });

  it('releases an id a queued attempt is granted, after that attempt (serial queue)', async () => {
    const [a, b] = owners(2, new InMemoryLockServer({ latencyMs: 20 }));
    const attempt = a!.tryAttainLocks([11, 12]);
    await a!.releaseLocks([11]); // 11 is pending, not held yet: waits behind the attempt
    expect(await attempt).toEqual(new Set([11, 12]));
    expect(a!.heldLocks()).toEqual([12]);
    expect(await b!.tryAttainLock(11)).toBe(true);
  });

  it('rejects what is not an array of lock ids', async () => {
    const [a] = owners(1);
    await expect(a!.releaseLocks('1' as unknown as readonly number[])).rejects.toMatchObject({ code: 'INVALID_LOCK_ID' });
    await expect(a!.releaseLocks([1, 1.5])).rejects.toBeInstanceOf(AppLockError);
  });

  it('is a no-op once disposed', async () => {
    const [a] = owners(1);
    await a!.tryAttainLock(1);
    await a!.dispose();
    await expect(a!.releaseLocks([1])).resolves.toBeUndefined();
  });
});
