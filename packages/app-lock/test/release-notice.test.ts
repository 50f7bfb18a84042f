import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryLockServer, type InMemoryAppLock } from '../src';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('InMemoryAppLock.onReleaseNotice (release notices)', () => {
  const locks: InMemoryAppLock[] = [];
  afterEach(async () => {
    await Promise.all(locks.splice(0).map((lock) => lock.dispose()));
  });

  function owners(count: number): InMemoryAppLock[] {
    const server = new InMemoryLockServer();
    const created = Array.from({ length: count }, () => server.createLock({ verifyIntervalMs: 0 }));
    locks.push(...created);
    return created;
  }

  it('tells every OTHER owner once per release batch, never the releasing owner itself', async () => {
    const [a, b, c] = owners(3);
    const heard = { a: 0, b: 0, c: 0 };
    a!.onReleaseNotice(() => heard.a++);
    b!.onReleaseNotice(() => heard.b++);
    c!.onReleaseNotice(() => heard.c++);
    await a!.tryAttainLocks([1, 2, 3]);
    await tick();
    expect(heard).toEqual({ a: 0, b: 0, c: 0 }); // acquiring announces nothing
    await a!.releaseAll(); // one batch of 3 ids: one notice each
    await tick();
    expect(heard).toEqual({ a: 0, b: 1, c: 1 });
    await a!.releaseAll(); // nothing held: nothing released, nothing announced
    await tick();
    expect(heard).toEqual({ a: 0, b: 1, c: 1 });
  });

  it('announces releaseLock and dispose, and stops after unsubscribe', async () => {
    const [a, b] = owners(2);
    let heard = 0;
    const unsubscribe = b!.onReleaseNotice(() => heard++);
    await a!.tryAttainLocks([7, 8]);
    await a!.releaseLock(7);
    await tick();
    expect(heard).toBe(1);
    unsubscribe();
    await a!.dispose(); // releases 8: announced, but b unsubscribed
    await tick();
    expect(heard).toBe(1);
  });

  it('a listener that throws does not break the releasing owner', async () => {
    const [a, b] = owners(2);
    b!.onReleaseNotice(() => {
      throw new Error('boom');
    });
    await a!.tryAttainLock(1);
    await expect(a!.releaseLock(1)).resolves.toBeUndefined();
    await tick();
    expect(a!.hasLock(1)).toBe(false);
  });
});

describe('SessionAppLock lockSignal (created on demand)', () => {
  it('a held lock asked for its signal late still aborts on release; never-asked locks release fine', async () => {
    const server = new InMemoryLockServer();
    const lock = server.createLock({ verifyIntervalMs: 0 });
    try {
      await lock.tryAttainLocks([1, 2]);
      const signal = lock.lockSignal(1)!;
      expect(lock.lockSignal(1)).toBe(signal); // one signal per held lock
      expect(signal.aborted).toBe(false);
      await lock.releaseAll();
      expect(signal.aborted).toBe(true);
      expect(lock.lockSignal(2)).toBeUndefined();
    } finally {
      await lock.dispose();
    }
  });
});
