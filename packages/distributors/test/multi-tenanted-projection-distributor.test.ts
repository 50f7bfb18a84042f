import { afterEach, describe, expect, it } from 'vitest';
import { computeLockId } from '../src/compute-lock-id';
import { DistributorError } from '../src/errors';
import {
  MultiTenantedProjectionDistributor,
  multiTenantedLockId,
  type MultiTenantedProjectionDistributorOptions,
} from '../src/multi-tenanted-projection-distributor';
import { shardName } from '../src/shard-name';
import { lockFactory, seededRandom } from './support';

const shards = [shardName('Trip'), shardName('Day'), shardName('Trip', { version: 2 })];

describe('MultiTenantedProjectionDistributor', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  function make(options: Partial<MultiTenantedProjectionDistributorOptions> = {}, locks = lockFactory()) {
    const distributor = new MultiTenantedProjectionDistributor({
      databases: [{ id: 'tenant-a' }, { id: 'tenant-b' }, { id: 'tenant-c' }],
      shards,
      createLock: locks.createLock,
      random: seededRandom(5),
      ...options,
    });
    cleanups.push(async () => {
      await distributor.dispose();
      await locks.disposeAll();
    });
    return { distributor, locks };
  }

  it('builds one set per database holding all its shards behind one lock', async () => {
    const { distributor } = make();
    const sets = await distributor.buildDistribution();
    expect(distributor.kind).toBe('multi-tenanted');
    expect(sets.map((s) => s.database.id).sort()).toEqual(['tenant-a', 'tenant-b', 'tenant-c']);
    for (const set of sets) {
      expect(set.names.map((n) => n.identity)).toEqual(['Trip:All', 'Day:All', 'Trip:V2:All']);
      expect(set.key).toBe(`${set.database.id}/${set.lockId}`);
    }
  });

  it('by default hashes schema and store name into the lock id (per-store)', async () => {
    const { distributor } = make();
    const [set] = await distributor.buildDistribution();
    expect(set!.lockId).toBe(computeLockId('dbo', 'MultiTenanted:default', 4444));
    expect(set!.lockId).not.toBe(4444);
    expect(multiTenantedLockId('dbo')).toBe(set!.lockId);
  });

  it('two stores in one database get different lock ids by default, and the same with polecat-compatible', async () => {
    const database = { id: 'shared-db', schema: 'dbo' };
    const idOf = async (options: Partial<MultiTenantedProjectionDistributorOptions>) => {
      const { distributor } = make({ databases: [database], ...options });
      return (await distributor.buildDistribution())[0]!.lockId;
    };
    // different schema, same database
    expect(await idOf({ databases: [{ id: 'shared-db', schema: 'orders' }] })).not.toBe(await idOf({ databases: [{ id: 'shared-db', schema: 'billing' }] }));
    // same schema, different store names
    expect(await idOf({ storeName: 'orders' })).not.toBe(await idOf({ storeName: 'billing' }));
    // compatible: the raw daemonLockId, whatever the schema or store
    expect(await idOf({ lockIdStrategy: 'polecat-compatible', storeName: 'orders' })).toBe(4444);
    expect(await idOf({ lockIdStrategy: 'polecat-compatible', storeName: 'billing' })).toBe(4444);
    expect(await idOf({ lockIdStrategy: 'polecat-compatible', databases: [{ id: 'x', schema: 'orders' }], daemonLockId: 77 })).toBe(77);
  });

  it('two stores in one database can both hold their lock by default (no collision)', async () => {
    const locks = lockFactory();
    const database = { id: 'shared-db' };
    const { distributor: orders } = make({ databases: [database], storeName: 'orders' }, locks);
    const { distributor: billing } = make({ databases: [database], storeName: 'billing' }, locks);
    expect((await orders.tryAttainMany(await orders.buildDistribution())).size).toBe(1);
    expect((await billing.tryAttainMany(await billing.buildDistribution())).size).toBe(1);

    const compatLocks = lockFactory();
    const { distributor: o2 } = make({ databases: [database], storeName: 'orders', lockIdStrategy: 'polecat-compatible' }, compatLocks);
    const { distributor: b2 } = make({ databases: [database], storeName: 'billing', lockIdStrategy: 'polecat-compatible' }, compatLocks);
    expect((await o2.tryAttainMany(await o2.buildDistribution())).size).toBe(1);
    expect((await b2.tryAttainMany(await b2.buildDistribution())).size).toBe(0);
  });

  it('keeps all shards of a tenant on one node: a second node holds none of that database', async () => {
    const locks = lockFactory();
    const { distributor: one } = make({}, locks);
    const { distributor: two } = make({}, locks);
    const setsOne = await one.buildDistribution();
    const heldOne = await one.tryAttainMany(setsOne.filter((s) => s.database.id !== 'tenant-c'));
    const heldTwo = await two.tryAttainMany(await two.buildDistribution());
    expect([...heldOne].sort()).toEqual(
      setsOne
        .filter((s) => s.database.id !== 'tenant-c')
        .map((s) => s.key)
        .sort(),
    );
    expect([...heldTwo]).toEqual([setsOne.find((s) => s.database.id === 'tenant-c')!.key]);
  });

  it('supports per-database shard functions; a database without shards gets no set', async () => {
    const { distributor } = make({ shards: (db) => (db.id === 'tenant-b' ? [] : [shardName('Trip', { tenant: db.id })]) });
    const sets = await distributor.buildDistribution();
    expect(sets.map((s) => s.database.id).sort()).toEqual(['tenant-a', 'tenant-c']);
    expect(sets.find((s) => s.database.id === 'tenant-a')!.names[0]!.identity).toBe('Trip:All:tenant-a');
  });

  it('validates its options', () => {
    const locks = lockFactory();
    const base = { databases: [{ id: 'a' }], shards, createLock: locks.createLock };
    expect(() => new MultiTenantedProjectionDistributor({ ...base, storeName: '' })).toThrow(DistributorError);
    expect(() => new MultiTenantedProjectionDistributor({ ...base, lockIdStrategy: 'nope' as never })).toThrow(DistributorError);
    expect(() => multiTenantedLockId('dbo', { lockIdStrategy: 'polecat-compatible', daemonLockId: 0.5 })).toThrow(DistributorError);
  });
});
