import type { ProjectionSet } from '@polecat/distributors';
import { describe, expect, it } from 'vitest';
import { CoordinatorError } from '../src/coordinator-error';
import { DEFAULT_COORDINATOR_SETTINGS, resolveCoordinatorSettings } from '../src/coordinator-settings';
import { fairShareOwnershipPolicy } from '../src/fair-share-ownership-policy';
import { defaultOwnershipPolicy } from '../src/internal/default-policy';
import type { ClusterView, OwnershipContext } from '../src/ownership-policy';
import { setsOf } from './fakes/fixtures';

const NOW = 50_000;
const names = (count: number, prefix = 'S') => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const keys = (sets: readonly ProjectionSet[] | undefined) => (sets ?? []).map((set) => set.key);

/** A context for one node: `owned` held here, `free` held by nobody (free since `freeFor` ms), the rest held elsewhere. */
function context(options: {
  readonly sets: readonly ProjectionSet[];
  readonly owned: readonly ProjectionSet[];
  readonly free?: readonly ProjectionSet[];
  readonly freeFor?: number;
  readonly liveNodes?: Record<string, number>;
  readonly ranks?: Record<string, number>;
}): OwnershipContext {
  const owned = new Set(keys(options.owned));
  const cluster: ClusterView | undefined =
    options.liveNodes === undefined
      ? undefined
      : {
          liveNodes: new Map(Object.entries(options.liveNodes)),
          freeSince: new Map((options.free ?? []).map((set) => [set.key, NOW - (options.freeFor ?? 0)])),
          now: NOW,
          ...(options.ranks === undefined ? {} : { ranks: new Map(Object.entries(options.ranks)) }),
        };
  return {
    distribution: options.sets,
    owned: options.owned,
    candidates: options.sets.filter((set) => !owned.has(set.key)),
    ...(cluster === undefined ? {} : { cluster }),
  };
}

