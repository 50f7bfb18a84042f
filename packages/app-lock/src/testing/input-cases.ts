import { expect, it } from 'vitest';
import type { AppLock } from '../app-lock';
import { AppLockError } from '../errors';
import type { LockId } from '../lock-id';
import type { ConformanceContext } from './context';
import { eventually, randomIds, randomNameOfLength, report } from './helpers';

/** Values that are not lock ids; each must be refused with `INVALID_LOCK_ID` before any round trip. */
export const BAD_LOCK_IDS: readonly unknown[] = [Number.NaN, 1.5, 2 ** 31, -(2 ** 31) - 1, Number.POSITIVE_INFINITY, '', null, undefined, {}, 5n];

/** Names, bad input, abort signals, dispose, stats and connection leaks. */
export function inputCases<L extends AppLock>(ctx: ConformanceContext<L>): void {
  const { harness } = ctx;
  const suite = harness.name;
  const maxLength = harness.maxNameLength ?? Number.POSITIVE_INFINITY;
  const lengths = [1, 255, 256, 4000].filter((n) => n <= maxLength);

  it(`handles names of ${lengths.join(', ')} characters as distinct locks`, async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const prefix = randomNameOfLength(255);
    // one character: random across a wide Unicode block so parallel suites do not collide
    const single = String.fromCodePoint(0x4e00 + Math.floor(Math.random() * 20_000));
    const names = new Map<number, string>([
      [1, single],
      [255, prefix],
      [256, `${prefix}a`],
      [4000, `${prefix}${'x'.repeat(3744)}a`],
    ]);
    const mine = lengths.map((n) => names.get(n)!);
    expect(mine.map((name) => name.length)).toEqual(lengths);
    expect((await a.tryAttainLocks(mine)).size).toBe(mine.length);
    for (const name of mine) expect(await b.tryAttainLock(name)).toBe(false);
    // names equal in their first 255 (or 3999) characters are still different locks
    if (maxLength >= 256) expect(await b.tryAttainLock(`${prefix}b`)).toBe(true);
    if (maxLength >= 4000) expect(await b.tryAttainLock(`${prefix}${'x'.repeat(3744)}b`)).toBe(true);
    expect(await a.verifyLocks()).toEqual([]);
  });

  it('refuses bad ids with INVALID_LOCK_ID, before any round trip, and leaks no connection', async () => {
    const baseline = await harness.countServerConnections?.();
    const a = await ctx.owner();
    for (const bad of BAD_LOCK_IDS) {
      const asId = bad as LockId;
      await expectCode(a.tryAttainLock(asId), 'INVALID_LOCK_ID');
      await expectCode(a.tryAttainLocks([randomIds(1)[0]!, asId]), 'INVALID_LOCK_ID');
      await expectCode(a.releaseLock(asId), 'INVALID_LOCK_ID');
    }
    await expectCode(a.tryAttainLocks('not an array' as unknown as LockId[]), 'INVALID_LOCK_ID');
    expect(a.stats()).toMatchObject({ roundTrips: 0, held: 0 });
    await a.dispose();
    if (baseline !== undefined) {
      expect(await eventually(async () => (await harness.countServerConnections!()) === baseline)).toBe(true);
    }
  });

  it('respects abort signals: an aborted attempt rejects with the reason and holds nothing', async () => {
    const [a, b] = [await ctx.owner(), await ctx.owner()];
    const [x, y] = randomIds(2);
    const reason = new Error('caller gave up');
    await expect(a.tryAttainLock(x!, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const controller = new AbortController();
    const pending = a.tryAttainLocks([x!, y!], { signal: controller.signal });
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    expect(a.heldLocks()).toEqual([]);
    expect((await b.tryAttainLocks([x!, y!])).size).toBe(2);
  });

  it('disposes idempotently, then rejects attempts with DISPOSED', async () => {
    const a = await ctx.owner();
    const [id] = randomIds(1);
    expect(await a.tryAttainLock(id!)).toBe(true);
    await Promise.all([a.dispose(), a.dispose()]);
    await a.dispose();
    await a[Symbol.asyncDispose]();
    expect(a.hasLock(id!)).toBe(false);
    expect(a.heldLocks()).toEqual([]);
    await expectCode(a.tryAttainLock(id!), 'DISPOSED');
    await expectCode(a.tryAttainLocks([id!]), 'DISPOSED');
    await expectCode(a.verifyLocks(), 'DISPOSED');
    await expect(a.releaseLock(id!)).resolves.toBeUndefined();
    await expect(a.releaseAll()).resolves.toBeUndefined();
  });

  it('counts round trips, connects, held and lost ids', async () => {
    const a = await ctx.owner();
    expect(a.stats()).toEqual({ roundTrips: 0, connects: 0, held: 0, lost: 0 });
    const ids = randomIds(3);
    await a.tryAttainLocks(ids);
    expect(a.stats()).toMatchObject({ roundTrips: 1, connects: 1, held: 3, lost: 0 });
    await a.releaseLock(ids[0]!);
    expect(a.stats()).toMatchObject({ roundTrips: 2, held: 2 });
    await a.verifyLocks();
    await a.releaseAll();
    expect(a.stats()).toMatchObject({ roundTrips: 4, connects: 1, held: 0, lost: 0 });
    await a.releaseAll(); // nothing held: no round trip
    expect(a.stats().roundTrips).toBe(4);
  });

  it.skipIf(harness.countServerConnections === undefined)('leaks no server connection after dispose', async () => {
    const count = async (): Promise<number> => harness.countServerConnections!();
    const baseline = await count();
    const owners = [await ctx.owner(), await ctx.owner(), await ctx.owner()];
    for (const owner of owners) await owner.tryAttainLocks(randomIds(2));
    expect(await eventually(async () => (await count()) === baseline + 3)).toBe(true);
    await Promise.all(owners.map((owner) => owner.dispose()));
    const since = performance.now();
    expect(await eventually(async () => (await count()) === baseline)).toBe(true);
    report(suite, `3 owners disposed -> server sessions back to baseline after ${(performance.now() - since).toFixed(1)} ms`);
  });
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(AppLockError.is(error), `expected AppLockError ${code}, got ${String(error)}`).toBe(true);
  expect((error as AppLockError).code).toBe(code);
}
