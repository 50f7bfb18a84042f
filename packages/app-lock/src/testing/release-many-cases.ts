import { expect, it } from 'vitest';
import type { AppLock } from '../app-lock';
import type { ConformanceContext } from './context';
import { randomIds, randomName, report } from './helpers';

/**
 * The optional `releaseLocks` extra: run only when the harness's owners implement it (otherwise
 * reported as skipped). It releases exactly the held ones of the ids given, in one round trip, and
 * the other owner can take them at once; ids not held cost nothing.
 */
export function releaseManyCases<L extends AppLock>(ctx: ConformanceContext<L>): void {
  const suite = ctx.harness.name;
  const releasing = async (): Promise<L | undefined> => {
    const lock = await ctx.owner();
    return typeof lock.releaseLocks === 'function' ? lock : undefined;
  };

  it('releaseLocks releases exactly the given held ids in one round trip; the other owner can take them', async (test) => {
    const a = await releasing();
    if (a === undefined) return test.skip();
    const b = await ctx.owner();
    const [unknown, ...numbers] = randomIds(31);
    const names = Array.from({ length: 10 }, () => randomName('release-many'));
    const ids = [...numbers, ...names];
    expect((await a.tryAttainLocks(ids)).size).toBe(ids.length);
    const released = [...numbers.slice(0, 20), ...names.slice(0, 5)];
    const kept = [...numbers.slice(20), ...names.slice(5)];
    const before = a.stats().roundTrips;
    const t0 = performance.now();
    await a.releaseLocks!([...released, unknown!, randomName('never-held')]);
    const releaseMs = performance.now() - t0;
    expect(a.stats().roundTrips - before).toBe(1);
    expect([...a.heldLocks()].map(String).sort()).toEqual(kept.map(String).sort());
    for (const id of released) expect(a.hasLock(id)).toBe(false);
    // the other owner takes every released id, and none of the kept ones
    expect([...(await b.tryAttainLocks(ids))].map(String).sort()).toEqual(released.map(String).sort());
    report(suite, `releaseLocks(${released.length} held + 2 unknown of ${ids.length} held): 1 round trip, ${releaseMs.toFixed(1)} ms`);
  });

  it('releaseLocks of ids not held here is a no-op without a round trip, and frees nobody else', async (test) => {
    const a = await releasing();
    if (a === undefined) return test.skip();
    const [b, c] = [await ctx.owner(), await ctx.owner()];
    const [unknown, heldByB, heldByA] = randomIds(3);
    expect(await b.tryAttainLock(heldByB!)).toBe(true);
    expect(await a.tryAttainLock(heldByA!)).toBe(true);
    const before = a.stats().roundTrips;
    await expect(a.releaseLocks!([unknown!, heldByB!, randomName()])).resolves.toBeUndefined();
    await expect(a.releaseLocks!([])).resolves.toBeUndefined();
    expect(a.stats().roundTrips - before).toBe(0);
    expect(a.heldLocks()).toEqual([heldByA]);
    expect(await c.tryAttainLock(heldByB!)).toBe(false);
    expect(b.hasLock(heldByB!)).toBe(true);
  });
}
