import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Clock } from '../src/clock';
import { BatchChunker, MAX_CHUNK_KEYS, MIN_CHUNK_KEYS } from '../src/session/batch-chunker';
import type { LockSessionDriver } from '../src/session/lock-session';
import { SessionAppLock } from '../src/session/session-app-lock';

describe('BatchChunker', () => {
  it('starts from an assumed cost per key: a quarter of the request timeout', () => {
    expect(new BatchChunker(5000).size).toBe(500);
    expect(new BatchChunker(1).size).toBe(MIN_CHUNK_KEYS);
  });

  it('shrinks at once after a slow round trip', () => {
    const chunker = new BatchChunker(5000);
    chunker.record(500, 2500); // 5 ms per key
    expect(chunker.size).toBe(250);
    chunker.record(250, 25_000); // 100 ms per key
    expect(chunker.size).toBe(MIN_CHUNK_KEYS);
  });

  it('grows at most twofold per round trip, up to its ceiling', () => {
    const chunker = new BatchChunker(5000);
    chunker.record(500, 5); // 0.01 ms per key: 125 000 would fit
    expect(chunker.size).toBe(1000);
    for (let i = 0; i < 10; i++) chunker.record(chunker.size, 1);
    expect(chunker.size).toBe(MAX_CHUNK_KEYS);
  });

  it('ignores meaningless measurements and cuts items into its size', () => {
    const chunker = new BatchChunker(5000);
    chunker.record(0, 100);
    chunker.record(10, Number.NaN);
    expect(chunker.size).toBe(500);
    const { chunk, rest } = chunker.take(Array.from({ length: 1200 }, (_, i) => i));
    expect([chunk.length, rest.length, chunk[0], rest[0]]).toEqual([500, 700, 0, 500]);
  });
});

/** Virtual time running `speedUp` times faster than real time, so a slow server costs little test time. */
function fastClock(speedUp: number): Clock {
  const origin = performance.now();
  return {
    now: () => (performance.now() - origin) * speedUp,
    sleep: (ms, signal, options) => delay(ms / speedUp, undefined, { ref: options?.ref ?? true, ...(signal === undefined ? {} : { signal }) }),
  };
}

describe('SessionAppLock on a slow server', () => {
  it('takes 10 000 sets from a server answering each name in 3 ms, every round trip well inside requestTimeoutMs', async () => {
    const clock = fastClock(50);
    const msPerName = 3;
    const requestTimeoutMs = 5000;
    const trips: { kind: string; keys: number; ms: number }[] = [];
    const held = new Set<string>();
    const slowly = async <T>(kind: string, keys: readonly string[], answer: () => T): Promise<T> => {
      const started = clock.now();
      await clock.sleep(keys.length * msPerName);
      trips.push({ kind, keys: keys.length, ms: clock.now() - started });
      return answer();
    };
    const driver: LockSessionDriver<string> = {
      backend: 'slow',
      target: 'slow://test',
      toKey: (id) => String(id),
      connect: async () => ({
        tryAcquire: (keys) => slowly('acquire', keys, () => keys.map((key) => (held.add(key), true))),
        verify: (keys) => slowly('verify', keys, () => keys.map((key) => held.has(key))),
        release: (keys) => slowly('release', keys, () => keys.forEach((key) => held.delete(key))),
        onClosed: () => {},
        close: async () => {},
        destroy: () => {},
      }),
    };
    const lock = new SessionAppLock(driver, { clock, requestTimeoutMs, verifyIntervalMs: 0 });
    const ids = Array.from({ length: 10_000 }, (_, i) => i + 1);
    // one round trip would take 30 s: six times the request timeout
    expect(ids.length * msPerName).toBeGreaterThan(requestTimeoutMs);

    expect((await lock.tryAttainLocks(ids)).size).toBe(10_000);
    expect(await lock.verifyLocks()).toEqual([]);
    expect(lock.stats()).toMatchObject({ held: 10_000, lost: 0, connects: 1 });
    await lock.dispose();
    expect(held.size).toBe(0);

    for (const trip of trips) expect(trip.keys * msPerName).toBeLessThanOrEqual(requestTimeoutMs / 2);
    expect(trips.filter((trip) => trip.kind === 'acquire').reduce((sum, trip) => sum + trip.keys, 0)).toBe(10_000);
    expect(lock.stats().roundTrips).toBe(trips.length);
  }, 30_000);
});

describe('SessionAppLock with a batch in several round trips', () => {
  it('gives back what earlier round trips got when a later one fails, so a rejected call holds nothing new', async () => {
    const released: string[] = [];
    let acquires = 0;
    const driver: LockSessionDriver<string> = {
      backend: 'second-fails',
      target: 'test',
      toKey: (id) => String(id),
      connect: async () => ({
        tryAcquire: async (keys) => {
          if (++acquires === 2) throw new Error('deadlock victim');
          return keys.map(() => true);
        },
        verify: async (keys) => keys.map(() => false),
        release: async (keys) => void released.push(...keys),
        onClosed: () => {},
        close: async () => {},
        destroy: () => {},
      }),
    };
    await using lock = new SessionAppLock(driver, { verifyIntervalMs: 0, requestTimeoutMs: 5000 });
    const ids = Array.from({ length: 600 }, (_, i) => i + 1);
    await expect(lock.tryAttainLocks(ids)).rejects.toMatchObject({ code: 'LOCK_REQUEST_FAILED' });
    expect(acquires).toBe(2);
    expect(lock.heldLocks()).toEqual([]);
    expect(released).toHaveLength(500);
    expect(lock.stats().lost).toBe(0);
  });
});
