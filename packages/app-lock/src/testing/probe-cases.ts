import { expect, it } from 'vitest';
import type { AppLock } from '../app-lock';
import type { ConformanceContext } from './context';
import { randomIds, randomName } from './helpers';

/**
 * The optional `probeLocks` extra: run only when the harness's owners implement it (otherwise
 * reported as skipped). Probing answers "held by anyone", acquires nothing, costs one round trip.
 */
export function probeCases<L extends AppLock>(ctx: ConformanceContext<L>): void {
  const probing = async (): Promise<L | undefined> => {
    const lock = await ctx.owner();
    return typeof lock.probeLocks === 'function' ? lock : undefined;
  };

  it('probeLocks tells which ids any owner holds, in one round trip, acquiring nothing', async (test) => {
    const a = await probing();
    if (a === undefined) return test.skip();
    const b = await ctx.owner();
    const [x, y, z] = randomIds(3);
    const name = randomName('probe');
    expect([...(await b.tryAttainLocks([x!, name]))].sort()).toEqual([x!, name].sort());
    expect(await a.tryAttainLock(z!)).toBe(true);
    const before = a.stats().roundTrips;
    const seen = await a.probeLocks!([x!, y!, z!, name]);
    expect(a.stats().roundTrips - before).toBe(1);
    // held by the other owner, and by this one (answered locally); `y` is free
    expect([...seen].map(String).sort()).toEqual([x!, z!, name].map(String).sort());
    expect(a.hasLock(y!)).toBe(false);
    expect(a.heldLocks()).toEqual([z]);
    // nothing was acquired: a third owner can still take the free ones
    const c = await ctx.owner();
    expect(await c.tryAttainLock(y!)).toBe(true);
    // a probe of ids held here only costs no round trip
    const local = a.stats().roundTrips;
    expect([...(await a.probeLocks!([z!]))]).toEqual([z]);
    expect(a.stats().roundTrips - local).toBe(0);
  });

  it('probeLocks sees a release and a dispose at once', async (test) => {
    const a = await probing();
    if (a === undefined) return test.skip();
    const b = await ctx.owner();
    const [x, y] = randomIds(2);
    expect((await b.tryAttainLocks([x!, y!])).size).toBe(2);
    expect((await a.probeLocks!([x!, y!])).size).toBe(2);
    await b.releaseLock(x!);
    expect([...(await a.probeLocks!([x!, y!]))]).toEqual([y]);
    await b.dispose();
    expect((await a.probeLocks!([x!, y!])).size).toBe(0);
    expect((await a.probeLocks!([])).size).toBe(0);
  });
}
