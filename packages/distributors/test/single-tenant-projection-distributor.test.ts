import { recordingClock, recordingLogger } from '@polecat/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { computeLockId } from '../src/compute-lock-id';
import { DistributorError } from '../src/errors';
import { shardName, withTenant } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { lockFactory, seededRandom } from './support';

const trip = shardName('Trip');
const day = shardName('Day');
const tripV2 = shardName('Trip', { version: 2 });

describe('SingleTenantProjectionDistributor', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function make(options: Partial<ConstructorParameters<typeof SingleTenantProjectionDistributor>[0]> = {}) {
    const locks = lockFactory();
    const distributor = new SingleTenantProjectionDistributor({
      databases: [{ id: 'main' }],
      shards: [trip, day, tripV2],
      createLock: locks.createLock,
      random: seededRandom(1),
      ...options,
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await locks.disposeAll();
    });
    return { distributor, locks };
  }

  it('builds one set per shard with the .NET lock ids (schema default dbo)', async () => {
    const { distributor } = make();
    const sets = await distributor.buildDistribution();
    expect(distributor.kind).toBe('single-tenant');
    const byIdentity = new Map(sets.map((set) => [set.names.map((n) => n.identity).join(','), set]));
    expect(byIdentity.get('Trip:All')?.lockId).toBe(1_427_457_373);
    expect(byIdentity.get('Trip:All')?.key).toBe('main/1427457373');
    expect(byIdentity.get('Day:All')?.lockId).toBe(computeLockId('dbo', 'Day:All'));
    expect(byIdentity.get('Trip:V2:All')?.lockId).toBe(computeLockId('dbo', 'Trip:V2:All'));
    expect(sets).toHaveLength(3);
  });

  it('uses the database schema and the daemonLockId base', async () => {
    const { distributor } = make({ databases: [{ id: 'pg', schema: 'public' }], shards: [trip], daemonLockId: 4444 });
    const [set] = await distributor.buildDistribution();
    expect(set!.lockId).toBe(255_106_635);
    const { distributor: other } = make({ databases: [{ id: 'pg', schema: 'public' }], shards: [trip], daemonLockId: 10 });
    expect((await other.buildDistribution())[0]!.lockId).toBe(255_102_201);
  });

  it('groups tenant-expanded shards under the store-global shard lock', async () => {
    const tenants = ['acme', 'globex', 'initech'];
    const shards = [...tenants.map((t) => withTenant(trip, t)), ...tenants.map((t) => withTenant(day, t))];
    const { distributor } = make({ shards });
    const sets = await distributor.buildDistribution();
    expect(sets).toHaveLength(2);
    const tripSet = sets.find((set) => set.lockId === computeLockId('dbo', 'Trip:All'))!;
    expect(tripSet.names.map((n) => n.identity)).toEqual(['Trip:All:acme', 'Trip:All:globex', 'Trip:All:initech']);
  });

  it('returns a fresh shuffled order each build, reproducible with the same random source', async () => {
    const shards = Array.from({ length: 12 }, (_, i) => shardName(`P${i}`));
    const orders = async (seed: number) => {
      const { distributor } = make({ shards, random: seededRandom(seed) });
      const first = (await distributor.buildDistribution()).map((s) => s.key);
      const second = (await distributor.buildDistribution()).map((s) => s.key);
      return { first, second };
    };
    const a = await orders(7);
    const b = await orders(7);
    expect(a).toEqual(b);
    expect(a.first).not.toEqual(a.second);
    expect([...a.first].sort()).toEqual([...a.second].sort());
    const configOrder = shards.map((s) => `main/${computeLockId('dbo', s.identity)}`);
    expect(a.first).not.toEqual(configOrder);
  });

  it('two nodes race for the same locks: each set is held by exactly one', async () => {
    const locks = lockFactory();
    const node = (seed: number) =>
      new SingleTenantProjectionDistributor({
        databases: [{ id: 'main' }],
        shards: [trip, day, tripV2],
        createLock: locks.createLock,
        random: seededRandom(seed),
      });
    const a = node(1);
    const b = node(2);
    cleanups.push(async () => {
      await a.dispose();
      await b.dispose();
    });
    const setsA = await a.buildDistribution();
    const setsB = await b.buildDistribution();
    const heldA = await a.tryAttainMany(setsA.slice(0, 2));
    const heldB = await b.tryAttainMany(setsB);
    expect(heldA.size).toBe(2);
    expect(heldB.size).toBe(1);
    for (const set of setsA) expect(heldA.has(set.key) !== heldB.has(set.key)).toBe(true);
    expect(setsA.filter((s) => a.hasLock(s)).length).toBe(2);
    expect(await b.tryAttain(setsB.find((s) => heldA.has(s.key))!)).toBe(false);
  });

  it('merges shards whose lock ids collide into one set and warns once', async () => {
    // 'Edge9d5KRa:All' and 'EdgesJSNVD:All' both map to lock id -2147479205 under schema dbo.
    const logger = recordingLogger();
    const { distributor } = make({ shards: [shardName('Edge9d5KRa'), shardName('EdgesJSNVD')], logger });
    const sets = await distributor.buildDistribution();
    await distributor.buildDistribution();
    expect(sets).toHaveLength(1);
    expect(sets[0]!.lockId).toBe(-2_147_479_205);
    expect(sets[0]!.names).toHaveLength(2);
    expect(logger.lines.filter((l) => l.level === 'warn' && l.message.includes('same lock id'))).toHaveLength(1);
  });

  it('rejects bad configurations at construction', () => {
    const locks = lockFactory();
    const base = { databases: [{ id: 'main' }], shards: [trip], createLock: locks.createLock };
    const code = (fn: () => unknown) => {
      try {
        fn();
        return undefined;
      } catch (error) {
        return DistributorError.is(error) ? error.code : 'other';
      }
    };
    expect(code(() => new SingleTenantProjectionDistributor({ ...base, shards: [trip, trip] }))).toBe('DUPLICATE_SHARD');
    expect(code(() => new SingleTenantProjectionDistributor({ ...base, databases: [{ id: 'a' }, { id: 'a' }] }))).toBe('INVALID_DATABASE');
    expect(code(() => new SingleTenantProjectionDistributor({ ...base, databases: [{ id: '' }] }))).toBe('INVALID_DATABASE');
    expect(code(() => new SingleTenantProjectionDistributor({ ...base, daemonLockId: 2 ** 31 }))).toBe('INVALID_CONFIGURATION');
  });

  it('rejects duplicate shards returned by a shard function at build time', async () => {
    const { distributor } = make({ shards: () => [trip, trip] });
    await expect(distributor.buildDistribution()).rejects.toMatchObject({ code: 'DUPLICATE_SHARD' });
  });

  it('randomWait sleeps 0-499 ms on the injected clock', async () => {
    const clock = recordingClock();
    const values = [0, 0.5, 0.999_999_9];
    const { distributor } = make({ clock, random: () => values.shift() ?? 0 });
    await distributor.randomWait();
    await distributor.randomWait();
    await distributor.randomWait();
    expect(clock.sleeps).toEqual([0, 250, 499]);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(distributor.randomWait(controller.signal)).rejects.toThrow('stop');
  });
});
