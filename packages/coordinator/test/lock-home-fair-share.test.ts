import { InMemoryLockServer } from '@polecat/app-lock';
import {
  MultiTenantedProjectionDistributor,
  SingleTenantProjectionDistributor,
  shardName,
  type DatabaseMembership,
  type ProjectionDistributor,
  type ProjectionSet,
} from '@polecat/distributors';
import { cleanupAfterEach } from '@polecat/test-utils/vitest';
import { describe, expect, it } from 'vitest';
import { fairShareOwnershipPolicy } from '../src/fair-share-ownership-policy';
import type { ClusterView, OwnershipPolicy } from '../src/ownership-policy';

// Fair share in a lock home: 200 tenant databases in ONE lock home (member slots per home, one per node).
// Every tenant sees the same 4 live nodes; the rank is rotated per tenant, so the extra sets of
// 200 tenants x 2 sets spread over the 4 nodes instead of all going to ranks 0 and 1.

const tenants = Array.from({ length: 200 }, (_, i) => ({ id: `tenant-${String(i).padStart(3, '0')}`, schema: 'public' }));
const shards = [shardName('Trip'), shardName('Day')];
const cleanup = cleanupAfterEach();

async function probedNodes(make: (server: InMemoryLockServer) => ProjectionDistributor & Required<Pick<ProjectionDistributor, 'probeMembership'>>) {
  const server = new InMemoryLockServer();
  const nodes = Array.from({ length: 4 }, () => make(server));
  for (const node of nodes) cleanup(() => node.dispose());
  for (const node of nodes) await node.probeMembership(await node.buildDistribution()); // join
  const distribution = await nodes[0]!.buildDistribution();
  const views: ReadonlyMap<string, DatabaseMembership>[] = [];
  for (const node of nodes) views.push(await node.probeMembership(distribution));
  return { distribution, views };
}

/** How many sets `policy` lets each node attempt when every set is free and it owns none: its share. */
function shares(policy: OwnershipPolicy, distribution: readonly ProjectionSet[], views: readonly ReadonlyMap<string, DatabaseMembership>[]): number[] {
  return views.map((view) => {
    const cluster: ClusterView = {
      liveNodes: new Map([...view].map(([id, entry]) => [id, entry.liveNodes])),
      ranks: new Map([...view].flatMap(([id, entry]) => (entry.rank === undefined ? [] : [[id, entry.rank] as const]))),
      freeSince: new Map(distribution.map((set) => [set.key, 0])),
      now: 0,
    };
    return policy.select({ distribution, owned: [], candidates: distribution, cluster }).attempt.length;
  });
}

describe('fair share over a lock home', () => {
  it('SingleTenant, 200 tenants x 2 sets, 4 nodes: about 100 each (400 in all), not 200/200/0/0', async () => {
    const { distribution, views } = await probedNodes(
      (server) =>
        new SingleTenantProjectionDistributor({
          databases: tenants,
          shards,
          lockHost: 'one',
          createHomeLock: () => server.createLock({ verifyIntervalMs: 0 }),
        }),
    );
    expect(distribution).toHaveLength(400);
    const counts = shares(fairShareOwnershipPolicy({ scope: 'database' }), distribution, views);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(400);
    // the rotation is a stable hash of the tenant id, so the split is even up to its spread (a few sets)
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(90);
    for (const count of counts) expect(count).toBeLessThanOrEqual(110);
  });

  it("MultiTenanted, 200 tenants (one set each), 4 nodes, scope 'cluster': exactly 50 each", async () => {
    const { distribution, views } = await probedNodes(
      (server) =>
        new MultiTenantedProjectionDistributor({
          databases: tenants,
          shards,
          lockHost: 'one',
          createHomeLock: () => server.createLock({ verifyIntervalMs: 0 }),
        }),
    );
    expect(distribution).toHaveLength(200);
    expect(shares(fairShareOwnershipPolicy({ scope: 'cluster' }), distribution, views)).toEqual([50, 50, 50, 50]);
  });
});