describe('fairShareOwnershipPolicy (pure)', () => {
  const sets = setsOf(names(24));
  const policy = fairShareOwnershipPolicy();

  it('asks for membership probes', () => {
    expect(policy.usesMembership).toBe(true);
  });

  it('alone: takes every free set', () => {
    const decision = policy.select(context({ sets, owned: [], free: sets, liveNodes: { main: 1 } }));
    expect(decision.attempt).toHaveLength(24);
    expect(decision.handOver).toEqual([]);
    expect(decision.pollSoon).toBe(true);
  });

  it('under its share: attempts only FREE sets (never ones held elsewhere), up to its room', () => {
    const owned = sets.slice(0, 5);
    const free = sets.slice(10, 20); // 5..9 and 20..23 are held by others
    const decision = policy.select(context({ sets, owned, free, liveNodes: { main: 3 } })); // share 8, room 3
    expect(keys(decision.attempt)).toEqual(keys(free.slice(0, 3)));
    expect(decision.handOver).toEqual([]);
  });

  it('survivors of a crash, woken together, attempt disjoint free sets that cover all of them (by rank)', () => {
    const hundred = setsOf(names(100, 'H'));
    // 4 nodes held 25 each; one died: its 25 are free, the 3 survivors (ranks 0..2) share 34/33/33
    const owners = [hundred.slice(0, 25), hundred.slice(25, 50), hundred.slice(50, 75)];
    const free = hundred.slice(75);
    const picks = owners.map((owned, rank) => {
      // every node lists its candidates in its own random order
      const shuffled = { ...context({ sets: hundred, owned, free, liveNodes: { main: 3 }, ranks: { main: rank } }) };
      const reversed = rank === 1 ? { ...shuffled, candidates: [...shuffled.candidates].reverse() } : shuffled;
      return keys(policy.select(reversed).attempt);
    });
    expect(picks.map((list) => list.length)).toEqual([9, 8, 8]);
    const all = picks.flat();
    expect(new Set(all).size).toBe(25); // no collision
    expect([...all].sort()).toEqual(keys(free).sort());
  });

  it('with uneven holdings (a start: one node shedding), the members with room spread over the free sets instead of all claiming the first', () => {
    // 100 sets on 100 nodes (share 1 each): 60 held (50 by one shedding node, 10 by ranks 0..9), 40 free;
    // the 89 empty members (ranks 10..98) each attempt one
    const hundred = setsOf(names(100, 'U'));
    const free = hundred.slice(60);
    const picks = Array.from({ length: 89 }, (_, index) => {
      const rank = index + 10;
      return keys(policy.select(context({ sets: hundred, owned: [], free, liveNodes: { main: 100 }, ranks: { main: rank } })).attempt);
    });
    expect(picks.every((list) => list.length === 1)).toBe(true);
    // every free set is claimed by someone (a poll places 40, not 1), none by more than a few
    const claims = new Map<string, number>();
    for (const [key] of picks) claims.set(key!, (claims.get(key!) ?? 0) + 1);
    expect(claims.size).toBeGreaterThanOrEqual(35);
    expect(Math.max(...claims.values())).toBeLessThanOrEqual(4);
  });

  it('at its share: attempts nothing fresh and hands nothing over (hysteresis)', () => {
    const decision = policy.select(context({ sets, owned: sets.slice(0, 8), free: sets.slice(8, 10), liveNodes: { main: 3 } }));
    expect(decision.attempt).toEqual([]);
    expect(decision.handOver).toEqual([]);
    expect(decision.pollSoon).toBe(true); // others' sets may be orphaned any moment
  });

  it('above its share: hands over a bounded number per cycle, the rest in later cycles', () => {
    const decision = policy.select(context({ sets, owned: sets, liveNodes: { main: 2 } })); // share 12: 12 too many
    expect(decision.handOver).toHaveLength(2); // max(1, ceil(12 / 10)): the excess is not above the share
    expect(decision.attempt).toEqual([]);
    const oneOver = policy.select(context({ sets, owned: sets.slice(0, 9), liveNodes: { main: 3 } })); // share 8: a join's one set
    expect(oneOver.handOver).toHaveLength(1);
    const farOver = policy.select(context({ sets, owned: sets, liveNodes: { main: 4 } })); // share 6, 18 too many
    expect(farOver.handOver).toHaveLength(9); // half the excess
    const custom = fairShareOwnershipPolicy({ maxHandOverPerCycle: 5 }).select(context({ sets, owned: sets.slice(0, 10), liveNodes: { main: 3 } }));
    expect(custom.handOver).toHaveLength(2); // never more than the excess
  });

  it('far above its share (the first node of a rolling start): sheds half its excess per cycle, balanced in about log2(excess) cycles', () => {
    const many = setsOf(names(1000));
    let owned = many.length;
    let cycles = 0;
    while (owned > 10) {
      const decision = policy.select(context({ sets: many, owned: many.slice(0, owned), liveNodes: { main: 100 } })); // share 10
      owned -= decision.handOver?.length ?? 0;
      cycles += 1;
      expect(decision.handOver?.length).toBeGreaterThan(0);
    }
    expect(owned).toBe(10);
    expect(cycles).toBeLessThanOrEqual(17); // 990 excess: 495, 248, 124, 62, 31, 16, then 1 a cycle (at one tenth of the share throughout: 990 cycles)
  });

  it('takes a set free for longer than the orphan grace even at its share (stale counts, .NET holders)', () => {
    const owned = sets.slice(0, 8);
    const orphan = [sets[20]!];
    const fresh = policy.select(context({ sets, owned, free: orphan, freeFor: 1000, liveNodes: { main: 3 } }));
    expect(fresh.attempt).toEqual([]);
    const stale = policy.select(context({ sets, owned, free: orphan, freeFor: 1500, liveNodes: { main: 3 } }));
    expect(keys(stale.attempt)).toEqual(keys(orphan));
  });

  it('without a probe result behaves like the original (attempt everything, hand nothing over)', () => {
    const noView = policy.select(context({ sets, owned: sets.slice(0, 20) }));
    expect(noView.attempt).toHaveLength(4);
    expect(noView.handOver ?? []).toEqual([]);
    const other = setsOf(names(3, 'X'), { id: 'other' });
    const mixed = policy.select(context({ sets: [...sets, ...other], owned: sets, liveNodes: { main: 2 } }));
    expect(keys(mixed.attempt)).toEqual(keys(other)); // 'other' was not probed
    expect(mixed.handOver).toHaveLength(2); // 'main' is balanced
  });

  it('per database by default; across databases with scope "cluster" (one set per database)', () => {
    const tenants = Array.from({ length: 6 }, (_, i) => setsOf(['T'], { id: `t${i}` })[0]!);
    const live = Object.fromEntries(tenants.map((set) => [set.database.id, 3]));
    const perDatabase = policy.select(context({ sets: tenants, owned: tenants.slice(0, 4), free: tenants.slice(4), liveNodes: live }));
    expect(perDatabase.handOver).toEqual([]); // each database: 1 set, share 1, holds 1: fine
    expect(perDatabase.attempt).toHaveLength(2);
    const cluster = fairShareOwnershipPolicy({ scope: 'cluster' });
    const overShare = cluster.select(context({ sets: tenants, owned: tenants.slice(0, 4), free: tenants.slice(4), liveNodes: live }));
    expect(overShare.handOver).toHaveLength(1); // share ceil(6 / 3) = 2, holds 4: one per cycle
    expect(overShare.attempt).toEqual([]);
    const newcomer = cluster.select(context({ sets: tenants, owned: [], free: tenants.slice(4), liveNodes: live }));
    expect(newcomer.attempt).toHaveLength(2);
  });

  it('with ranks, the first sets % live members hold one more: 4 sets on 3 nodes is 2/1/1, never 2/2/0', () => {
    const four = setsOf(names(4));
    // 2/2/0: ranks 0 and 1 each hold 2, rank 2 holds none. Shares: 2, 1, 1.
    const rank0 = policy.select(context({ sets: four, owned: four.slice(0, 2), liveNodes: { main: 3 }, ranks: { main: 0 } }));
    expect(rank0.handOver).toEqual([]);
    const rank1 = policy.select(context({ sets: four, owned: four.slice(2, 4), liveNodes: { main: 3 }, ranks: { main: 1 } }));
    expect(rank1.handOver).toHaveLength(1);
    const idle = policy.select(context({ sets: four, owned: [], free: [four[3]!], liveNodes: { main: 3 }, ranks: { main: 2 } }));
    expect(keys(idle.attempt)).toEqual([four[3]!.key]);
    // 2/1/1 is stable: nobody hands over, nobody attempts a fresh set (no churn)
    for (const [rank, owned] of [
      [0, four.slice(0, 2)],
      [1, four.slice(2, 3)],
      [2, four.slice(3, 4)],
    ] as const) {
      const decision = policy.select(context({ sets: four, owned, liveNodes: { main: 3 }, ranks: { main: rank } }));
      expect(decision.handOver).toEqual([]);
      expect(decision.attempt).toEqual([]);
    }
  });

  it('the ranked shares add up to the set count for any count and any live nodes', () => {
    for (let live = 1; live <= 7; live++) {
      for (let count = 0; count <= 20; count++) {
        const all = setsOf(names(count));
        let total = 0;
        for (let rank = 0; rank < live; rank++) {
          // a node holding nothing, with every set free: it attempts exactly its share
          const decision = policy.select(context({ sets: all, owned: [], free: all, liveNodes: { main: live }, ranks: { main: rank } }));
          const share = decision.attempt.length;
          expect(share === Math.floor(count / live) || share === Math.ceil(count / live)).toBe(true);
          total += share;
        }
        expect(total, `${count} sets on ${live} nodes`).toBe(count);
      }
    }
  });

  it('without a rank (no member slot yet) keeps the ceil bound', () => {
    const four = setsOf(names(4));
    const decision = policy.select(context({ sets: four, owned: four.slice(0, 2), liveNodes: { main: 3 } }));
    expect(decision.handOver).toEqual([]);
  });

  it('rejects bad options', () => {
    expect(() => fairShareOwnershipPolicy({ maxHandOverPerCycle: 0 })).toThrow(CoordinatorError);
    expect(() => fairShareOwnershipPolicy({ orphanGraceMs: Number.NaN })).toThrow(/orphanGraceMs/);
    expect(() => fairShareOwnershipPolicy({ scope: 'galaxy' as 'cluster' })).toThrow(/scope/);
  });

  it('is the HotCold default only when the distributor can probe and balance is on', () => {
    const probing = { kind: 'single-tenant', probeMembership: async () => new Map() } as never;
    const plain = { kind: 'single-tenant' } as never;
    expect(defaultOwnershipPolicy('HotCold', probing, DEFAULT_COORDINATOR_SETTINGS)?.usesMembership).toBe(true);
    expect(defaultOwnershipPolicy('HotCold', plain, DEFAULT_COORDINATOR_SETTINGS)).toBeUndefined();
    expect(defaultOwnershipPolicy('HotCold', probing, resolveCoordinatorSettings({ balance: false }))).toBeUndefined();
    expect(defaultOwnershipPolicy('Solo', probing, DEFAULT_COORDINATOR_SETTINGS)).toBeUndefined();
  });
});
