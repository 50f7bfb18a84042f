import { AppLockError, InMemoryLockServer, type AppLock, type ReleaseNotice } from '@polecat/app-lock';
import { afterEach, describe, expect, it } from 'vitest';
import { DistributorError } from '../src/errors';
import { MultiTenantedProjectionDistributor } from '../src/multi-tenanted-projection-distributor';
import type { ProjectionDatabase } from '../src/projection-database';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { SoloProjectionDistributor } from '../src/solo-projection-distributor';
import { CountingLock } from './support';

const shards = ['A', 'B', 'C', 'D', 'E'].map((name) => shardName(name));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A server per database id, and every lock created (by database id). */
function servers() {
  const byDatabase = new Map<string, InMemoryLockServer>();
  const locks = new Map<string, AppLock>();
  const serverOf = (id: string): InMemoryLockServer => {
    if (!byDatabase.has(id)) byDatabase.set(id, new InMemoryLockServer());
    return byDatabase.get(id)!;
  };
  return { serverOf, locks };
}

function singleTenant(databases: ProjectionDatabase[], createLock: (database: ProjectionDatabase) => AppLock) {
  const distributor = new SingleTenantProjectionDistributor({ databases, shards, createLock });
  cleanups.push(() => distributor.dispose());
  return distributor;
}

const trips = (lock: AppLock): number => lock.stats().roundTrips;

describe('ProjectionDistributor.releaseSets (several sets, one round trip per lock owner)', () => {
  it('SingleTenant: releases exactly the given sets in ONE round trip with one notice; another node can take them', async () => {
    const { serverOf, locks } = servers();
    const create = (database: ProjectionDatabase) => {
      const lock = serverOf(database.id).createLock({ verifyIntervalMs: 0 });
      locks.set(database.id, lock);
      return lock;
    };
    const a = singleTenant([{ id: 'main' }], create);
    const sets = await a.buildDistribution();
    expect((await a.tryAttainMany(sets)).size).toBe(5);
    const notices: ReleaseNotice[] = [];
    const other = serverOf('main').createLock({ verifyIntervalMs: 0 });
    cleanups.push(() => other.dispose());
    other.onReleaseNotice((notice) => notices.push(notice));
    const [released, kept] = [sets.slice(0, 3), sets.slice(3)];
    const before = trips(locks.get('main')!);
    await a.releaseSets(released, { reason: 'drained' });
    expect(trips(locks.get('main')!) - before).toBe(1);
    expect(released.map((set) => a.hasLock(set))).toEqual([false, false, false]);
    expect(kept.map((set) => a.hasLock(set))).toEqual([true, true]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(notices).toEqual([{ reason: 'drained' }]);
    const b = singleTenant([{ id: 'main' }], (database) => serverOf(database.id).createLock({ verifyIntervalMs: 0 }));
    const taken = await b.tryAttainMany(await b.buildDistribution());
    expect([...taken].sort()).toEqual(released.map((set) => set.key).sort());
  });

  it('sends one round trip per lock owner: two databases, two owners, two round trips', async () => {
    const { serverOf, locks } = servers();
    const a = singleTenant([{ id: 'one' }, { id: 'two' }], (database) => {
      const lock = serverOf(database.id).createLock({ verifyIntervalMs: 0 });
      locks.set(database.id, lock);
      return lock;
    });
    const sets = await a.buildDistribution();
    expect((await a.tryAttainMany(sets)).size).toBe(10);
    const before = trips(locks.get('one')!) + trips(locks.get('two')!);
    await a.releaseSets(sets.filter((_, index) => index % 2 === 0));
    expect(trips(locks.get('one')!) + trips(locks.get('two')!) - before).toBe(2);
    expect(sets.filter((set) => a.hasLock(set)).length).toBe(5);
  });

  it('MultiTenanted on a lock home: the sets of several tenants go in ONE round trip of the home', async () => {
    const server = new InMemoryLockServer();
    const homeLocks: AppLock[] = [];
    const tenants = Array.from({ length: 6 }, (_, i) => ({ id: `t${i + 1}`, schema: 'public' }));
    const a = new MultiTenantedProjectionDistributor({
      databases: tenants,
      shards,
      lockHost: 'one-server',
      createHomeLock: () => {
        const lock = server.createLock({ verifyIntervalMs: 0 });
        homeLocks.push(lock);
        return lock;
      },
    });
    cleanups.push(() => a.dispose());
    const sets = await a.buildDistribution();
    expect((await a.tryAttainMany(sets)).size).toBe(6);
    expect(homeLocks).toHaveLength(1);
    const before = trips(homeLocks[0]!);
    await a.releaseSets(sets.slice(0, 4));
    expect(trips(homeLocks[0]!) - before).toBe(1);
    expect(sets.map((set) => a.hasLock(set))).toEqual([false, false, false, false, true, true]);
  });

  it('falls back to one releaseLock per id on a lock without releaseLocks', async () => {
    const { serverOf } = servers();
    const inner = serverOf('main').createLock({ verifyIntervalMs: 0 });
    const counting = new CountingLock(inner); // implements only the required members
    expect((counting as AppLock).releaseLocks).toBeUndefined();
    const a = singleTenant([{ id: 'main' }], () => counting);
    const sets = await a.buildDistribution();
    expect((await a.tryAttainMany(sets)).size).toBe(5);
    const before = trips(inner);
    await a.releaseSets(sets.slice(0, 3));
    expect(trips(inner) - before).toBe(3);
    expect(sets.map((set) => a.hasLock(set))).toEqual([false, false, false, true, true]);
  });

  it('tries every owner, then rejects with RELEASE_FAILED naming the failure', async () => {
    const { serverOf } = servers();
    const failure = new AppLockError('CONNECTION_FAILED', 'unreachable');
    const a = singleTenant([{ id: 'ok' }, { id: 'bad' }], (database) => {
      const lock = serverOf(database.id).createLock({ verifyIntervalMs: 0 });
      if (database.id === 'bad') lock.releaseLocks = () => Promise.reject(failure);
      return lock;
    });
    const sets = await a.buildDistribution();
    expect((await a.tryAttainMany(sets)).size).toBe(10);
    const error = await a.releaseSets(sets).catch((caught: unknown) => caught);
    expect(DistributorError.is(error) && error.code).toBe('RELEASE_FAILED');
    expect((error as Error).cause).toBe(failure);
    expect(sets.filter((set) => set.database.id === 'ok').some((set) => a.hasLock(set))).toBe(false);
    expect(sets.filter((set) => set.database.id === 'bad').every((set) => a.hasLock(set))).toBe(true);
  });

  it('Solo: a no-op', async () => {
    const solo = new SoloProjectionDistributor({ databases: [{ id: 'main' }], shards });
    cleanups.push(() => solo.dispose());
    const sets = await solo.buildDistribution();
    await expect(solo.releaseSets(sets)).resolves.toBeUndefined();
    expect(solo.hasLock(sets[0]!)).toBe(true);
  });
});
