import { expect, it } from 'vitest';
import type { AppLock } from '../app-lock';
import type { ConformanceContext } from './context';
import { randomIds, randomName, report } from './helpers';

/** The six cases of the original suite, plus the no-stacking proofs and batch round-trip counts. */
export function ownershipCases<L extends AppLock>(ctx: ConformanceContext<L>): void {
  const suite = ctx.harness.name;

  it('lets only one of two owners attain an id', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [id] = randomIds(1);
    const name = randomName();
    expect(await a.tryAttainLock(id!)).toBe(true);
    expect(await b.tryAttainLock(id!)).toBe(false);
    expect(await a.tryAttainLock(name)).toBe(true);
    expect(await b.tryAttainLock(name)).toBe(false);
    expect(a.hasLock(id!)).toBe(true);
    expect(b.hasLock(id!)).toBe(false);
    expect(b.heldLocks()).toEqual([]);
  });

  it('lets the other owner attain an id once it is released', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [id] = randomIds(1);
    expect(await a.tryAttainLock(id!)).toBe(true);
    expect(await b.tryAttainLock(id!)).toBe(false);
    await a.releaseLock(id!);
    expect(a.hasLock(id!)).toBe(false);
    expect(await b.tryAttainLock(id!)).toBe(true);
    expect(await a.tryAttainLock(id!)).toBe(false);
  });

  it('frees every held id on dispose', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const ids = [...randomIds(3), randomName()];
    expect((await a.tryAttainLocks(ids)).size).toBe(4);
    await a.dispose();
    expect(a.heldLocks()).toEqual([]);
    expect([...(await b.tryAttainLocks(ids))].sort()).toEqual([...ids].sort());
  });

  it('keeps distinct ids independent', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [x, y] = randomIds(2);
    const [m, n] = [randomName('distinct'), randomName('distinct')];
    expect((await a.tryAttainLocks([x!, m])).size).toBe(2);
    expect((await b.tryAttainLocks([y!, n])).size).toBe(2);
    expect([...a.heldLocks()].map(String).sort()).toEqual([x!, m].map(String).sort());
    expect([...b.heldLocks()].map(String).sort()).toEqual([y!, n].map(String).sort());
  });

  // Whether the number 5 and the string "5" are one lock is the backend's documented mapping (one on
  // SQL Server without a prefix, two on PostgreSQL and in memory): backend-specific cases pin it. What
  // every backend guarantees is that the answer is consistent and never stacks or leaks a lock.
  it('treats a number and its decimal string consistently: one lock or two, never stacked', async () => {
    const [a, b, c] = [await ctx.owner(), await ctx.owner(), await ctx.owner()];
    const [x] = randomIds(1);
    expect(await a.tryAttainLock(x!)).toBe(true);
    const distinct = await b.tryAttainLock(String(x));
    expect(b.hasLock(String(x))).toBe(distinct);
    expect(await c.tryAttainLock(x!)).toBe(false);
    expect(await c.tryAttainLock(String(x))).toBe(false);
    await a.releaseLock(x!);
    // one lock: it is free now; two locks: b still holds the string
    expect(await c.tryAttainLock(String(x))).toBe(!distinct);
    await b.releaseLock(String(x));
    await c.releaseAll();
    expect((await c.tryAttainLocks([x!, String(x)])).size).toBe(distinct ? 2 : 1);
  });

  it('re-attains a held id idempotently, without stacking and without a round trip', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [id] = randomIds(1);
    expect(await a.tryAttainLock(id!)).toBe(true);
    const before = a.stats().roundTrips;
    expect(await a.tryAttainLock(id!)).toBe(true);
    expect(await Promise.all([a.tryAttainLock(id!), a.tryAttainLock(id!)])).toEqual([true, true]);
    expect(a.stats().roundTrips - before).toBe(0);
    await a.releaseLock(id!); // ONE release: a stacked lock would still be held by the server
    expect(await b.tryAttainLock(id!)).toBe(true);
  });

  it('does not stack concurrent first attempts of one id', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [id] = randomIds(1);
    expect(await Promise.all([a.tryAttainLock(id!), a.tryAttainLock(id!), a.tryAttainLocks([id!, id!])])).toEqual([true, true, new Set([id])]);
    await a.releaseLock(id!);
    expect(await b.tryAttainLock(id!)).toBe(true);
  });

  it('treats releasing an unknown id as a no-op', async () => {
    const [a, b, c] = [await ctx.owner(), await ctx.owner(), await ctx.owner()];
    const [unknown, heldByB] = randomIds(2);
    await expect(a.releaseLock(unknown!)).resolves.toBeUndefined();
    await expect(a.releaseLock(randomName())).resolves.toBeUndefined();
    expect(await b.tryAttainLock(heldByB!)).toBe(true);
    await a.releaseLock(heldByB!); // a does not hold it: must not free b's lock
    expect(await c.tryAttainLock(heldByB!)).toBe(false);
    expect(b.hasLock(heldByB!)).toBe(true);
  });

  it('tries a batch of ids in exactly one round trip and verifies them in exactly one', async () => {
    const a = await ctx.owner();
    const ids = [...randomIds(40), ...Array.from({ length: 10 }, () => randomName('batch'))];
    await a.tryAttainLocks([]); // connect lazily if the backend does
    const start = a.stats().roundTrips;
    const t0 = performance.now();
    const got = await a.tryAttainLocks(ids);
    const attainMs = performance.now() - t0;
    const attainTrips = a.stats().roundTrips - start;
    expect(got.size).toBe(ids.length);
    expect(attainTrips).toBe(1);
    const t1 = performance.now();
    expect(await a.verifyLocks()).toEqual([]);
    const verifyMs = performance.now() - t1;
    const verifyTrips = a.stats().roundTrips - start - attainTrips;
    expect(verifyTrips).toBe(1);
    expect(a.stats().held).toBe(ids.length);
    report(
      suite,
      `batch tryAttainLocks(${ids.length} ids): ${attainTrips} round trip, ${attainMs.toFixed(1)} ms; verifyLocks(${ids.length}): ${verifyTrips} round trip, ${verifyMs.toFixed(1)} ms`,
    );
  });

  it('reports ids held by another owner as not granted in a batch', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const ids = [...randomIds(4), randomName()];
    expect((await b.tryAttainLocks([ids[1]!, ids[4]!])).size).toBe(2);
    const start = a.stats().roundTrips;
    const got = await a.tryAttainLocks(ids);
    expect(a.stats().roundTrips - start).toBe(1);
    expect([...got].map(String).sort()).toEqual([ids[0], ids[2], ids[3]].map(String).sort());
    expect(a.hasLock(ids[1]!)).toBe(false);
    expect(a.hasLock(ids[4]!)).toBe(false);
    expect(b.hasLock(ids[1]!)).toBe(true);
  });
}
