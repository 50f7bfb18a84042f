import { InMemoryLockServer } from '@polecat/app-lock';
import { describe, expect, it } from 'vitest';
import type { ProjectionDistributor } from '../src/projection-distributor';
import type { ProjectionSet } from '../src/projection-set';
import { MultiTenantedProjectionDistributor } from '../src/multi-tenanted-projection-distributor';
import { shardName } from '../src/shard-name';
import { SingleTenantProjectionDistributor } from '../src/single-tenant-projection-distributor';
import { SoloProjectionDistributor } from '../src/solo-projection-distributor';

const options = () => {
  const server = new InMemoryLockServer();
  return { databases: [{ id: 'main' }], shards: [shardName('Trip')], createLock: () => server.createLock({ verifyIntervalMs: 0 }) };
};

/** The smallest distributor a third party could write: the required members only, no `kind`, no capabilities. */
function thirdPartyDistributor(sets: readonly ProjectionSet[]): ProjectionDistributor {
  const held = new Set<string>();
  return {
    buildDistribution: async () => sets,
    randomWait: async () => {},
    hasLock: (set) => held.has(set.key),
    lockSignal: () => undefined,
    tryAttain: async (set) => (held.add(set.key), true),
    tryAttainMany: async (many) => new Set(many.map((set) => (held.add(set.key), set.key))),
    release: async (set) => void held.delete(set.key),
    releaseAll: async () => held.clear(),
    onSetsLost: () => () => {},
    dispose: async () => held.clear(),
    [Symbol.asyncDispose]: async () => held.clear(),
  };
}

describe('distributor capabilities (data, not a closed kind)', () => {
  it('Solo says it takes no locks; SingleTenant shares per database; MultiTenanted over the cluster', async () => {
    const solo = new SoloProjectionDistributor(options());
    const single = new SingleTenantProjectionDistributor(options());
    const multi = new MultiTenantedProjectionDistributor(options());
    expect(solo.capabilities).toEqual({ solo: true });
    expect(single.capabilities).toEqual({ shareScope: 'database' });
    expect(multi.capabilities).toEqual({ shareScope: 'cluster' });
    expect(Object.isFrozen(multi.capabilities)).toBe(true);
    await Promise.all([solo.dispose(), single.dispose(), multi.dispose()]);
  });

  it('keeps the deprecated kind on this package’s distributors for coordinators that still read it', async () => {
    const single = new SingleTenantProjectionDistributor(options());
    const multi = new MultiTenantedProjectionDistributor(options());
    expect([new SoloProjectionDistributor(options()).kind, single.kind, multi.kind]).toEqual(['solo', 'single-tenant', 'multi-tenanted']);
    await Promise.all([single.dispose(), multi.dispose()]);
  });

  it('a third-party distributor needs no kind, no capabilities and no optional member (the type checker checks the fake)', async () => {
    const set: ProjectionSet = { key: 'main/1', lockId: 1, database: { id: 'main' }, names: [shardName('Trip')] };
    const distributor = thirdPartyDistributor([set]);
    expect(distributor.kind).toBeUndefined();
    expect(distributor.capabilities).toBeUndefined();
    expect(distributor.probeMembership).toBeUndefined();
    expect(await distributor.tryAttainMany(await distributor.buildDistribution())).toEqual(new Set(['main/1']));
    expect(distributor.hasLock(set)).toBe(true);
  });

  it('the lock-owning distributors offer every optional member of the contract', async () => {
    const distributor = new SingleTenantProjectionDistributor(options());
    const optional = ['probeMembership', 'onReleaseNotice', 'onMemberLeft', 'isMembershipWatched', 'onLockRoundTrip', 'leaveMembership'] as const;
    for (const member of optional) expect(typeof distributor[member]).toBe('function');
    await distributor.dispose();
  });
});
